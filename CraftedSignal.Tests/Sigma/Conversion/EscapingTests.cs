namespace CraftedSignal.Tests.Sigma.Conversion;

/// <summary>Hostile values (quotes, backslashes, wildcards, line breaks, unicode, operators) per backend.</summary>
public sealed class EscapingTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        // target, YAML value of "Field", expected query
        { "splunk", """'say "hi"'""", """Field="say \"hi\"" """.TrimEnd() },
        { "splunk", """'C:\Windows\'""", """Field="C:\\Windows\\" """.TrimEnd() },
        { "splunk", """'a\*b\?c'""", """Field="a\*b?c" """.TrimEnd() },
        { "splunk", """'a*b?c'""", """Field="a*b*c" """.TrimEnd() },
        { "splunk", """'(x) OR y'""", """Field="(x) OR y" """.TrimEnd() },
        { "splunk", """'ünïcødé ✓ 𝄞'""", """Field="ünïcødé ✓ 𝄞" """.TrimEnd() },
        { "kusto", """'say "hi"'""", """Field =~ "say \"hi\"" """.TrimEnd() },
        { "kusto", """'C:\Windows\'""", """Field =~ "C:\\Windows\\" """.TrimEnd() },
        { "kusto", """'a\*b'""", """Field =~ "a*b" """.TrimEnd() },
        { "kusto", """'a*b?c'""", """Field matches regex "(?i)^a.*b.c$" """.TrimEnd() },
        { "kusto", "\"line1\\nline2\\ttab\"", """Field =~ "line1\nline2\ttab" """.TrimEnd() },
        { "kusto", """'ünïcødé ✓ 𝄞'""", """Field =~ "ünïcødé ✓ 𝄞" """.TrimEnd() },
        { "lucene", """'say "hi"'""", """Field:say\ \"hi\" """.TrimEnd() },
        { "lucene", """'C:\Windows\'""", """Field:C\:\\Windows\\""" },
        { "lucene", """'a\*b\?c'""", """Field:a\*b\?c""" },
        { "lucene", """'a*b?c'""", """Field:a*b?c""" },
        { "lucene", """'(x) OR y:z'""", """Field:\(x\)\ OR\ y\:z""" },
        { "lucene", "\"line1\\nline2\"", "Field:line1\\\nline2" },
        { "lucene", "''", """Field:"" """.TrimEnd() },
        { "esql", """'say "hi"'""", """from * metadata _id, _index, _version | where Field=="say \"hi\"" """.TrimEnd() },
        { "esql", """'C:\Windows\'""", """from * metadata _id, _index, _version | where Field=="C:\\Windows\\" """.TrimEnd() },
        { "esql", """'a*b?c'""", """from * metadata _id, _index, _version | where Field like "a*b?c" """.TrimEnd() },
        { "esql", "\"line1\\nline2\\ttab\"", """from * metadata _id, _index, _version | where Field=="line1\nline2\ttab" """.TrimEnd() },
        { "esql", """'ünïcødé ✓ 𝄞'""", """from * metadata _id, _index, _version | where Field=="ünïcødé ✓ 𝄞" """.TrimEnd() },
        { "eql", """'say "hi"'""", """any where Field:"say \"hi\"" """.TrimEnd() },
        { "eql", """'C:\Windows\'""", """any where Field:"C:\\Windows\\" """.TrimEnd() },
        { "eql", """'a*b?c'""", """any where Field:"a*b?c" """.TrimEnd() },
        { "eql", "\"line1\\nline2\\ttab\"", """any where Field:"line1\nline2\ttab" """.TrimEnd() },
        { "eql", "''", """any where Field=="" """.TrimEnd() },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Convert_HostileValue_IsEscapedForTheTarget(string target, string value, string expected)
    {
        var query = TestConversion.Query($"selection:\n    Field: {value}\ncondition: selection", target);
        Assert.Equal(expected, query);
        Assert.True(QueryShape.IsBalanced(query, target), query);
    }

    [Theory]
    [InlineData("splunk", """| regex Field="a\"b/c\\\\d" """)]
    [InlineData("kusto", """Field matches regex "a\"b/c\\\\d" """)]
    [InlineData("lucene", """Field:/a\"b\/c\\d/""")]
    [InlineData("esql", """where Field rlike "a\"b/c\\\\d" """)]
    [InlineData("eql", """Field regex~ "a\"b\/c\\d" """)]
    public void Convert_RegexWithQuoteSlashAndBackslash_IsEscapedForTheTarget(string target, string expected)
    {
        var query = TestConversion.Query("""
            selection:
                Field|re: 'a"b/c\\d'
            condition: selection
            """, target);
        Assert.EndsWith(expected.TrimEnd(), query, StringComparison.Ordinal);
        Assert.True(QueryShape.IsBalanced(query, target), query);
    }

    [Theory]
    [InlineData("splunk", """ "a \"b\" c" OR "x\\y" """)]
    [InlineData("kusto", """ "a \"b\" c" or "x\\y" """)]
    [InlineData("lucene", """ *a\ \"b\"\ c* OR *x\\y* """)]
    [InlineData("eql", """ any where "a \"b\" c" or "x\\y" """)]
    public void Convert_HostileKeywords_AreQuotedOrEscaped(string target, string expected)
    {
        var query = TestConversion.Query("""
            keywords:
                - 'a "b" c'
                - 'x\y'
            condition: keywords
            """, target);
        Assert.Equal(expected.Trim(), query);
    }

    [Fact]
    public void Convert_KeywordsToEsql_AreRefusedWithAReason() =>
        Assert.Contains("String value expressions are not supported", TestConversion.Refusal("keywords:\n    - evil\ncondition: keywords", "esql"), StringComparison.Ordinal);

    [Theory]
    [InlineData("kusto", "'id.orig_h'")]
    [InlineData("esql", "`my field`")]
    [InlineData("eql", "`my field`")]
    [InlineData("splunk", "\"my field\"")]
    [InlineData("lucene", "my\\ field")]
    public void Convert_FieldNameWithSpecialCharacters_IsQuotedOrEscaped(string target, string expectedField)
    {
        var field = target == "kusto" ? "id.orig_h" : "my field";
        var query = TestConversion.Query($"selection:\n    '{field}': x\ncondition: selection", target);
        Assert.Contains(expectedField, query, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kusto", "Abc", "F == \"Abc\"")]
    [InlineData("kusto", "Abc*", "F startswith_cs \"Abc\"")]
    [InlineData("kusto", "*Abc*", "F contains_cs \"Abc\"")]
    [InlineData("kusto", "A*c", "F matches regex \"^A.*c$\"")]
    [InlineData("eql", "Abc", "any where F == \"Abc\"")]
    [InlineData("eql", "*Abc*", "any where F like \"*Abc*\"")]
    [InlineData("esql", "*Abc", "from * metadata _id, _index, _version | where ends_with(F, \"Abc\")")]
    public void Convert_CasedValue_UsesCaseSensitiveOperators(string target, string value, string expected) =>
        Assert.Equal(expected, TestConversion.Query($"selection:\n    F|cased: '{value}'\ncondition: selection", target));

    [Theory]
    [InlineData("splunk")]
    [InlineData("lucene")]
    public void Convert_CasedValue_IsRefusedWhereTheLanguageHasNoCaseSensitiveMatch(string target) =>
        Assert.Contains("Case-sensitive string matching is not supported",
            TestConversion.Rule("selection:\n    F|cased: Abc\ncondition: selection", target).Error?.Message, StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(GoldenTests.Targets), MemberType = typeof(GoldenTests))]
    public void Convert_UnresolvedPlaceholder_IsRefused(string target) =>
        Assert.Contains("unhandled placeholder 'admins'",
            TestConversion.Rule("selection:\n    User|expand: '%admins%'\ncondition: selection", target).Error?.Message, StringComparison.Ordinal);
}
