using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Events;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Tests.Sigma.Evaluation;

public class FilterAndCollectionTests
{
    private const string Rar = """
        title: Data Compressed - rar.exe
        id: 6f3e2987-db24-4c78-a860-b4f4095a7095
        logsource:
            category: process_creation
            product: windows
        detection:
            selection:
                Image|endswith: '\rar.exe'
            condition: selection
        """;

    [Fact]
    public void Filter_SuppressesMatchesOfTheListedRules()
    {
        var rule = SigmaParser.Parse(Rar, "rule.yml");
        var filter = SigmaParser.Parse("""
            title: Filter Administrator account
            logsource:
                category: process_creation
                product: windows
            filter:
                rules:
                    - 6f3e2987-db24-4c78-a860-b4f4095a7095
                selection:
                    User|startswith: 'adm_'
                condition: selection
            """, "filter.yml");
        Assert.IsType<SigmaFilter>(Assert.Single(filter.Documents));
        var engine = SigmaEngine.Create([rule, filter]);
        Assert.Single(engine.Match(SigmaEvent.FromJson("""{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "C:\\rar.exe", "User": "bob"}""")));
        Assert.Empty(engine.Match(SigmaEvent.FromJson("""{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "C:\\rar.exe", "User": "adm_bob"}""")));
    }

    [Fact]
    public void Collection_GlobalAction_MergesIntoEachDocument()
    {
        var file = SigmaParser.Parse("""
            action: global
            title: Shared title
            logsource:
                product: windows
            detection:
                condition: selection
            ---
            id: 11111111-1111-4111-8111-111111111111
            logsource:
                service: security
            detection:
                selection:
                    EventID: 1
            ---
            id: 22222222-2222-4222-8222-222222222222
            detection:
                selection:
                    EventID: 2
            """);
        Assert.False(file.HasErrors, string.Join('\n', file.Diagnostics));
        var rules = file.Rules.ToList();
        Assert.Equal(2, rules.Count);
        Assert.All(rules, r => Assert.Equal("Shared title", r.Title));
        Assert.Equal("security", rules[0].LogSource.Service);
        Assert.Equal("windows", rules[0].LogSource.Product);
        Assert.Null(rules[1].LogSource.Service);
        var engine = SigmaEngine.Create([file]);
        var match = Assert.Single(engine.Match(SigmaEvent.FromJson("""{"EventID": 2}""")));
        Assert.Equal("22222222-2222-4222-8222-222222222222", match.Id);
    }

    [Fact]
    public void Parser_KeepsPositionsOfKeysValuesAndModifiers()
    {
        var rule = Assert.Single(SigmaParser.Parse(Rar).Rules);
        var item = Assert.IsType<SigmaDetectionItem>(Assert.IsType<SigmaDetectionGroup>(rule.FindDetection("selection")!.Body).Items[0]);
        Assert.Equal(new SourcePosition(8, 9), item.Position);
        Assert.Equal(new SourcePosition(8, 15), item.Modifiers[0].Position);
        Assert.Equal(new SourcePosition(8, 25), item.Values[0].Position);
        Assert.Equal(@"\rar.exe", Assert.IsType<SigmaString>(item.Values[0]).Original);
        Assert.Equal(new SourcePosition(9, 16), rule.Conditions[0].Position);
        Assert.Equal(new SourcePosition(2, 5), rule.Source.Find("id")!.Value.Position);
    }

    [Fact]
    public void LogSourceRouting_UnmappedRulesSeeEveryEvent_MappedOnlyTheirOwn()
    {
        var mapped = SigmaParser.Parse(Rar, "a.yml");
        var unmapped = SigmaParser.Parse(Rar.Replace("6f3e2987-db24-4c78-a860-b4f4095a7095", "7f3e2987-db24-4c78-a860-b4f4095a7095", StringComparison.Ordinal)
            .Replace("product: windows", "product: exotic", StringComparison.Ordinal), "b.yml");
        var engine = SigmaEngine.Create([mapped, unmapped]);
        Assert.Equal(2, engine.Match(SigmaEvent.FromJson("""{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "C:\\rar.exe"}""")).Count);
        var onlyUnmapped = Assert.Single(engine.Match(SigmaEvent.FromJson("""{"EventID": 11, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "C:\\rar.exe"}""")));
        Assert.Equal("b.yml", onlyUnmapped.Path);
    }
}
