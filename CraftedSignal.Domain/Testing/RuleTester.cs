using System.Text;
using System.Text.Json;
using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Events;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Domain.Testing;

/// <summary>One event that matched, and the selections of the rule that were true for it.</summary>
public sealed record MatchedEvent(int Event, IReadOnlyList<string> Selections);

/// <param name="StoppedAt">When the time budget ran out: the (0-based) event the evaluation stopped at; the counts are up to it.</param>
public sealed record RuleEvaluation(int EventCount, IReadOnlyList<MatchedEvent> Matches, string? Error, int? StoppedAt = null);

/// <summary>
/// Runs one Sigma rule over sample events, offline, and explains each match by the selections that held.
/// Log-source routing is not applied: a test's events are meant for the rule under test.
/// </summary>
public static class RuleTester
{
    public const int MaxEventsBytes = 5 * 1024 * 1024;

    /// <summary>Null when <paramref name="events"/> is well-formed JSON (array, JSON Lines or concatenated objects); else what and where.</summary>
    public static string? CheckEvents(string events)
    {
        if (string.IsNullOrWhiteSpace(events))
            return "Add at least one event, as a JSON object.";
        if (Encoding.UTF8.GetByteCount(events) > MaxEventsBytes)
            return $"The events are larger than {MaxEventsBytes / (1024 * 1024)} MiB. Keep test cases small.";
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(events), new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
        try
        {
            var any = false;
            while (reader.Read())
            {
                if (reader.CurrentDepth == 0 && reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray or JsonTokenType.EndObject or JsonTokenType.EndArray))
                    return $"Line {LineOf(events, (int)reader.TokenStartIndex)}: expected a JSON object or an array of objects.";
                any = true;
            }

            return any ? null : "Add at least one event, as a JSON object.";
        }
        catch (JsonException ex)
        {
            return $"The events are not valid JSON at line {(ex.LineNumber ?? 0) + 1}, column {(ex.BytePositionInLine ?? 0) + 1}: {FirstSentence(ex.Message)}";
        }
    }

    public static RuleEvaluation Evaluate(string sigmaContent, string events) => Compile(sigmaContent).Evaluate(events);

    /// <summary>Compiles the rule once for any number of cases; a rule that cannot run gives each case its reason.</summary>
    public static RuleUnderTest Compile(string sigmaContent, SigmaEngineOptions? options = null)
    {
        var file = SigmaParser.Parse(sigmaContent, "rule.yml");
        if (file.Documents.OfType<SigmaRule>().FirstOrDefault() is not { } rule || rule.HasErrors || file.Diagnostics.Any(d => d.IsError))
            return new RuleUnderTest(null, "The rule has errors; fix them before testing.");

        // The rule itself, then one variant per selection whose condition is just that selection: the explanation.
        var position = rule.Conditions.Count > 0 ? rule.Conditions[0].Position : SourcePosition.None;
        var variants = rule.Detections
            .Select(d => rule with { Conditions = [new SigmaCondition(d.Name, new ConditionIdentifier(d.Name, 0), position)] })
            .ToList();
        var engine = SigmaEngine.Create([new SigmaFile("rule.yml", [rule, .. variants], [])], (options ?? SigmaEngineOptions.Default) with { Prefilter = false });
        if (engine.Rules.Count == 0 || engine.Rules[0].Rule != rule)
            return new RuleUnderTest(null, engine.Diagnostics.FirstOrDefault(d => d.IsError)?.Message ?? "The rule could not be compiled.");
        return new RuleUnderTest(engine, null);
    }

    private static int LineOf(string text, int byteOffset) =>
        Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text), 0, Math.Min(byteOffset, Encoding.UTF8.GetByteCount(text))).Count(c => c == '\n') + 1;

    /// <summary>A JSON exception's message up to its first sentence's end (the rest repeats the position).</summary>
    internal static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }
}

/// <summary>A rule compiled for testing, with one variant per selection that explains each match. Evaluates one case at a time.</summary>
public sealed class RuleUnderTest
{
    private readonly SigmaEngine? _engine;

    internal RuleUnderTest(SigmaEngine? engine, string? error)
    {
        _engine = engine;
        Error = error;
    }

    /// <summary>Why the rule cannot be tested, or null.</summary>
    public string? Error { get; }

    /// <summary>How many of the rule's regexes need the backtracking engine.</summary>
    public int BacktrackingPatterns => _engine?.Rules[0].BacktrackingPatterns ?? 0;

    /// <summary>
    /// Runs the rule over <paramref name="events"/>. With a <paramref name="budget"/>, checked at every event and before
    /// every backtracking match, an evaluation that outlasts it stops there (<see cref="RuleEvaluation.StoppedAt"/>).
    /// </summary>
    public RuleEvaluation Evaluate(string events, EvaluationBudget? budget = null)
    {
        if (RuleTester.CheckEvents(events) is { } problem)
            return new RuleEvaluation(0, [], problem);
        if (_engine is null)
            return new RuleEvaluation(0, [], Error);

        var compiled = _engine.Rules[0];
        var parts = _engine.Rules.Skip(1).ToList();
        var matches = new List<MatchedEvent>();
        var count = 0;
        string? readError = null;
        _engine.Budget = budget;
        try
        {
            foreach (var evt in EventReader.Read(Encoding.UTF8.GetBytes(events), e => readError ??= e.Message))
            {
                budget?.ThrowIfSpent();
                if (_engine.Matches(compiled, evt))
                    matches.Add(new MatchedEvent(count, parts.Where(p => _engine.Matches(p, evt)).Select(p => p.Rule.Conditions[0].Text).ToList()));
                count++;
            }
        }
        catch (EvaluationBudgetSpentException)
        {
            return new RuleEvaluation(count, matches, readError, count);
        }
        finally
        {
            _engine.Budget = null;
        }

        return new RuleEvaluation(count, matches, readError);
    }
}
