namespace CraftedSignal.Tests.Sigma.Conversion;

/// <summary>Correlation rules to Splunk (pySigma-backend-splunk's stats layout) and ES|QL.</summary>
public sealed class CorrelationTests
{
    private const string BaseRule = """
        title: Base rule
        name: base_rule
        status: test
        logsource:
            category: test
        detection:
            selection:
                fieldA: value1
                fieldB: value2
            condition: selection
        ---
        """;

    private const string TwoRules = """
        title: Base rule 1
        name: base_rule_1
        status: test
        logsource:
            category: test
        detection:
            selection:
                fieldA: value1
                fieldB: value2
            condition: selection
        ---
        title: Base rule 2
        name: base_rule_2
        status: test
        logsource:
            category: test
        detection:
            selection:
                fieldA: value3
                fieldB: value4
            condition: selection
        ---
        """;

    private const string EventCount = BaseRule + """

        title: Multiple occurrences of base event
        status: test
        correlation:
            type: event_count
            rules:
                - base_rule
            group-by:
                - fieldC
                - fieldD
            timespan: 15m
            condition:
                gte: 10
        """;

    private const string ValueCount = BaseRule + """

        title: Many distinct values
        status: test
        correlation:
            type: value_count
            rules:
                - base_rule
            group-by:
                - fieldC
            timespan: 15m
            condition:
                lt: 10
                field: fieldD
        """;

    private const string Temporal = TwoRules + """

        title: Temporal correlation rule
        status: test
        correlation:
            type: temporal
            rules:
                - base_rule_1
                - base_rule_2
            aliases:
                field:
                    base_rule_1: fieldC
                    base_rule_2: fieldD
            group-by:
                - fieldC
            timespan: 15m
        """;

    private static string Single(string yaml, string target)
    {
        var result = TestConversion.Text(yaml, target);
        Assert.True(result.Succeeded, result.Error?.Message);
        return Assert.Single(result.Queries);
    }

    [Fact]
    public void EventCount_ToSplunk_BinsCountsAndSearches()
    {
        Assert.Equal("""
            fieldA="value1" fieldB="value2"

            | bin _time span=15m
            | stats count as event_count by _time fieldC fieldD

            | search event_count >= 10
            """, Single(EventCount, "splunk"));
    }

    [Fact]
    public void ValueCount_ToSplunk_CountsDistinctValues()
    {
        Assert.Equal("""
            fieldA="value1" fieldB="value2"

            | bin _time span=15m
            | stats dc(fieldD) as value_count by _time fieldC

            | search value_count < 10
            """, Single(ValueCount, "splunk"));
    }

    [Fact]
    public void Temporal_ToSplunk_UsesMultisearchWithEventTypesAndAliases()
    {
        Assert.Equal("""
            | multisearch
            [ search fieldA="value1" fieldB="value2" | eval event_type="base_rule_1" | rename fieldC as field ]
            [ search fieldA="value3" fieldB="value4" | eval event_type="base_rule_2" | rename fieldD as field ]

            | bin _time span=15m
            | stats dc(event_type) as event_type_count by _time fieldC

            | search event_type_count >= 2
            """, Single(Temporal, "splunk"));
    }

    [Fact]
    public void EventCount_ToEsql_BucketsCountsAndFilters()
    {
        Assert.Equal("""
            from * metadata _id, _index, _version | where fieldA=="value1" and fieldB=="value2"
            | eval timebucket=date_trunc(15minutes, @timestamp) | stats event_count=count() by timebucket, fieldC, fieldD
            | where event_count >= 10
            """, Single(EventCount, "esql"));
    }

    [Fact]
    public void ValueCount_ToEsql_CountsDistinctValues()
    {
        Assert.Equal("""
            from * metadata _id, _index, _version | where fieldA=="value1" and fieldB=="value2"
            | eval timebucket=date_trunc(15minutes, @timestamp) | stats value_count=count_distinct(fieldD) by timebucket, fieldC
            | where value_count < 10
            """, Single(ValueCount, "esql"));
    }

    [Fact]
    public void Temporal_ToEsql_TypesEventsAndCountsDistinctTypes()
    {
        var yaml = Temporal.Replace("""
                aliases:
                    field:
                        base_rule_1: fieldC
                        base_rule_2: fieldD

            """, string.Empty, StringComparison.Ordinal);
        Assert.Equal("""
            from * metadata _id, _index, _version | where (fieldA=="value1" and fieldB=="value2") or (fieldA=="value3" and fieldB=="value4")
            | eval event_type=case(fieldA=="value1" and fieldB=="value2", "base_rule_1", fieldA=="value3" and fieldB=="value4", "base_rule_2")
            | eval timebucket=date_trunc(15minutes, @timestamp) | stats event_type_count=count_distinct(event_type) by timebucket, fieldC
            | where event_type_count >= 2
            """, Single(yaml, "esql"));
    }

    [Fact]
    public void ValueSum_ToSplunk_SumsTheField()
    {
        var yaml = ValueCount.Replace("type: value_count", "type: value_sum", StringComparison.Ordinal).Replace("lt: 10", "gt: 1000", StringComparison.Ordinal);
        Assert.Contains("| stats sum(fieldD) as value_sum by _time fieldC\n\n| search value_sum > 1000", Single(yaml, "splunk"), StringComparison.Ordinal);
    }

    [Fact]
    public void Generate_KeepsTheBaseRuleQuery()
    {
        var yaml = EventCount.Replace("    timespan: 15m", "    timespan: 15m\n    generate: true", StringComparison.Ordinal);
        var result = TestConversion.Text(yaml, "splunk");
        Assert.Equal(2, result.Queries.Count);
        Assert.Equal("""fieldA="value1" fieldB="value2" """.TrimEnd(), result.Queries[0]);
    }

    [Fact]
    public void EventCount_ToKusto_SummarizesByTimeBin()
    {
        Assert.Equal("""
            fieldA =~ "value1" and fieldB =~ "value2"
            | summarize event_count = count() by bin(TimeGenerated, 15m), fieldC, fieldD
            | where event_count >= 10
            """, Single(EventCount, "kusto"));
    }

    [Fact]
    public void Temporal_ToKustoWithTablePipeline_StartsFromTheTable()
    {
        var yaml = Temporal.Replace("""
                aliases:
                    field:
                        base_rule_1: fieldC
                        base_rule_2: fieldD

            """, string.Empty, StringComparison.Ordinal);
        var pipeline = TestConversion.Pipeline("transformations:\n  - type: set_state\n    key: query_table\n    val: SecurityEvent");
        var result = TestConversion.Text(yaml, "kusto", pipeline);
        Assert.Equal("""
            SecurityEvent
            | where (fieldA =~ "value1" and fieldB =~ "value2") or (fieldA =~ "value3" and fieldB =~ "value4")
            | extend event_type = case(fieldA =~ "value1" and fieldB =~ "value2", "base_rule_1", fieldA =~ "value3" and fieldB =~ "value4", "base_rule_2", "")
            | summarize event_type_count = dcount(event_type) by bin(TimeGenerated, 15m), fieldC
            | where event_type_count >= 2
            """, Assert.Single(result.Queries));
    }

    [Theory]
    [InlineData("lucene")]
    [InlineData("eql")]
    public void Correlation_ToOtherTargets_IsRefusedWithAReason(string target)
    {
        var result = TestConversion.Text(EventCount, target);
        Assert.False(result.Succeeded);
        Assert.Contains("not supported by the " + target, result.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TemporalOrdered_ToSplunk_IsRefusedWithAReason()
    {
        var yaml = Temporal.Replace("type: temporal", "type: temporal_ordered", StringComparison.Ordinal);
        var result = TestConversion.Text(yaml, "splunk");
        Assert.Contains("TemporalOrdered correlation type is not supported", result.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownRuleReference_IsReported()
    {
        var result = TestConversion.Text(EventCount.Replace("- base_rule\n", "- missing_rule\n", StringComparison.Ordinal), "splunk");
        Assert.Contains("'missing_rule'", result.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FieldMappingPipeline_MapsGroupByAndField()
    {
        var pipeline = TestConversion.Pipeline("""
            transformations:
              - type: field_name_mapping
                mapping:
                  fieldA: a.field
                  fieldC: c.field
                  fieldD: d.field
            """);
        var result = TestConversion.Text(ValueCount, "splunk", pipeline);
        Assert.Equal("""
            a.field="value1" fieldB="value2"

            | bin _time span=15m
            | stats dc(d.field) as value_count by _time c.field

            | search value_count < 10
            """, Assert.Single(result.Queries));
    }

    private const string ThreeRules = TwoRules + """

        title: Base rule 3
        name: base_rule_3
        status: test
        logsource:
            category: test
        detection:
            selection:
                fieldA: value5
            condition: selection
        ---
        """;

    private const string Extended = ThreeRules + """

        title: Two without the third
        status: test
        correlation:
            type: temporal
            group-by:
                - fieldC
            timespan: 15m
            condition: base_rule_1 and base_rule_2 and not base_rule_3
        """;

    [Fact]
    public void PipedRegex_ToSplunkEventCount_StaysWithTheSearch()
    {
        var yaml = EventCount.Replace("fieldA: value1", "fieldA|re: foo.*bar", StringComparison.Ordinal);
        Assert.Equal("""
            fieldB="value2"
            | regex fieldA="foo.*bar"

            | bin _time span=15m
            | stats count as event_count by _time fieldC fieldD

            | search event_count >= 10
            """, Single(yaml, "splunk"));
    }

    [Fact]
    public void OrOfRegexes_ToSplunkTemporal_StaysInsideItsMultisearchBranch()
    {
        var yaml = Temporal.Replace("""
                    fieldA: value3
                    fieldB: value4
            """, """
                    fieldA|re:
                        - foo.*bar
                        - boo.*foo
            """, StringComparison.Ordinal);
        Assert.Equal("""
            | multisearch
            [ search fieldA="value1" fieldB="value2" | eval event_type="base_rule_1" | rename fieldC as field ]
            [ search 
            | rex field=fieldA "(?<fieldAMatch>foo.*bar)"
            | eval fieldACondition=if(isnotnull(fieldAMatch), "true", "false")
            | rex field=fieldA "(?<fieldAMatch2>boo.*foo)"
            | eval fieldACondition2=if(isnotnull(fieldAMatch2), "true", "false")
            | search fieldACondition="true" OR fieldACondition2="true" | eval event_type="base_rule_2" | rename fieldD as field ]

            | bin _time span=15m
            | stats dc(event_type) as event_type_count by _time fieldC

            | search event_type_count >= 2
            """, Single(yaml, "splunk"));
    }

    [Fact]
    public void RuleFields_InSplunkCorrelation_AreValuesInTheStatsNotATable()
    {
        var yaml = EventCount
            .Replace("status: test\nlogsource:", "status: test\nfields:\n    - fieldE\n    - fieldC\n    - fieldF\nlogsource:", StringComparison.Ordinal)
            .Replace("status: test\ncorrelation:", "status: test\nfields:\n    - fieldF\n    - fieldG\ncorrelation:", StringComparison.Ordinal);
        Assert.Equal("""
            fieldA="value1" fieldB="value2"

            | bin _time span=15m
            | stats count as event_count values(fieldE) as fieldE values(fieldF) as fieldF values(fieldG) as fieldG by _time fieldC fieldD

            | search event_count >= 10
            """, Single(yaml, "splunk"));
    }

    [Fact]
    public void RuleFields_InSplunkTemporal_AreCollectedFromEveryRule()
    {
        var yaml = TwoRules
            .Replace("name: base_rule_1\nstatus: test\n", "name: base_rule_1\nstatus: test\nfields: [fieldE, fieldC]\n", StringComparison.Ordinal)
            .Replace("name: base_rule_2\nstatus: test\n", "name: base_rule_2\nstatus: test\nfields: [fieldF, fieldE]\n", StringComparison.Ordinal)
            + "\ntitle: T\ncorrelation:\n    type: temporal\n    rules: [base_rule_1, base_rule_2]\n    group-by: [fieldC]\n    timespan: 15m";
        Assert.Contains("| stats dc(event_type) as event_type_count values(fieldE) as fieldE values(fieldF) as fieldF by _time fieldC\n",
            Single(yaml, "splunk"), StringComparison.Ordinal);
    }

    [Fact]
    public void RuleFields_ToEsql_AreKeptAsValuesExceptGroupByFields()
    {
        var yaml = EventCount.Replace("status: test\nlogsource:", "status: test\nfields:\n    - fieldA\n    - fieldC\n    - fieldE\n    - fieldA\nlogsource:", StringComparison.Ordinal);
        Assert.Equal("""
            from * metadata _id, _index, _version | where fieldA=="value1" and fieldB=="value2"
            | eval timebucket=date_trunc(15minutes, @timestamp) | stats event_count=count(), fieldA=values(fieldA), fieldE=values(fieldE) by timebucket, fieldC, fieldD
            | where event_count >= 10
            """, Single(yaml, "esql"));
    }

    [Theory]
    [InlineData("30s", "30seconds")]
    [InlineData("1h", "1hours")]
    [InlineData("2d", "2days")]
    public void Timespan_ToEsql_HasNoSpaceBeforeTheUnit(string timespan, string expected) =>
        Assert.Contains($"date_trunc({expected}, @timestamp)",
            Single(EventCount.Replace("timespan: 15m", "timespan: " + timespan, StringComparison.Ordinal), "esql"), StringComparison.Ordinal);

    [Fact]
    public void ExtendedTemporal_ToSplunk_TestsTheEventTypesSeen()
    {
        Assert.Equal("""
            | multisearch
            [ search fieldA="value1" fieldB="value2" | eval event_type="base_rule_1" ]
            [ search fieldA="value3" fieldB="value4" | eval event_type="base_rule_2" ]
            [ search fieldA="value5" | eval event_type="base_rule_3" ]

            | bin _time span=15m
            | stats dc(event_type) as event_type_count values(event_type) as event_types by _time fieldC

            | search event_types="base_rule_1" event_types="base_rule_2" NOT event_types="base_rule_3"
            """, Single(Extended, "splunk"));
    }

    [Fact]
    public void ExtendedTemporalWithOrAndGroups_ToSplunk_GroupsOperandsOfOtherOperators()
    {
        var yaml = Extended.Replace("base_rule_1 and base_rule_2 and not base_rule_3", "base_rule_1 and not (base_rule_2 or base_rule_3)", StringComparison.Ordinal);
        Assert.EndsWith("""| search event_types="base_rule_1" NOT (event_types="base_rule_2" OR event_types="base_rule_3")""", Single(yaml, "splunk"), StringComparison.Ordinal);
    }

    [Fact]
    public void ExtendedTemporal_ToKusto_TestsTheSetOfEventTypes()
    {
        Assert.EndsWith("""
            | summarize event_type_count = dcount(event_type), event_types = make_set(event_type) by bin(TimeGenerated, 15m), fieldC
            | where set_has_element(event_types, "base_rule_1") and set_has_element(event_types, "base_rule_2") and not(set_has_element(event_types, "base_rule_3"))
            """, Single(Extended, "kusto"), StringComparison.Ordinal);
    }

    [Fact]
    public void ExtendedTemporal_ToEsql_IsRefusedAsInPySigma()
    {
        var result = TestConversion.Text(Extended, "esql");
        Assert.Equal("NotImplementedError: Correlation rule type 'temporal_extended' is not supported by backend. (while converting rule None)", result.Error?.Message);
    }

    [Fact]
    public void ExtendedTemporal_LeavesOutTheReferencedRules()
    {
        var result = TestConversion.Text(Extended, "splunk");
        Assert.Single(result.Queries);
    }
}
