using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Correlation;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Tests.Sigma.Parsing;

/// <summary>Temporal correlations whose condition is an expression over rule names (pySigma's extended conditions).</summary>
public sealed class ExtendedCorrelationConditionTests
{
    private static SigmaFile Parse(string correlation) => SigmaParser.Parse($"""
        title: Extended
        correlation:
        {correlation}
            group-by: [User]
            timespan: 5m
        """, "c.yml");

    [Fact]
    public void Parse_WithoutRules_TakesTheRulesFromTheCondition()
    {
        var file = Parse("    type: temporal\n    condition: b and (a or not c) and b");
        Assert.False(file.HasErrors, string.Join('\n', file.Diagnostics));
        var correlation = Assert.IsType<SigmaCorrelationRule>(Assert.Single(file.Documents));
        Assert.Equal(["b", "a", "c"], correlation.Rules);
        Assert.NotNull(correlation.ExtendedCondition);
        Assert.Empty(correlation.Conditions);
    }

    [Fact]
    public void Parse_RulesNotUsedInTheCondition_IsAnError()
    {
        var file = Parse("    type: temporal_ordered\n    rules: [a, b, c]\n    condition: a and b");
        var error = Assert.Single(file.Diagnostics, d => d.IsError);
        Assert.Equal(SigmaDiagnosticCodes.CorrelationCondition, error.Code);
        Assert.Contains("'c'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ConditionNamingAnUnlistedRule_IsAnError()
    {
        var file = Parse("    type: temporal\n    rules: [a]\n    condition: a and not z");
        Assert.Contains(file.Diagnostics, d => d.IsError && d.Message.Contains("'z'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1 of a*")]
    [InlineData("a and")]
    public void Parse_ConditionThatIsNotAnExpressionOverNames_IsAnError(string condition)
    {
        var file = Parse($"    type: temporal\n    condition: {condition}");
        Assert.Contains(file.Diagnostics, d => d.IsError && d.Code == SigmaDiagnosticCodes.CorrelationCondition);
    }

    [Fact]
    public void Parse_StringConditionOnACount_IsAnError()
    {
        var file = Parse("    type: event_count\n    rules: [a]\n    condition: a and b");
        Assert.Contains(file.Diagnostics, d => d.IsError && d.Code == SigmaDiagnosticCodes.CorrelationCondition);
    }
}
