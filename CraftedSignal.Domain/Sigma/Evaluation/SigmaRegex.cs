using System.Text.RegularExpressions;

namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>How a Sigma <c>re</c> value became a .NET regex.</summary>
/// <param name="Backtracking">When the pattern needs the backtracking engine: which construct, and where (see <see cref="SigmaRegex.FindBacktrackingConstruct"/>).</param>
public sealed record SigmaRegexResult(Regex? Regex, bool Linear, string? Error, string? Backtracking = null);

/// <summary>
/// Builds regexes that can never hang: the linear-time NonBacktracking engine when the pattern allows it, otherwise the
/// backtracking engine with a match timeout.
/// </summary>
public static partial class SigmaRegex
{
    public const int MaxPatternLength = 4096;
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>The timeouts a backtracking match runs with when less than <see cref="MatchTimeout"/> is left of the evaluation's budget.</summary>
    internal static readonly TimeSpan[] ShorterTimeouts = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(10)];

    /// <summary>
    /// Which of <see cref="ShorterTimeouts"/> a match runs with when <paramref name="remaining"/> is left of the budget: the
    /// longest that fits (the shortest when none does), or null when the full timeout fits. A budget is then overrun by
    /// at most the shortest timeout instead of a whole <see cref="MatchTimeout"/>.
    /// </summary>
    internal static int? ShorterTimeout(TimeSpan remaining)
    {
        if (remaining >= MatchTimeout)
        {
            return null;
        }

        for (var i = 0; i < ShorterTimeouts.Length; i++)
        {
            if (ShorterTimeouts[i] <= remaining)
            {
                return i;
            }
        }

        return ShorterTimeouts.Length - 1;
    }

    public static SigmaRegexResult Create(string pattern, bool ignoreCase, bool multiline, bool dotAll)
    {
        if (Translate(pattern, ignoreCase, multiline, dotAll) is not var (translated, options))
        {
            return TooLong;
        }

        string refused;
        try
        {
            var linear = new Regex(translated, options | RegexOptions.NonBacktracking);
            return new SigmaRegexResult(linear, true, null);
        }
        catch (NotSupportedException ex)
        {
            // Backreferences, lookarounds and atomic groups need the backtracking engine: bound it with a timeout.
            refused = ex.Message;
        }
        catch (ArgumentException ex)
        {
            return new SigmaRegexResult(null, false, ex.Message);
        }

        try
        {
            var bounded = new Regex(translated, options, MatchTimeout);
            return new SigmaRegexResult(bounded, false, null, FindBacktrackingConstruct(pattern) ?? Unquoted(refused));
        }
        catch (ArgumentException ex)
        {
            return new SigmaRegexResult(null, false, ex.Message);
        }
    }

    /// <summary>
    /// Checks a pattern without building the linear-time engine, which costs many times more than the check: whether
    /// .NET's parser takes it, and whether it needs backtracking, by the constructs that engine refuses
    /// (<see cref="FindBacktrackingConstruct"/>; a test holds the two to the same answer for every pattern of the corpus).
    /// The regex of the result is the parsed backtracking one; <see cref="Create"/> builds the one that runs.
    /// </summary>
    public static SigmaRegexResult Check(string pattern, bool ignoreCase, bool multiline, bool dotAll)
    {
        if (Translate(pattern, ignoreCase, multiline, dotAll) is not var (translated, options))
        {
            return TooLong;
        }

        try
        {
            var parsed = new Regex(translated, options, MatchTimeout);
            var construct = FindBacktrackingConstruct(pattern);
            return new SigmaRegexResult(parsed, construct is null, null, construct);
        }
        catch (ArgumentException ex)
        {
            return new SigmaRegexResult(null, false, ex.Message);
        }
    }

    private static SigmaRegexResult TooLong => new(null, false, $"the pattern is longer than {MaxPatternLength:N0} characters");

    /// <summary>Python's named groups and backreferences in .NET's syntax, and the options of the Sigma modifiers; null when too long.</summary>
    private static (string Pattern, RegexOptions Options)? Translate(string pattern, bool ignoreCase, bool multiline, bool dotAll)
    {
        if (pattern.Length > MaxPatternLength)
        {
            return null;
        }

        var translated = PythonNamedGroup().Replace(pattern, "(?<");
        translated = PythonBackReference().Replace(translated, @"\k<$1>");
        return (translated, RegexOptions.CultureInvariant
            | (ignoreCase ? RegexOptions.IgnoreCase : 0)
            | (multiline ? RegexOptions.Multiline : 0)
            | (dotAll ? RegexOptions.Singleline : 0));
    }

    /// <summary>The warning both the validator and the engine give a pattern that needs backtracking.</summary>
    public static string BacktrackingWarning(SigmaRegexResult regex) =>
        $"This pattern needs backtracking: {regex.Backtracking}. It runs with a {MatchTimeout.TotalMilliseconds:0} ms timeout per match, "
        + "counts as no match when that expires, and uses a time budget shared by the whole test run. Rewrite it without lookarounds and backreferences if you can.";

    /// <summary>The error for each backtracking pattern of a rule past the cap of <paramref name="maximum"/>.</summary>
    public static string TooManyBacktrackingPatterns(int number, int maximum) =>
        $"This is the rule's pattern number {number} that needs backtracking (lookaround or backreference); a rule may have at most {maximum}. "
        + "Rewrite some without lookarounds and backreferences, or split the rule.";

    /// <summary>
    /// The first construct of <paramref name="pattern"/> that the linear-time engine cannot run, named and located
    /// ("a lookahead '(?=' at character 3"), or null when there is none the scan recognises.
    /// </summary>
    public static string? FindBacktrackingConstruct(string pattern)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            var rest = pattern.AsSpan(i);
            if (rest[0] == '\\' && rest.Length > 1)
            {
                var escaped = rest[1];
                if (escaped is >= '1' and <= '9' || (escaped == 'k' && rest.Length > 2 && rest[2] is '<' or '\''))
                {
                    return At("a backreference", pattern, i, escaped == 'k' ? 3 : 2);
                }

                if (escaped == 'G')
                {
                    return At("a \\G anchor", pattern, i, 2);
                }

                i++;
                continue;
            }

            if (rest[0] == '[')
            {
                var end = RegexLiterals.SkipClass(pattern, i);
                if (end < 0)
                {
                    return null;
                }

                i = end - 1;
                continue;
            }

            if (!rest.StartsWith("(?", StringComparison.Ordinal))
            {
                continue;
            }

            var after = pattern[(i + 2)..];
            (string Name, int Length)? construct = after switch
            {
                _ when after.StartsWith('=') => ("a lookahead", 3),
                _ when after.StartsWith('!') => ("a negative lookahead", 3),
                _ when after.StartsWith("<=", StringComparison.Ordinal) => ("a lookbehind", 4),
                _ when after.StartsWith("<!", StringComparison.Ordinal) => ("a negative lookbehind", 4),
                _ when after.StartsWith('>') => ("an atomic group", 3),
                _ when after.StartsWith('(') => ("a conditional", 3),
                _ when after.StartsWith("P=", StringComparison.Ordinal) => ("a backreference", 4),
                _ when BalancingGroup().IsMatch(after) => ("a balancing group", 3),
                _ => null,
            };
            if (construct is var (name, length))
            {
                return At(name, pattern, i, length);
            }
        }

        return null;
    }

    private static string At(string construct, string pattern, int index, int length) =>
        $"{construct} '{pattern.Substring(index, Math.Min(length, pattern.Length - index))}' at character {index + 1} of the pattern";

    // .NET says "... expressions containing: 'lookarounds'."; the quoted part names the construct.
    private static string Unquoted(string message) =>
        message.IndexOf('\'') is var open and >= 0 && message.IndexOf('\'', open + 1) is var close and > 0 ? message[(open + 1)..close] : "a construct the linear-time engine cannot run";

    [GeneratedRegex(@"\(\?P<")]
    private static partial Regex PythonNamedGroup();

    [GeneratedRegex(@"\(\?P=(\w+)\)")]
    private static partial Regex PythonBackReference();

    [GeneratedRegex(@"^(<|')\w*-\w+(>|')")]
    private static partial Regex BalancingGroup();
}
