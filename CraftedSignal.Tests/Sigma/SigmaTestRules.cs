using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Events;
using CraftedSignal.Domain.Sigma.Parsing;
using CraftedSignal.Domain.Sigma.Validation;

namespace CraftedSignal.Tests.Sigma;

/// <summary>Builds small rules around a detection section and evaluates them.</summary>
internal static class SigmaTestRules
{
    public static string Rule(string detection) => $"""
        title: Test rule
        id: 929a690e-bef0-4204-a928-ef5e620d6fcc
        logsource:
            product: test
        detection:
        {Indent(detection)}
        """;

    public static bool Matches(string detection, string eventJson, SigmaEngineOptions? options = null)
    {
        var file = SigmaParser.Parse(Rule(detection), "rule.yml");
        Assert.False(file.HasErrors, string.Join('\n', file.Diagnostics));
        var engine = SigmaEngine.Create([file], options);
        Assert.DoesNotContain(engine.Diagnostics, d => d.IsError);
        var rule = Assert.Single(engine.Rules);
        return engine.Matches(rule, SigmaEvent.FromJson(eventJson));
    }

    public static IReadOnlyList<SigmaDiagnostic> Validate(string detection) => SigmaValidator.Validate(SigmaParser.Parse(Rule(detection), "rule.yml"));

    public static IReadOnlyList<string> Codes(string detection) => [.. Validate(detection).Where(d => d.IsError).Select(d => d.Code)];

    private static string Indent(string text) =>
        string.Join('\n', text.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n').Select(line => "    " + line));
}
