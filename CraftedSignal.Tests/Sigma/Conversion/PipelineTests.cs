using CraftedSignal.Domain.Sigma.Conversion.Pipelines;

namespace CraftedSignal.Tests.Sigma.Conversion;

/// <summary>pySigma pipeline YAML: each transformation, the rule / detection item / field name conditions, priorities, chaining.</summary>
public sealed class PipelineTests
{
    private const string Process = "category: process_creation\nproduct: windows";

    private const string Detection = """
        selection:
            Image|endswith: '\cmd.exe'
            CommandLine|contains: whoami
        condition: selection
        """;

    private static string Splunk(string pipelineYaml, string detection = Detection, string logsource = Process) =>
        TestConversion.Query(detection, "splunk", logsource, TestConversion.Pipeline(pipelineYaml));

    [Fact]
    public void FieldNameMapping_RenamesFields()
    {
        var query = Splunk("""
            name: map
            transformations:
              - type: field_name_mapping
                mapping:
                  Image: process.executable
                  CommandLine: process.command_line
            """);
        Assert.Equal("""process.executable="*\\cmd.exe" process.command_line="*whoami*" """.TrimEnd(), query);
    }

    [Fact]
    public void FieldNameMapping_ToSeveralFields_OrsTheAlternatives()
    {
        var query = TestConversion.Query(Detection, "kusto", Process, TestConversion.Pipeline("""
            transformations:
              - type: field_name_mapping
                mapping:
                  Image: [FolderPath, InitiatingProcessFolderPath]
            """));
        Assert.Equal("""(FolderPath endswith "\\cmd.exe" or InitiatingProcessFolderPath endswith "\\cmd.exe") and CommandLine contains "whoami" """.TrimEnd(), query);
    }

    [Fact]
    public void FieldNameMapping_RenamesFieldReferencesToo()
    {
        var query = TestConversion.Query("selection:\n    User|fieldref: ParentUser\ncondition: selection", "esql", Process, TestConversion.Pipeline("""
            transformations:
              - type: field_name_mapping
                mapping:
                  User: user.name
                  ParentUser: process.parent.user.name
            """));
        Assert.EndsWith("where user.name==process.parent.user.name", query, StringComparison.Ordinal);
    }

    [Fact]
    public void FieldNamePrefixMapping_ReplacesThePrefix()
    {
        var query = Splunk("""
            transformations:
              - type: field_name_prefix_mapping
                mapping:
                  Comm: cmd.
            """);
        Assert.Equal("""Image="*\\cmd.exe" cmd.andLine="*whoami*" """.TrimEnd(), query);
    }

    [Fact]
    public void FieldNamePrefixAndSuffix_WithIncludeAndExcludeFields()
    {
        var query = Splunk("""
            transformations:
              - type: field_name_prefix
                prefix: 'win.'
                field_name_conditions:
                  - type: include_fields
                    fields: [Image]
              - type: field_name_suffix
                suffix: '.keyword'
                field_name_conditions:
                  - type: exclude_fields
                    fields: [win.Image]
            """);
        Assert.Equal("""win.Image="*\\cmd.exe" CommandLine.keyword="*whoami*" """.TrimEnd(), query);
    }

    [Fact]
    public void AddCondition_AndsAGroupInFrontOfTheCondition()
    {
        var query = TestConversion.Query("a:\n    X: 1\nb:\n    Y: 2\ncondition: a or b", "splunk", Process, TestConversion.Pipeline("""
            transformations:
              - type: add_condition
                conditions:
                  EventID: 1
                  Channel: 'Microsoft-Windows-Sysmon/Operational'
            """));
        // OR binds tighter than the implicit AND in SPL, so no parentheses are needed.
        Assert.Equal("""EventID=1 Channel="Microsoft-Windows-Sysmon/Operational" X=1 OR Y=2""", query);
    }

    [Fact]
    public void AddCondition_Negated_AndsTheNegation()
    {
        var query = TestConversion.Query("a:\n    X: 1\ncondition: a", "esql", Process, TestConversion.Pipeline("""
            transformations:
              - type: add_condition
                negated: true
                conditions:
                  User|startswith: 'NT AUTHORITY'
            """));
        Assert.Equal("""from * metadata _id, _index, _version | where not starts_with(User, "NT AUTHORITY") and X==1""", query);
    }

    [Fact]
    public void ChangeLogsource_IsSeenByLaterRuleConditions()
    {
        var query = Splunk("""
            transformations:
              - type: change_logsource
                product: windows
                service: sysmon
                rule_conditions:
                  - type: logsource
                    category: process_creation
              - type: add_condition
                conditions:
                  source: 'sysmon'
                rule_conditions:
                  - type: logsource
                    service: sysmon
            """);
        Assert.StartsWith("source=\"sysmon\" ", query, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplaceString_ReplacesLiteralTextAndKeepsWildcards()
    {
        var query = Splunk("""
            transformations:
              - type: replace_string
                regex: '^\\(.*)\.exe$'
                replacement: '/\1'
            """, "selection:\n    Image|endswith: '\\cmd.exe'\ncondition: selection");
        Assert.Equal("""Image="*/cmd" """.TrimEnd(), query);
    }

    [Fact]
    public void DropDetectionItem_RemovesMatchingItems()
    {
        var query = Splunk("""
            transformations:
              - type: drop_detection_item
                field_name_conditions:
                  - type: include_fields
                    fields: ['Command.*']
                    type_: re
            """);
        Assert.Equal("""Image="*\\cmd.exe" """.TrimEnd(), query);
    }

    [Fact]
    public void SetState_SetsTheEsqlIndexAndTheKustoTable()
    {
        var esql = TestConversion.Query(Detection, "esql", Process, TestConversion.Pipeline("""
            transformations:
              - type: set_state
                key: index
                val: logs-windows.sysmon_operational-*
            """));
        Assert.StartsWith("from logs-windows.sysmon_operational-* metadata", esql, StringComparison.Ordinal);
        var kusto = TestConversion.Query(Detection, "kusto", Process, TestConversion.Pipeline("""
            transformations:
              - type: set_state
                key: query_table
                val: DeviceProcessEvents
            """));
        Assert.StartsWith("DeviceProcessEvents\n| where ", kusto, StringComparison.Ordinal);
    }

    [Fact]
    public void RuleFailure_RefusesSelectedRulesWithTheMessage()
    {
        var pipeline = TestConversion.Pipeline("""
            transformations:
              - type: rule_failure
                message: Linux rules are not supported here.
                rule_conditions:
                  - type: logsource
                    product: linux
            """);
        var failed = TestConversion.Rule(Detection, "splunk", "category: process_creation\nproduct: linux", pipeline);
        Assert.Equal("SigmaTransformationError: Linux rules are not supported here.", failed.Error?.Message);
        Assert.True(TestConversion.Rule(Detection, "splunk", Process, pipeline).Succeeded);
    }

    [Fact]
    public void DetectionItemFailure_WithMatchString_RefusesRulesWithMatchingValues()
    {
        var pipeline = TestConversion.Pipeline("""
            transformations:
              - type: detection_item_failure
                message: No whoami here.
                detection_item_conditions:
                  - type: match_string
                    pattern: whoami
            """);
        Assert.Equal("SigmaTransformationError: No whoami here.", TestConversion.Rule(Detection, "splunk", Process, pipeline).Error?.Message);
        Assert.True(TestConversion.Rule("selection:\n    Image: x\ncondition: selection", "splunk", Process, pipeline).Succeeded);
    }

    [Fact]
    public void RuleConditions_OrLinkingAndNegation()
    {
        const string Either = """
            transformations:
              - type: field_name_prefix
                prefix: 'p.'
                rule_cond_op: or
                rule_conditions:
                  - type: logsource
                    product: linux
                  - type: logsource
                    category: process_creation
            """;
        Assert.StartsWith("p.Image", Splunk(Either), StringComparison.Ordinal);
        Assert.StartsWith("Image", Splunk(Either, logsource: "category: file_event\nproduct: windows"), StringComparison.Ordinal);
        const string NotWindows = """
            transformations:
              - type: field_name_prefix
                prefix: 'p.'
                rule_cond_not: true
                rule_conditions:
                  - type: logsource
                    product: windows
            """;
        Assert.StartsWith("Image", Splunk(NotWindows), StringComparison.Ordinal);
    }

    [Fact]
    public void ProcessingItemApplied_ChainsItemsOnWhatEarlierItemsChanged()
    {
        var query = Splunk("""
            transformations:
              - id: map_image
                type: field_name_mapping
                mapping:
                  Image: process.executable
              - type: field_name_prefix
                prefix: 'winlog.event_data.'
                detection_item_conditions:
                  - type: processing_item_applied
                    processing_item_id: map_image
                detection_item_cond_not: true
            """);
        Assert.Equal("""process.executable="*\\cmd.exe" winlog.event_data.CommandLine="*whoami*" """.TrimEnd(), query);
    }

    [Fact]
    public void Pipelines_AreAppliedByPriorityThenInOrder()
    {
        var late = TestConversion.Pipeline("name: late\npriority: 50\ntransformations:\n  - type: field_name_prefix\n    prefix: 'b.'");
        var early = TestConversion.Pipeline("name: early\npriority: 10\ntransformations:\n  - type: field_name_prefix\n    prefix: 'a.'");
        var same = TestConversion.Pipeline("name: same\npriority: 50\ntransformations:\n  - type: field_name_prefix\n    prefix: 'c.'");
        var query = TestConversion.Query("selection:\n    X: 1\ncondition: selection", "splunk", Process, late, early, same);
        Assert.Equal("c.b.a.X=1", query);
    }

    [Fact]
    public void AllowedBackends_LimitsThePipelineToItsTargets()
    {
        var pipeline = TestConversion.Pipeline("allowed_backends: [kusto]\ntransformations:\n  - type: field_name_prefix\n    prefix: 'k_'");
        Assert.Equal("X=1", TestConversion.Query("selection:\n    X: 1\ncondition: selection", "splunk", Process, pipeline));
        Assert.Equal("k_X == 1", TestConversion.Query("selection:\n    X: 1\ncondition: selection", "kusto", Process, pipeline));
    }

    [Theory]
    [InlineData("transformations:\n  - type: value_placeholders", "not supported")]
    [InlineData("transformations: nope", "must be a list")]
    [InlineData("name: [unclosed", "")]
    [InlineData("transformations:\n  - type: set_state\n    key: index", "'val'")]
    [InlineData("transformations:\n  - type: field_name_prefix\n    prefix: x\n    rule_conditions:\n      - type: nope", "rule condition type 'nope'")]
    public void Parse_InvalidPipeline_ReportsWhy(string yaml, string expected)
    {
        var result = ProcessingPipeline.Parse(yaml);
        Assert.Contains(expected, Assert.IsType<PipelineNotReadable>(result.Error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Builtins_AllLoad()
    {
        Assert.Equal(["ecs-windows", "sentinel-windows", "splunk-windows", "sysmon"], ProcessingPipeline.BuiltinNames);
        Assert.All(ProcessingPipeline.BuiltinNames, name => Assert.True(ProcessingPipeline.Resolve(name).Succeeded));
    }

    private static ProcessingPipeline Builtin(string name) => ProcessingPipeline.Resolve(name).Value!;

    [Fact]
    public void Builtin_SysmonAndSplunkWindows_RestrictToTheSysmonChannelAndEventId()
    {
        var query = TestConversion.Query(Detection, "splunk", Process, Builtin("splunk-windows"), Builtin("sysmon"));
        Assert.Equal("""source="WinEventLog:Microsoft-Windows-Sysmon/Operational" EventID=1 Image="*\\cmd.exe" CommandLine="*whoami*" """.TrimEnd(), query);
    }

    [Fact]
    public void Builtin_SplunkWindows_MapsServicesToSources()
    {
        var query = TestConversion.Query("selection:\n    EventID: 4624\ncondition: selection", "splunk", "product: windows\nservice: security", Builtin("splunk-windows"));
        Assert.Equal("""source="WinEventLog:Security" EventID=4624""", query);
    }

    [Fact]
    public void Builtin_EcsWindows_MapsToEcsAndPrefixesTheRest()
    {
        var query = TestConversion.Query("selection:\n    Image|endswith: '\\cmd.exe'\n    Foo: bar\ncondition: selection", "lucene", Process,
            Builtin("ecs-windows"), Builtin("sysmon"));
        Assert.Equal("""winlog.channel:Microsoft\-Windows\-Sysmon\/Operational AND (winlog.event_id:1 AND (process.executable:*\\cmd.exe AND winlog.event_data.Foo:bar))""", query);
    }

    [Fact]
    public void Builtin_SentinelWindows_UsesDefenderTablesAndFields()
    {
        var query = TestConversion.Query(Detection, "kusto", Process, Builtin("sentinel-windows"));
        Assert.Equal("DeviceProcessEvents\n| where FolderPath endswith \"\\\\cmd.exe\" and ProcessCommandLine contains \"whoami\"", query);
    }
}
