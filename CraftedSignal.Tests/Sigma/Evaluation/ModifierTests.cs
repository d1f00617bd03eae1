using CraftedSignal.Domain.Sigma.Evaluation;
using static CraftedSignal.Tests.Sigma.SigmaTestRules;

namespace CraftedSignal.Tests.Sigma.Evaluation;

public class ModifierTests
{
    [Theory]
    [InlineData(@"C:\Windows\System32\whoami.exe", true)]
    [InlineData(@"c:\windows\system32\WHOAMI.EXE", true)]
    [InlineData(@"C:\Windows\System32\whoami.exe2", false)]
    public void PlainValue_EqualsCaseInsensitively(string image, bool expected) =>
        Assert.Equal(expected, Matches("""
            selection:
                Image: 'C:\Windows\System32\whoami.exe'
            condition: selection
            """, $$"""{"Image": {{System.Text.Json.JsonSerializer.Serialize(image)}}}"""));

    [Theory]
    [InlineData("startswith", "adm_user", true)]
    [InlineData("startswith", "user_adm", false)]
    [InlineData("endswith", "user_adm", true)]
    [InlineData("endswith", "adm_user", false)]
    [InlineData("contains", "xxADMyy", true)]
    [InlineData("contains", "xxadyy", false)]
    public void StringMatchModifiers_PlaceWildcards(string modifier, string value, bool expected) =>
        Assert.Equal(expected, Matches($"""
            selection:
                User|{modifier}: 'adm'
            condition: selection
            """, $$"""{"User": "{{value}}"}"""));

    [Fact]
    public void Contains_All_RequiresEveryValue()
    {
        const string detection = """
            selection:
                CommandLine|contains|all:
                    - ' -enc '
                    - 'bypass'
            condition: selection
            """;
        Assert.True(Matches(detection, """{"CommandLine": "powershell -ExecutionPolicy Bypass -enc AAA"}"""));
        Assert.False(Matches(detection, """{"CommandLine": "powershell -enc AAA"}"""));
    }

    [Fact]
    public void ListOfValues_IsOr()
    {
        const string detection = """
            selection:
                EventID:
                    - 517
                    - 1102
            condition: selection
            """;
        Assert.True(Matches(detection, """{"EventID": 1102}"""));
        Assert.True(Matches(detection, """{"EventID": "517"}"""));
        Assert.False(Matches(detection, """{"EventID": 4624}"""));
    }

    [Theory]
    [InlineData("prog?.exe", "progA.exe", true)]
    [InlineData("prog?.exe", "progAB.exe", false)]
    [InlineData("antivirus_V*.exe", "antivirus_V21.2.1.exe", true)]
    [InlineData(@"C:\Users\\*\AppData\\*.dll", @"C:\Users\bob\AppData\Local\x.dll", true)]
    [InlineData(@"C:\Users\\*\AppData\\*.dll", @"C:\Users\bob\Local\x.dll", false)]
    [InlineData(@"C:\Users\*", @"C:\Users*", true)]
    [InlineData(@"C:\Users\*", @"C:\Users\bob", false)]
    public void Wildcards_MatchAsSpecified(string pattern, string value, bool expected) =>
        Assert.Equal(expected, Matches($"""
            selection:
                Image: '{pattern}'
            condition: selection
            """, $$"""{"Image": {{System.Text.Json.JsonSerializer.Serialize(value)}}}"""));

    [Theory]
    [InlineData(@"a\*b", "a*b", true)]
    [InlineData(@"a\*b", "axxb", false)]
    [InlineData(@"a\?b", "a?b", true)]
    [InlineData(@"a\?b", "axb", false)]
    [InlineData(@"a\\*", @"a\anything", true)]
    [InlineData(@"a\\\*", @"a\*", true)]
    [InlineData(@"a\\\*", @"a\x", false)]
    [InlineData(@"a\\\\b", @"a\\b", true)]
    [InlineData(@"C:\Windows", @"C:\Windows", true)]
    public void Escapes_FollowTheSpec(string pattern, string value, bool expected) =>
        Assert.Equal(expected, Matches($"""
            selection:
                Field: '{pattern}'
            condition: selection
            """, $$"""{"Field": {{System.Text.Json.JsonSerializer.Serialize(value)}}}"""));

    [Fact]
    public void Cased_MatchesCaseSensitively()
    {
        const string detection = """
            selection:
                Name|cased: 'AbC'
            condition: selection
            """;
        Assert.True(Matches(detection, """{"Name": "AbC"}"""));
        Assert.False(Matches(detection, """{"Name": "abc"}"""));
    }

    [Fact]
    public void Exists_ChecksPresenceOnly()
    {
        const string detection = """
            selection:
                PasswordLastSet|exists: true
            condition: selection
            """;
        Assert.True(Matches(detection, """{"PasswordLastSet": null}"""));
        Assert.False(Matches(detection, """{"Other": 1}"""));
        Assert.True(Matches("""
            selection:
                PasswordLastSet|exists: false
            condition: selection
            """, """{"Other": 1}"""));
    }

    [Fact]
    public void Null_MatchesAbsentOrNullField()
    {
        const string detection = """
            selection:
                FieldB: null
            condition: selection
            """;
        Assert.True(Matches(detection, """{"FieldA": "x"}"""));
        Assert.True(Matches(detection, """{"FieldB": null}"""));
        Assert.False(Matches(detection, """{"FieldB": ""}"""));
    }

    [Fact]
    public void EmptyString_MatchesOnlyEmpty()
    {
        const string detection = """
            selection:
                FieldB: ''
            condition: selection
            """;
        Assert.True(Matches(detection, """{"FieldB": ""}"""));
        Assert.False(Matches(detection, """{"FieldB": "x"}"""));
        Assert.False(Matches(detection, """{"FieldA": "x"}"""));
    }

    [Fact]
    public void Neq_MatchesDifferentValues()
    {
        const string detection = """
            selection:
                User|neq: 'SYSTEM'
            condition: selection
            """;
        Assert.True(Matches(detection, """{"User": "alice"}"""));
        Assert.False(Matches(detection, """{"User": "system"}"""));
    }

    [Theory]
    [InlineData("-enc", "powershell /enc AAA", true)]
    [InlineData("-enc", "powershell \u2013enc AAA", true)]
    [InlineData("-enc", "powershell \u2014enc AAA", true)]
    [InlineData("-enc", "powershell \u2015enc AAA", true)]
    [InlineData("-enc", "powershell -enc AAA", true)]
    [InlineData("-enc", "powershell +enc AAA", false)]
    public void Windash_AcceptsEveryDash(string value, string commandLine, bool expected) =>
        Assert.Equal(expected, Matches($"""
            selection:
                CommandLine|windash|contains: '{value}'
            condition: selection
            """, $$"""{"CommandLine": "{{commandLine}}"}"""));

    [Theory]
    [InlineData("", "Foo123", true)]
    [InlineData("", "foo123", false)]
    [InlineData("|i", "foo123", true)]
    [InlineData("", "xFoo123", true)]
    public void Re_IsCaseSensitiveUnlessI(string flags, string value, bool expected) =>
        Assert.Equal(expected, Matches($"""
            selection:
                Name|re{flags}: 'Foo[0-9]+$'
            condition: selection
            """, $$"""{"Name": "{{value}}"}"""));

    [Fact]
    public void Re_MultilineAndDotAll_ChangeAnchorsAndDot()
    {
        Assert.True(Matches("""
            selection:
                Text|re|m: '^second$'
            condition: selection
            """, """{"Text": "first\nsecond\nthird"}"""));
        Assert.False(Matches("""
            selection:
                Text|re: '^second$'
            condition: selection
            """, """{"Text": "first\nsecond\nthird"}"""));
        Assert.True(Matches("""
            selection:
                Text|re|s: 'first.second'
            condition: selection
            """, """{"Text": "first\nsecond"}"""));
    }

    [Fact]
    public void Base64_MatchesEncodedValue()
    {
        Assert.True(Matches("""
            selection:
                Data|base64: 'cmd'
            condition: selection
            """, """{"Data": "Y21k"}"""));
    }

    [Theory]
    [InlineData("aHR0cDovL")]
    [InlineData("h0dHA6Ly")]
    [InlineData("odHRwOi8v")]
    public void Base64Offset_MatchesEveryShift(string encodedFragment) =>
        Assert.True(Matches("""
            selection:
                CommandLine|base64offset|contains: 'http://'
            condition: selection
            """, $$"""{"CommandLine": "powershell -e xx{{encodedFragment}}yy"}"""));

    [Theory]
    [InlineData("utf16le", "YwBtAGQA")]
    [InlineData("wide", "YwBtAGQA")]
    [InlineData("utf16be", "AGMAbQBk")]
    [InlineData("utf16", "//5jAG0AZAA=")]
    public void Utf16Encodings_FeedBase64(string encoding, string expected) =>
        Assert.True(Matches($"""
            selection:
                Data|{encoding}|base64: 'cmd'
            condition: selection
            """, $$"""{"Data": "{{expected}}"}"""));

    [Theory]
    [InlineData("lt", 5, true)]
    [InlineData("lt", 10, false)]
    [InlineData("lte", 10, true)]
    [InlineData("gt", 11, true)]
    [InlineData("gt", 10, false)]
    [InlineData("gte", 10, true)]
    public void NumericModifiers_CompareNumbers(string modifier, int value, bool expected) =>
        Assert.Equal(expected, Matches($"""
            selection:
                Count|{modifier}: 10
            condition: selection
            """, $$"""{"Count": {{value}}}"""));

    [Theory]
    [InlineData("minute", 34)]
    [InlineData("hour", 23)]
    [InlineData("day", 24)]
    [InlineData("week", 43)]
    [InlineData("month", 10)]
    [InlineData("year", 2025)]
    public void TimeModifiers_ExtractDateParts(string modifier, int value)
    {
        var detection = $"""
            selection:
                UtcTime|{modifier}: {value}
            condition: selection
            """;
        Assert.True(Matches(detection, """{"UtcTime": "2025-10-24 23:34:34.634"}"""));
        Assert.False(Matches(detection, """{"UtcTime": "2021-01-01 01:01:01"}"""));
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.20.30.40", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("192.168.1.0/25", "192.168.1.127", true)]
    [InlineData("192.168.1.0/25", "192.168.1.128", false)]
    [InlineData("fe80::/10", "fe80::1", true)]
    [InlineData("fe80::/10", "2001:db8::1", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    public void Cidr_MatchesIpv4AndIpv6(string network, string ip, bool expected) =>
        Assert.Equal(expected, Matches($"""
            selection:
                DestinationIp|cidr: '{network}'
            condition: selection
            """, $$"""{"DestinationIp": "{{ip}}"}"""));

    [Fact]
    public void Expand_UsesConfiguredPlaceholderValues()
    {
        var options = new SigmaEngineOptions { Placeholders = new Dictionary<string, IReadOnlyList<string>> { ["Servers"] = ["srv*", "dc01"] } };
        const string detection = """
            selection:
                Computer|expand: '%Servers%'
            condition: selection
            """;
        Assert.True(Matches(detection, """{"Computer": "srv-files"}""", options));
        Assert.True(Matches(detection, """{"Computer": "DC01"}""", options));
        Assert.False(Matches(detection, """{"Computer": "ws01"}""", options));
    }

    [Fact]
    public void Expand_WithoutValues_RejectsTheRule()
    {
        var file = CraftedSignal.Domain.Sigma.Parsing.SigmaParser.Parse(Rule("""
            selection:
                Computer|expand: '%Servers%'
            condition: selection
            """));
        var engine = SigmaEngine.Create([file]);
        Assert.Empty(engine.Rules);
        Assert.Contains(engine.Diagnostics, d => d.Code == "SIG2014");
    }

    [Fact]
    public void FieldRef_ComparesTwoFields()
    {
        const string detection = """
            selection:
                ParentImage|fieldref: Image
            condition: selection
            """;
        Assert.True(Matches(detection, """{"Image": "C:\\a.exe", "ParentImage": "c:\\A.exe"}"""));
        Assert.False(Matches(detection, """{"Image": "C:\\a.exe", "ParentImage": "C:\\b.exe"}"""));
        Assert.True(Matches("""
            selection:
                CommandLine|fieldref|contains: Image
            condition: selection
            """, """{"Image": "b.exe", "CommandLine": "run b.exe now"}"""));
    }

    [Fact]
    public void Keywords_SearchEveryField()
    {
        const string detection = """
            keywords:
                - 'event::clear'
                - 'event::drop'
            condition: keywords
            """;
        Assert.True(Matches(detection, """{"Message": "mimikatz EVENT::Clear done"}"""));
        Assert.False(Matches(detection, """{"Message": "nothing"}"""));
    }

    [Fact]
    public void Keywords_All_RequiresEveryKeyword()
    {
        const string detection = """
            keywords_cmdlet:
                '|all':
                    - 'OabVirtualDirectory'
                    - ' -ExternalUrl '
            condition: keywords_cmdlet
            """;
        Assert.True(Matches(detection, """{"a": "Set-OabVirtualDirectory", "b": "x -ExternalUrl http://y"}"""));
        Assert.False(Matches(detection, """{"a": "Set-OabVirtualDirectory"}"""));
    }

    [Fact]
    public void ListOfMaps_IsOrOfAnds()
    {
        const string detection = """
            selection:
                - Image|endswith: '\example.exe'
                - Description|contains: 'Test executable'
            condition: selection
            """;
        Assert.True(Matches(detection, """{"Image": "C:\\example.exe"}"""));
        Assert.True(Matches(detection, """{"Description": "A Test executable"}"""));
        Assert.False(Matches(detection, """{"Image": "C:\\other.exe"}"""));
    }

    [Fact]
    public void NestedFields_AreReachedByDottedPath()
    {
        Assert.True(Matches("""
            selection:
                process.parent.name: 'cmd.exe'
            condition: selection
            """, """{"process": {"parent": {"name": "CMD.EXE"}}}"""));
    }

    [Fact]
    public void ArrayFields_MatchAnyElement()
    {
        Assert.True(Matches("""
            selection:
                tags|contains: 'evil'
            condition: selection
            """, """{"tags": ["good", "very-evil"]}"""));
    }
}
