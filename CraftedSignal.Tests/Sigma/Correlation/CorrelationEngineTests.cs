using CraftedSignal.Domain.Sigma.Correlation;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Events;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Tests.Sigma.Correlation;

public class CorrelationEngineTests
{
    private const string BaseRules = """
        title: Failed login
        id: 53ba33fd-3a50-4468-a5ef-c583635cfa92
        name: failed_login
        logsource:
            product: windows
            service: security
        detection:
            selection:
                EventID: 4625
            condition: selection
        ---
        title: Successful login
        id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
        name: successful_login
        logsource:
            product: windows
            service: security
        detection:
            selection:
                EventID: 4624
            condition: selection
        """;

    private static List<(string Rule, int Event)> Run(string correlation, params string[] events)
    {
        var file = SigmaParser.Parse(correlation + "\n---\n" + BaseRules, "c.yml");
        Assert.False(file.HasErrors, string.Join('\n', file.Diagnostics));
        var engine = SigmaEngine.Create([file]);
        var correlations = new CorrelationEngine(engine.Correlations);
        var fired = new List<(string, int)>();
        for (var i = 0; i < events.Length; i++)
        {
            var evt = SigmaEvent.FromJson(events[i]);
            fired.AddRange(correlations.Observe(i, evt, engine.Match(evt)).Select(m => (m.Rule.Name ?? m.Rule.Id!, i)));
        }

        return fired;
    }

    private static string Login(int eventId, string user, int minute, string computer = "pc1", int bytes = 0) =>
        $$"""{"Channel": "Security", "EventID": {{eventId}}, "TargetUserName": "{{user}}", "Computer": "{{computer}}", "Bytes": {{bytes}}, "@timestamp": "2026-01-01T10:{{minute:D2}}:00Z"}""";

    [Fact]
    public void EventCount_FiresWhenCountReachedWithinTimespanPerGroup()
    {
        const string rule = """
            title: Many failed logins
            name: many_failed
            correlation:
                type: event_count
                rules: [failed_login]
                group-by: [TargetUserName]
                timespan: 10m
                condition:
                    gte: 3
            """;
        var fired = Run(rule, Login(4625, "bob", 0), Login(4625, "alice", 1), Login(4625, "bob", 2), Login(4625, "bob", 3));
        Assert.Equal([("many_failed", 3)], fired);
        Assert.Empty(Run(rule, Login(4625, "bob", 0), Login(4625, "bob", 11), Login(4625, "bob", 22)));
    }

    [Fact]
    public void ValueCount_CountsDistinctValues()
    {
        const string rule = """
            title: Spray
            name: spray
            correlation:
                type: value_count
                rules: [failed_login]
                group-by: [Computer]
                timespan: 1h
                condition:
                    field: TargetUserName
                    gte: 2
            """;
        Assert.Empty(Run(rule, Login(4625, "bob", 0), Login(4625, "bob", 1)));
        Assert.Equal([("spray", 1)], Run(rule, Login(4625, "bob", 0), Login(4625, "alice", 1)));
    }

    [Fact]
    public void TemporalOrdered_RequiresTheOrderGiven_AndChainsCorrelations()
    {
        const string rule = """
            title: Brute force then success
            name: brute_success
            correlation:
                type: temporal_ordered
                rules: [many_failed, successful_login]
                group-by: [TargetUserName]
                timespan: 10m
            ---
            title: Many failed logins
            name: many_failed
            correlation:
                type: event_count
                rules: [failed_login]
                group-by: [TargetUserName]
                timespan: 10m
                condition:
                    gte: 2
            """;
        var fired = Run(rule, Login(4625, "bob", 0), Login(4625, "bob", 1), Login(4624, "bob", 2));
        Assert.Contains(("brute_success", 2), fired);
        Assert.DoesNotContain(fired, f => f.Rule == "brute_success" && f.Event < 2);
        Assert.DoesNotContain(Run(rule, Login(4624, "bob", 0), Login(4625, "bob", 1), Login(4625, "bob", 2)), f => f.Rule == "brute_success");
    }

    [Fact]
    public void Temporal_AnyOrderWithAliases()
    {
        const string rule = """
            title: Both
            name: both
            correlation:
                type: temporal
                rules: [failed_login, successful_login]
                group-by: [who]
                timespan: 5m
                aliases:
                    who:
                        failed_login: TargetUserName
                        successful_login: Computer
            """;
        Assert.Equal([("both", 1)], Run(rule, Login(4624, "x", 0, computer: "bob"), Login(4625, "bob", 1)));
        Assert.Empty(Run(rule, Login(4624, "x", 0, computer: "carol"), Login(4625, "bob", 1)));
    }

    [Fact]
    public void TemporalExtendedCondition_FiresWhenTheExpressionHoldsForTheRulesSeen()
    {
        const string rule = """
            title: Failed without success
            name: failed_only
            correlation:
                type: temporal
                group-by: [TargetUserName]
                timespan: 5m
                condition: failed_login and not successful_login
            """;
        Assert.Equal([("failed_only", 0), ("failed_only", 1)], Run(rule, Login(4625, "bob", 0), Login(4625, "bob", 1)));
        Assert.Equal([("failed_only", 0)], Run(rule, Login(4625, "bob", 0), Login(4624, "bob", 1), Login(4625, "bob", 2)));
        Assert.Empty(Run(rule, Login(4624, "bob", 0), Login(4625, "bob", 1)));
    }

    [Fact]
    public void TemporalOrderedExtendedCondition_NeedsTheRulesInOrder()
    {
        const string rule = """
            title: Failed then success
            name: ordered
            correlation:
                type: temporal_ordered
                rules: [failed_login, successful_login]
                group-by: [TargetUserName]
                timespan: 5m
                condition: failed_login and successful_login
            """;
        Assert.Equal([("ordered", 1)], Run(rule, Login(4625, "bob", 0), Login(4624, "bob", 1)));
        Assert.Empty(Run(rule, Login(4624, "bob", 0), Login(4625, "bob", 1)));
    }

    [Theory]
    [InlineData("value_sum", "gt: 100", 2)]
    [InlineData("value_avg", "lte: 45", 1)]
    public void ValueAggregates_CompareSumAndAverage(string type, string condition, int expectedEvent)
    {
        var rule = $"""
            title: Volume
            name: volume
            correlation:
                type: {type}
                rules: [failed_login]
                group-by: [TargetUserName]
                timespan: 1h
                condition:
                    field: Bytes
                    {condition}
            """;
        var fired = Run(rule, Login(4625, "bob", 0, bytes: 70), Login(4625, "bob", 1, bytes: 20), Login(4625, "bob", 2, bytes: 70));
        Assert.Equal(expectedEvent, Assert.Single(fired).Event);
    }

    [Fact]
    public void ValuePercentile_FiresForRareValues()
    {
        const string rule = """
            title: Rare user
            name: rare
            correlation:
                type: value_percentile
                rules: [failed_login]
                group-by: [Computer]
                timespan: 1h
                condition:
                    field: TargetUserName
                    lte: 25
            """;
        var events = Enumerable.Range(0, 4).Select(i => Login(4625, "bob", i)).Append(Login(4625, "mallory", 5)).ToArray();
        Assert.Equal([("rare", 4)], Run(rule, events));
    }

    [Fact]
    public void Generate_False_SuppressesReferencedRules()
    {
        var file = SigmaParser.Parse("""
            title: c
            correlation:
                type: event_count
                rules: [failed_login]
                group-by: [TargetUserName]
                timespan: 1h
                condition: {gte: 5}
            ---
            """ + BaseRules);
        var suppressed = new CorrelationEngine(SigmaEngine.Create([file]).Correlations).SuppressedRules();
        Assert.Contains("failed_login", suppressed);
        Assert.DoesNotContain("successful_login", suppressed);
    }
}
