using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Parsing;
using CraftedSignal.Domain.Sigma.Validation;

namespace CraftedSignal.Domain.Rules;

/// <summary>A problem in a rule's content, with the 1-based line and column the editor underlines.</summary>
public sealed record RuleDiagnostic(string Code, bool IsError, string Message, int Line, int Column);

/// <summary>What a rule's content says about itself, and what is wrong with it.</summary>
public sealed record RuleAnalysis(
    string Title,
    string? Description,
    string? SigmaId,
    string Level,
    string? Status,
    string? LogSourceProduct,
    string? LogSourceCategory,
    string? LogSourceService,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> References,
    IReadOnlyList<string> FalsePositives,
    IReadOnlyList<RuleDiagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    public int ErrorCount => Diagnostics.Count(d => d.IsError);

    public int WarningCount => Diagnostics.Count(d => !d.IsError);
}

/// <summary>
/// What a native query cannot say about itself, entered in the rule's details instead of written in the content:
/// title, description, level, ATT&amp;CK and other tags, references and known false positives.
/// </summary>
public sealed record NativeMetadata(
    string? Title,
    string? Description = null,
    string Level = "medium",
    IReadOnlyList<string>? Tags = null,
    IReadOnlyList<string>? References = null,
    IReadOnlyList<string>? FalsePositives = null);

/// <summary>Reads a rule's content: Sigma through the engine's parser and validator, native queries through structural checks.</summary>
public static class RuleAnalyzer
{
    public const int MaxContentLength = 1024 * 1024;

    public static readonly string[] Levels = ["informational", "low", "medium", "high", "critical"];

    // File-naming conventions are about files in a repository; a rule in the library has no file name of its own.
    private static readonly HashSet<string> IgnoredInTheLibrary = [SigmaDiagnosticCodes.FileNameConvention];

    /// <param name="sigma">Limits beyond the specification (the server's cap on backtracking patterns); the defaults when null.</param>
    public static RuleAnalysis Analyze(RuleFormat format, NativeLanguage? language, string content, NativeMetadata? native = null, SigmaValidationOptions? sigma = null)
    {
        if (content.Length > MaxContentLength)
        {
            return Describe(native, [new RuleDiagnostic("RULE001", true,
                $"The rule is {content.Length / 1024} KiB; a rule can be at most {MaxContentLength / 1024} KiB. Split it or remove unused selections.", 1, 1)]);
        }

        return format == RuleFormat.Sigma ? AnalyzeSigma(content, sigma) : AnalyzeNative(language ?? NativeLanguage.Spl, content, native);
    }

    public static int LevelRank(string? level) => Array.IndexOf(Levels, level) is var i and >= 0 ? i : 2;

    private static RuleAnalysis AnalyzeSigma(string content, SigmaValidationOptions? sigma)
    {
        var file = SigmaParser.Parse(content, "rule.yml");
        var diagnostics = SigmaValidator.Validate(file, sigma)
            .Where(d => !IgnoredInTheLibrary.Contains(d.Code))
            .Select(d => new RuleDiagnostic(d.Code, d.IsError, d.Message, Math.Max(1, d.Position.Line), Math.Max(1, d.Position.Column)))
            .OrderBy(d => d.Line).ThenBy(d => d.Column)
            .ToList();
        var document = file.Documents.FirstOrDefault();
        if (document is null)
            return Describe(null, diagnostics.Count > 0 ? diagnostics : [new RuleDiagnostic("RULE002", true, "The file holds no Sigma rule. Start with 'title:' and a 'detection:' section.", 1, 1)]);

        var meta = document.Metadata;
        var logSource = (document as SigmaRule)?.LogSource;
        return new RuleAnalysis(
            string.IsNullOrWhiteSpace(meta.Title) ? "Untitled rule" : meta.Title.Trim(),
            meta.Description,
            meta.Id,
            Levels.Contains(meta.Level) ? meta.Level! : "medium",
            meta.Status,
            logSource?.Product,
            logSource?.Category,
            logSource?.Service,
            NormalizeTags(meta.Tags),
            meta.References,
            meta.FalsePositives,
            diagnostics);
    }

    private static RuleAnalysis AnalyzeNative(NativeLanguage language, string content, NativeMetadata? native)
    {
        var diagnostics = new List<RuleDiagnostic>();
        if (string.IsNullOrWhiteSpace(content))
            diagnostics.Add(new RuleDiagnostic("RULE010", true, $"Write the {language} query.", 1, 1));
        diagnostics.AddRange(NativeQueryChecks.Balance(content));
        if (language == NativeLanguage.Lucene && !string.IsNullOrWhiteSpace(content) && diagnostics.Count == 0 && LuceneSyntax.Check(content) is { } parse)
            diagnostics.Add(parse);
        if (string.IsNullOrWhiteSpace(native?.Title))
            diagnostics.Add(new RuleDiagnostic("RULE011", true, "Give the rule a title.", 1, 1));
        return Describe(native, diagnostics);
    }

    /// <summary>Lower-case, trimmed, without blanks or repeats: the form tags are stored and filtered in.</summary>
    public static List<string> NormalizeTags(IEnumerable<string> tags) =>
        tags.Select(t => t.Trim().ToLowerInvariant()).Where(t => t.Length > 0).Distinct().ToList();

    private static RuleAnalysis Describe(NativeMetadata? native, List<RuleDiagnostic> diagnostics) => new(
        string.IsNullOrWhiteSpace(native?.Title) ? "Untitled rule" : native.Title.Trim(),
        string.IsNullOrWhiteSpace(native?.Description) ? null : native.Description.Trim(),
        null,
        Levels.Contains(native?.Level) ? native!.Level : "medium",
        null, null, null, null,
        NormalizeTags(native?.Tags ?? []),
        native?.References ?? [],
        native?.FalsePositives ?? [],
        diagnostics);
}

/// <summary>The checks that can honestly be made on a query language we do not parse: quotes and brackets balance.</summary>
public static class NativeQueryChecks
{
    public static IEnumerable<RuleDiagnostic> Balance(string query)
    {
        var open = new Stack<(char Bracket, int Line, int Column)>();
        char? quote = null;
        (int Line, int Column) quoteStart = (1, 1);
        int line = 1, column = 0;
        for (var i = 0; i < query.Length; i++)
        {
            var c = query[i];
            column++;
            if (c == '\n')
            {
                line++;
                column = 0;
                continue;
            }

            if (quote is not null)
            {
                if (c == '\\')
                {
                    i++;
                    column++;
                }
                else if (c == quote)
                {
                    quote = null;
                }

                continue;
            }

            switch (c)
            {
                case '"' or '\'':
                    quote = c;
                    quoteStart = (line, column);
                    break;
                case '(' or '[' or '{':
                    open.Push((c, line, column));
                    break;
                case ')' or ']' or '}':
                    var expected = c switch { ')' => '(', ']' => '[', _ => '{' };
                    if (open.Count == 0 || open.Peek().Bracket != expected)
                    {
                        yield return new RuleDiagnostic("RULE020", true, $"'{c}' closes nothing: remove it or add the matching '{expected}'.", line, column);
                        yield break;
                    }

                    open.Pop();
                    break;
            }
        }

        if (quote is not null)
            yield return new RuleDiagnostic("RULE021", true, $"This {quote} quote is never closed.", quoteStart.Line, quoteStart.Column);
        foreach (var (bracket, l, col) in open)
            yield return new RuleDiagnostic("RULE022", true, $"This '{bracket}' is never closed.", l, col);
    }
}
