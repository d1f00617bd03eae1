namespace CraftedSignal.Tests.Sigma.Conversion;

/// <summary>Value modifiers as pySigma applies them, seen through the Splunk backend (the plainest output).</summary>
public sealed class ModifierConversionTests
{
    private static string Splunk(string item) => TestConversion.Query($"selection:\n    {item}\ncondition: selection", "splunk");

    [Fact]
    public void Windash_ExpandsDashesStartingAWordInEveryCombination()
    {
        var query = Splunk("CommandLine|windash: '-a -b'");
        Assert.StartsWith(
            """CommandLine="-a -b" OR CommandLine="-a /b" OR CommandLine="-a –b" OR CommandLine="-a —b" OR CommandLine="-a ―b" OR CommandLine="/a -b" """.TrimEnd(),
            query, StringComparison.Ordinal);
        Assert.Equal(25, query.Split(" OR ").Length);
        Assert.Equal("""CommandLine="a-b" """.TrimEnd(), Splunk("CommandLine|windash: 'a-b'"));
    }

    [Fact]
    public void Base64Offset_GivesThreeShiftedEncodings()
    {
        Assert.Equal("""F="*ZGlzYWJsZWFyY2hpdmVzY2FubmluZy*" OR F="*Rpc2FibGVhcmNoaXZlc2Nhbm5pbmcg*" OR F="*kaXNhYmxlYXJjaGl2ZXNjYW5uaW5nI*" """.TrimEnd(),
            Splunk("F|base64offset|contains: 'disablearchivescanning '"));
    }

    [Fact]
    public void WideThenBase64_EncodesUtf16LittleEndian() =>
        Assert.Equal("""F="*YQBiAGMA*" """.TrimEnd(), Splunk("F|wide|base64|contains: abc"));

    [Fact]
    public void StartsWithAndEndsWith_DoNotDoubleWildcards()
    {
        Assert.Equal("""F="abc*" """.TrimEnd(), Splunk("F|startswith: 'abc*'"));
        Assert.Equal("""F="*abc" """.TrimEnd(), Splunk("F|endswith: '*abc'"));
        Assert.Equal("""F="*abc*" """.TrimEnd(), Splunk("F|contains: '*abc'"));
    }

    [Fact]
    public void All_AndsTheValues() =>
        Assert.Equal("""F="*a*" F="*b*" """.TrimEnd(), Splunk("F|contains|all: [a, b]"));

    [Fact]
    public void Numbers_KeepYaml11Semantics()
    {
        Assert.Equal("EventID=4688", Splunk("EventID: 4688"));
        Assert.Equal("""EventID="4688" """.TrimEnd(), Splunk("EventID: '4688'"));
        Assert.Equal("""Details="*00000429*" """.TrimEnd(), Splunk("Details|contains: 00000429"));
    }

    [Fact]
    public void RegexFlags_BecomeAnInlinePrefix() =>
        Assert.EndsWith("""| regex F="(?ims)a.b" """.TrimEnd(), Splunk("F|re|i|m|s: 'a.b'"), StringComparison.Ordinal);

    [Fact]
    public void Regex_InNegatedGroupToSplunk_IsFlaggedWithRexSoTheNegationHolds()
    {
        var query = TestConversion.Query("selection:\n    S: s\nfilter:\n    A: x\n    B|re: 'y'\ncondition: selection and not filter", "splunk");
        Assert.Equal("""
            S="s"
            | rex field=B "(?<BMatch>y)"
            | eval BCondition=if(isnotnull(BMatch), "true", "false")
            | search NOT (A="x" BCondition="true")
            """, query);
    }

    [Fact]
    public void Regex_NegatedDirectlyToSplunk_IsPipedWithNotEquals() =>
        Assert.Equal("S=\"s\"\n| regex B!=\"y\"", TestConversion.Query("selection:\n    S: s\nfilter:\n    B|re: 'y'\ncondition: selection and not filter", "splunk"));

    [Theory]
    [InlineData("F|gt: 5", "F>5")]
    [InlineData("F|gte: 5", "F>=5")]
    [InlineData("F|lt: 5", "F<5")]
    [InlineData("F|lte: 5", "F<=5")]
    [InlineData("F|exists: true", "F=*")]
    [InlineData("F|exists: false", "NOT F=*")]
    [InlineData("F: null", "NOT F=*")]
    public void CompareExistsAndNull(string item, string expected) => Assert.Equal(expected, Splunk(item));

    [Theory]
    [InlineData("F|cidr: 'nonsense'", "Invalid CIDR expression")]
    [InlineData("F|base64: 'a*b'", "wildcards")]
    [InlineData("F|neq: x", "'neq' is not supported")]
    [InlineData("F|gt: abc", "need a number")]
    public void InvalidValues_AreRefusedWithAReason(string item, string reason) =>
        Assert.Contains(reason, TestConversion.Rule($"selection:\n    {item}\ncondition: selection", "splunk").Error?.Message, StringComparison.Ordinal);
}
