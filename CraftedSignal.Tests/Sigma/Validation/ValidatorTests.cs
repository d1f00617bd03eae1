using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Parsing;
using CraftedSignal.Domain.Sigma.Validation;
using static CraftedSignal.Tests.Sigma.SigmaTestRules;

namespace CraftedSignal.Tests.Sigma.Validation;

public class ValidatorTests
{
    [Theory]
    [InlineData("Image|contians: x", SigmaDiagnosticCodes.UnknownModifier)]
    [InlineData("Image|startswith|endswith: x", SigmaDiagnosticCodes.IncompatibleModifiers)]
    [InlineData("Image|i: x", SigmaDiagnosticCodes.MisplacedModifier)]
    [InlineData("Image|contains|base64: x", SigmaDiagnosticCodes.MisplacedModifier)]
    [InlineData("Image|base64|wide: x", SigmaDiagnosticCodes.MisplacedModifier)]
    [InlineData("Image|base64|base64offset: x", SigmaDiagnosticCodes.IncompatibleModifiers)]
    [InlineData("Image|re|contains: x", SigmaDiagnosticCodes.IncompatibleModifiers)]
    [InlineData("Image|re: '(unclosed'", SigmaDiagnosticCodes.InvalidRegex)]
    [InlineData("Ip|cidr: 10.0.0.0/33", SigmaDiagnosticCodes.InvalidCidr)]
    [InlineData("Ip|cidr: not-an-ip", SigmaDiagnosticCodes.InvalidCidr)]
    [InlineData("Count|gt: 'ten'", SigmaDiagnosticCodes.ValueTypeNotAllowed)]
    [InlineData("Count|gt|lt: 5", SigmaDiagnosticCodes.IncompatibleModifiers)]
    [InlineData("Time|hour: 25", SigmaDiagnosticCodes.TimeValueOutOfRange)]
    [InlineData("Field|exists: maybe", SigmaDiagnosticCodes.ExistsNeedsBoolean)]
    [InlineData("Field|exists|contains: true", SigmaDiagnosticCodes.IncompatibleModifiers)]
    [InlineData("Field|fieldref|cidr: Other", SigmaDiagnosticCodes.IncompatibleModifiers)]
    [InlineData("Field|base64: 'a*b'", SigmaDiagnosticCodes.MisplacedModifier)]
    public void Modifiers_BadUse_IsAnError(string item, string code) =>
        Assert.Contains(code, Codes($"selection:\n    {item}\ncondition: selection"));

    [Theory]
    [InlineData("CommandLine|contains|all:\n        - a\n        - b")]
    [InlineData("CommandLine|base64offset|contains: x")]
    [InlineData("CommandLine|wide|base64offset|contains: x")]
    [InlineData("CommandLine|windash|contains: -x")]
    [InlineData("CommandLine|re|i|m|s: '^a.b$'")]
    [InlineData("Ip|cidr: 'fe80::/10'")]
    [InlineData("Ip|neq: '1.2.3.4'")]
    [InlineData("Field|fieldref|endswith: Other")]
    [InlineData("Time|hour|gte: 8")]
    [InlineData("Field|expand: '%Servers%'")]
    public void Modifiers_ValidCombinations_HaveNoError(string item) =>
        Assert.Empty(Codes($"selection:\n    {item}\ncondition: selection"));

    [Fact]
    public void UnknownModifier_PointsAtTheModifier()
    {
        var diagnostic = Assert.Single(Validate("selection:\n    Image|endwith: x\ncondition: selection"), d => d.IsError);
        Assert.Equal(new SourcePosition(7, 15), diagnostic.Position);
        Assert.Contains("Did you mean 'endswith'", diagnostic.Message);
    }

    [Fact]
    public void UndefinedIdentifier_PointsIntoTheCondition()
    {
        var diagnostic = Assert.Single(Validate("selection:\n    A: x\ncondition: selection and not filter"), d => d.IsError);
        Assert.Equal(SigmaDiagnosticCodes.UndefinedIdentifier, diagnostic.Code);
        Assert.Equal(new SourcePosition(8, 34), diagnostic.Position);
    }

    [Fact]
    public void UnusedIdentifier_IsAWarning()
    {
        var diagnostic = Assert.Single(Validate("selection:\n    A: x\nfilter:\n    B: y\ncondition: selection"), d => d.Code == SigmaDiagnosticCodes.UnusedIdentifier);
        Assert.False(diagnostic.IsError);
        Assert.Equal(new SourcePosition(8, 5), diagnostic.Position);
    }

    [Theory]
    [InlineData("selection and", SigmaDiagnosticCodes.ConditionSyntax)]
    [InlineData("(selection", SigmaDiagnosticCodes.ConditionSyntax)]
    [InlineData("selection | count() > 5", SigmaDiagnosticCodes.ConditionSyntax)]
    [InlineData("selection*", SigmaDiagnosticCodes.ConditionSyntax)]
    [InlineData("1 of nothing*", SigmaDiagnosticCodes.PatternMatchesNothing)]
    public void Condition_Errors_AreReported(string condition, string code) =>
        Assert.Contains(code, Codes($"selection:\n    A: x\ncondition: {condition}"));

    [Fact]
    public void NullInList_IsAnError() =>
        Assert.Contains(SigmaDiagnosticCodes.NullInList, Codes("selection:\n    A:\n        - ''\n        - null\ncondition: selection"));

    private static IReadOnlyList<SigmaDiagnostic> Metadata(string replace, string with) =>
        SigmaValidator.Validate(SigmaParser.Parse(Rule("selection:\n    A: x\ncondition: selection").Replace(replace, with, StringComparison.Ordinal), "rule.yml"));

    [Fact]
    public void MalformedUuid_IsAnError() =>
        Assert.Contains(Metadata("929a690e-bef0-4204-a928-ef5e620d6fcc", "929a690e-bef0"), d => d is { Code: SigmaDiagnosticCodes.MalformedUuid, IsError: true, Position.Line: 2 });

    [Fact]
    public void InvalidDate_IsAnError() =>
        Assert.Contains(Metadata("logsource:", "date: 2024-02-30\nlogsource:"), d => d is { Code: SigmaDiagnosticCodes.InvalidDate, IsError: true });

    [Theory]
    [InlineData("attack.T1059")]
    [InlineData("attack.t1059.1")]
    [InlineData("attack.defense_evasion")]
    public void AttackTag_WrongForm_IsAnError(string tag) =>
        Assert.Contains(Metadata("logsource:", $"tags:\n    - {tag}\nlogsource:"), d => d is { Code: SigmaDiagnosticCodes.AttackTagForm, IsError: true });

    [Theory]
    [InlineData("attack.t1059.001")]
    [InlineData("attack.defense-evasion")]
    [InlineData("attack.g0016")]
    public void AttackTag_RightForm_IsAccepted(string tag) =>
        Assert.DoesNotContain(Metadata("logsource:", $"tags:\n    - {tag}\nlogsource:"), d => d.Code == SigmaDiagnosticCodes.AttackTagForm);

    [Fact]
    public void MissingRequiredFields_AreErrors()
    {
        var diagnostics = SigmaValidator.Validate(SigmaParser.Parse("id: 929a690e-bef0-4204-a928-ef5e620d6fcc\ndetection:\n    a: {A: x}\n", "rule.yml"));
        Assert.Contains(diagnostics, d => d.Code == SigmaDiagnosticCodes.MissingField && d.Message.Contains("title", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.Code == SigmaDiagnosticCodes.MissingField && d.Message.Contains("logsource", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.Code == SigmaDiagnosticCodes.MissingCondition);
    }

    [Fact]
    public void DuplicateIds_AcrossACollection_AreErrors()
    {
        var a = SigmaParser.Parse(Rule("selection:\n    A: x\ncondition: selection"), "a.yml");
        var b = SigmaParser.Parse(Rule("selection:\n    B: x\ncondition: selection"), "b.yml");
        var results = SigmaValidator.ValidateAll([a, b]);
        Assert.DoesNotContain(results[0], d => d.Code == SigmaDiagnosticCodes.DuplicateId);
        var duplicate = Assert.Single(results[1], d => d.Code == SigmaDiagnosticCodes.DuplicateId);
        Assert.Contains("a.yml:2:5", duplicate.Message);
    }

    [Fact]
    public void Conventions_AreWarningsOnly()
    {
        var diagnostics = SigmaValidator.Validate(SigmaParser.Parse(Rule("selection:\n    A: x\ncondition: selection"), "Bad Name.yml"));
        Assert.Contains(diagnostics, d => d.Code == SigmaDiagnosticCodes.FileNameConvention);
        Assert.Contains(diagnostics, d => d.Code == SigmaDiagnosticCodes.MissingDescription);
        Assert.DoesNotContain(diagnostics, d => d.IsError);
    }

    [Fact]
    public void Format_IsPathLineColumnSeverityCodeMessage() =>
        Assert.Equal("r.yml:3:7: error SIG2001: msg", new SigmaDiagnostic("SIG2001", SigmaSeverity.Error, "msg", new SourcePosition(3, 7)).Format("r.yml"));
}
