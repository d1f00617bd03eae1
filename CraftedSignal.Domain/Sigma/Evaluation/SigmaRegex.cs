using System.Text.RegularExpressions;

namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>How a Sigma <c>re</c> value became a .NET regex.</summary>
public sealed record SigmaRegexResult(Regex? Regex, bool Linear, string? Error);

/// <summary>
/// Builds regexes that can never hang: the linear-time NonBacktracking engine when the pattern allows it, otherwise the
/// backtracking engine with a match timeout.
/// </summary>
public static partial class SigmaRegex
{
    public const int MaxPatternLength = 4096;
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(200);

    public static SigmaRegexResult Create(string pattern, bool ignoreCase, bool multiline, bool dotAll, bool linearOnlyCheck = false)
    {
        if (pattern.Length > MaxPatternLength)
        {
            return new SigmaRegexResult(null, false, $"the pattern is longer than {MaxPatternLength:N0} characters");
        }

        var translated = PythonNamedGroup().Replace(pattern, "(?<");
        translated = PythonBackReference().Replace(translated, @"\k<$1>");
        var options = RegexOptions.CultureInvariant
            | (ignoreCase ? RegexOptions.IgnoreCase : 0)
            | (multiline ? RegexOptions.Multiline : 0)
            | (dotAll ? RegexOptions.Singleline : 0);
        try
        {
            var linear = new Regex(translated, options | RegexOptions.NonBacktracking);
            return new SigmaRegexResult(linear, true, null);
        }
        catch (NotSupportedException)
        {
            // Backreferences, lookarounds and atomic groups need the backtracking engine: bound it with a timeout.
        }
        catch (ArgumentException ex)
        {
            return new SigmaRegexResult(null, false, ex.Message);
        }

        try
        {
            var bounded = linearOnlyCheck ? null : new Regex(translated, options, MatchTimeout);
            if (linearOnlyCheck)
            {
                _ = new Regex(translated, options, MatchTimeout);
            }

            return new SigmaRegexResult(bounded, false, null);
        }
        catch (ArgumentException ex)
        {
            return new SigmaRegexResult(null, false, ex.Message);
        }
    }

    [GeneratedRegex(@"\(\?P<")]
    private static partial Regex PythonNamedGroup();

    [GeneratedRegex(@"\(\?P=(\w+)\)")]
    private static partial Regex PythonBackReference();
}
