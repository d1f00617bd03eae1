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
    public void Convert_RuleFields_AppendsATable() =>
        Assert.Equal("fieldA=\"valueA\" | table fieldA,fieldB", WithFields(["fieldA", "fieldB"], "fieldA: valueA", "splunk"));

    [Fact]
    public void Convert_RuleFieldsWithPipedRegex_TableComesLast() =>
        Assert.Equal("fieldB=\"foo\"\n| regex fieldA=\"foo.*bar\" | table fieldA", WithFields(["fieldA"], "fieldA|re: foo.*bar\n        fieldB: foo", "splunk"));

    [Theory]
    [InlineData("kusto")]
    [InlineData("lucene")]
    [InlineData("esql")]
    [InlineData("eql")]
    public void Convert_RuleFields_OtherTargetsIgnoreThem(string target) =>
        Assert.Equal(WithFields([], "fieldA: x", target), WithFields(["fieldA"], "fieldA: x", target));

    [Fact]
    public void Convert_RuleFields_AreRenamedByTheFieldNameMapping_AsTheDetectionIs() =>
        Assert.Equal("process.executable=\"x\" | table process.executable,FolderPath,InitiatingProcessFolderPath,User", WithFields(["Image", "Parent", "User"], "Image: x", "splunk",
            TestConversion.Pipeline("""
                transformations:
                  - type: field_name_mapping
                    mapping:
                      Image: process.executable
                      Parent: [FolderPath, InitiatingProcessFolderPath]
                """)));

    [Fact]
    public void Convert_RuleFields_AreRenamedByPrefixAndSuffixTransformations_WithinTheirFieldConditions() =>
        Assert.Equal("win.Image_x=\"x\" | table win.Image_x,win.User,Other", WithFields(["Image", "User", "Other"], "Image: x", "splunk",
            TestConversion.Pipeline("""
                transformations:
                  - type: field_name_prefix
                    prefix: win.
                    field_name_conditions:
                      - type: include_fields
                        fields: [Image, User]
                  - type: field_name_suffix
                    suffix: _x
                    field_name_conditions:
                      - type: include_fields
                        fields: [win.Image]
                """)));

    [Fact]
    public void Convert_CorrelationContextFields_AreTheMappedFieldsOfTheRules()
    {
        var result = TestConversion.Text("""
            title: Base
            name: base
            logsource:
                product: test
            fields: [Image]
            detection:
                sel:
                    Image: x
                condition: sel
            ---
            title: Many
            correlation:
                type: event_count
                rules: [base]
                group-by: [User]
                timespan: 5m
                condition:
                    gte: 3
            """, "splunk", TestConversion.Pipeline("""
                transformations:
                  - type: field_name_mapping
                    mapping:
                      Image: process.executable
                """));

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Contains("values(process.executable) as process.executable", result.Queries[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("values(Image)", result.Queries[^1], StringComparison.Ordinal);
    }

    /// <summary>The query of a rule with the given <c>fields</c> whose selection holds <paramref name="items"/>.</summary>
    private static string WithFields(string[] fields, string items, string target, params Domain.Sigma.Conversion.Pipelines.ProcessingPipeline[] pipelines)
    {
        var result = TestConversion.Text($"""
            title: Test
            logsource:
                product: test
            fields: [{string.Join(", ", fields)}]
            detection:
                sel:
                    {items}
                condition: sel
            """, target, pipelines);
        Assert.True(result.Succeeded, result.Error?.Message);
        return Assert.Single(result.Queries);
    }
}
