using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Parsing;
using static CraftedSignal.Tests.Sigma.SigmaTestRules;

namespace CraftedSignal.Tests.Sigma.Conversion;

/// <summary>Plain yes/no/on/off are YAML 1.1 booleans, as PyYAML and so pySigma read them; quoted ones stay strings.</summary>
public sealed class YamlBooleanTests
{
    [Theory]
    [InlineData("yes", "fieldA=true")]
    [InlineData("On", "fieldA=true")]
    [InlineData("NO", "fieldA=false")]
    [InlineData("off", "fieldA=false")]
    [InlineData("'yes'", "fieldA=\"yes\"")]
    [InlineData("\"off\"", "fieldA=\"off\"")]
    public void Convert_Yaml11Boolean_ToSplunk_IsABooleanUnlessQuoted(string value, string expected) =>
        Assert.Equal(expected, TestConversion.Query($"sel:\n    fieldA: {value}\ncondition: sel", "splunk"));

    [Theory]
    [InlineData("yes", "fieldA=*")]
    [InlineData("off", "NOT fieldA=*")]
    public void Convert_ExistsWithYesOrOff_IsAccepted(string value, string expected) =>
        Assert.Equal(expected, TestConversion.Query($"sel:\n    fieldA|exists: {value}\ncondition: sel", "splunk"));

    [Fact]
    public void Convert_ExistsWithQuotedYes_IsRefusedAsAString() =>
        Assert.Contains("boolean", TestConversion.Refusal("sel:\n    fieldA|exists: 'yes'\ncondition: sel", "splunk"), StringComparison.Ordinal);

    [Theory]
    [InlineData("yes", true)]
    [InlineData("YES", true)]
    [InlineData("on", true)]
    [InlineData("no", false)]
    [InlineData("Off", false)]
    [InlineData("False", false)]
    public void Parse_PlainScalar_IsSigmaBoolean(string value, bool expected)
    {
        var rule = Assert.IsType<SigmaRule>(Assert.Single(SigmaParser.Parse(Rule($"sel:\n    fieldA: {value}\ncondition: sel"), "rule.yml").Documents));
        var body = rule.Detections[0].Body;
        var item = body as SigmaDetectionItem ?? Assert.IsType<SigmaDetectionItem>(Assert.Single(Assert.IsType<SigmaDetectionGroup>(body).Items));
        var boolean = Assert.IsType<SigmaBoolean>(Assert.Single(item.Values));
        Assert.Equal(expected, boolean.Value);
    }

    [Theory]
    [InlineData("""{"fieldA": true}""", true)]
    [InlineData("""{"fieldA": "true"}""", true)]
    [InlineData("""{"fieldA": "yes"}""", false)]
    [InlineData("""{"fieldA": false}""", false)]
    public void Match_Yes_BehavesLikeTrue(string eventJson, bool expected)
    {
        Assert.Equal(expected, Matches("sel:\n    fieldA: yes\ncondition: sel", eventJson));
        Assert.Equal(expected, Matches("sel:\n    fieldA: true\ncondition: sel", eventJson));
    }

    [Theory]
    [InlineData("""{"fieldA": "x"}""", false)]
    [InlineData("""{"other": "x"}""", true)]
    public void Match_ExistsOff_BehavesLikeExistsFalse(string eventJson, bool expected)
    {
        Assert.Equal(expected, Matches("sel:\n    fieldA|exists: off\ncondition: sel", eventJson));
        Assert.Equal(expected, Matches("sel:\n    fieldA|exists: false\ncondition: sel", eventJson));
    }

    [Fact]
    public void Match_QuotedYes_IsTheString()
    {
        Assert.True(Matches("sel:\n    fieldA: 'yes'\ncondition: sel", """{"fieldA": "YES"}"""));
        Assert.False(Matches("sel:\n    fieldA: 'yes'\ncondition: sel", """{"fieldA": true}"""));
    }
}
