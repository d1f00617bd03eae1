namespace CraftedSignal.Tests.Sigma.Conversion;

/// <summary>Splunk output details of pySigma-backend-splunk: field references in <c>| where</c> and the rule's <c>fields</c> as <c>| table</c>.</summary>
public sealed class SplunkOutputTests
{
    [Fact]
    public void Convert_FieldRef_QuotesBothSidesOfTheWhere() =>
        Assert.Equal("User=\"admin\"\n| where 'User'='ParentUser'",
            TestConversion.Query("sel:\n    User|fieldref: ParentUser\n    User: admin\ncondition: sel", "splunk"));

    [Fact]
    public void Convert_NegatedFieldRef_PutsNotBeforeTheQuotedNames() =>
        Assert.Equal("User=\"admin\"\n| where NOT 'User'='ParentUser'",
            TestConversion.Query("sel:\n    User: admin\nref:\n    User|fieldref: ParentUser\ncondition: sel and not ref", "splunk"));

    [Fact]
    public void Convert_FieldRefOnly_SearchesEverythingThenFilters() =>
        Assert.Equal("*\n| where 'src.ip'='dst.ip'", TestConversion.Query("sel:\n    src.ip|fieldref: dst.ip\ncondition: sel", "splunk"));

    [Fact]
    public void Convert_RuleFields_AppendsATable()
    {
        var result = TestConversion.Text("""
            title: Test
            logsource:
                product: test
            fields:
                - fieldA
                - fieldB
            detection:
                sel:
                    fieldA: valueA
                condition: sel
            """, "splunk");
        Assert.Equal("fieldA=\"valueA\" | table fieldA,fieldB", Assert.Single(result.Queries));
    }

    [Fact]
    public void Convert_RuleFieldsWithPipedRegex_TableComesLast()
    {
        var result = TestConversion.Text("""
            title: Test
            logsource:
                product: test
            fields:
                - fieldA
            detection:
                sel:
                    fieldA|re: foo.*bar
                    fieldB: foo
                condition: sel
            """, "splunk");
        Assert.Equal("fieldB=\"foo\"\n| regex fieldA=\"foo.*bar\" | table fieldA", Assert.Single(result.Queries));
    }

    [Theory]
    [InlineData("kusto")]
    [InlineData("lucene")]
    [InlineData("esql")]
    [InlineData("eql")]
    public void Convert_RuleFields_OtherTargetsIgnoreThem(string target)
    {
        var withFields = TestConversion.Text("title: T\nlogsource:\n    product: test\nfields:\n    - fieldA\ndetection:\n    sel:\n        fieldA: x\n    condition: sel", target);
        var without = TestConversion.Text("title: T\nlogsource:\n    product: test\ndetection:\n    sel:\n        fieldA: x\n    condition: sel", target);
        Assert.Equal(without.Queries, withFields.Queries);
    }
}
