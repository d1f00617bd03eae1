using System.Text;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Events;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Tests.Sigma.Events;

public class ReadCacheTests
{
    [Fact]
    public void RepeatedShortValues_AreOneValue_SoTheirLowercaseIsMadeOnce()
    {
        var events = EventReader.Read(Encoding.UTF8.GetBytes("""
            {"Image": "C:\\Windows\\System32\\CMD.exe", "EventID": 1, "Elevated": true}
            {"Image": "C:\\Windows\\System32\\CMD.exe", "EventID": 1, "Elevated": true}
            """)).ToList();

        Assert.Same(events[0].Find("Image"), events[1].Find("Image"));
        Assert.Same(events[0].Find("EventID"), events[1].Find("EventID"));
        Assert.Same(events[0].Find("Image")!.Lower, events[1].Find("Image")!.Lower);
        Assert.Equal(EventValueKind.Number, events[1].Find("EventID")!.Kind);
        Assert.Equal("true", events[1].Find("Elevated")!.Text);
    }

    [Fact]
    public void LongValues_AndEscapedOnes_AreReadIntoValuesOfTheirOwn()
    {
        var long1 = new string('a', ReadCache.MaxCachedValueBytes + 1);
        var events = EventReader.Read(Encoding.UTF8.GetBytes($$"""
            {"CommandLine": "{{long1}}", "Path": "C:\\a\"b"}
            {"CommandLine": "{{long1}}", "Path": "C:\\a\"b"}
            """)).ToList();

        Assert.Equal(long1, events[1].Find("CommandLine")!.Text);
        Assert.NotSame(events[0].Find("CommandLine"), events[1].Find("CommandLine"));
        Assert.Equal("C:\\a\"b", events[1].Find("Path")!.Text);
    }

    [Fact]
    public void ManyDistinctValues_StillReadRight_PastWhatTheCacheHolds()
    {
        var lines = string.Join('\n', Enumerable.Range(0, 20_000).Select(i => $$"""{"Id": "v{{i}}", "N": {{i % 7}}}"""));

        var events = EventReader.Read(Encoding.UTF8.GetBytes(lines)).ToList();

        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => $"v{i}"), events.Select(e => e.Find("Id")!.Text));
        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => $"{i % 7}"), events.Select(e => e.Find("N")!.Text));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Matching_HandsFieldTablesBack_AndEachOutcomeStillSeesItsOwnEvent(int threads)
    {
        // Every 50th event matches, so its table is kept until the caller has taken the outcome.
        var rule = SigmaParser.Parse(SigmaTestRules.Rule("""
            selection:
                Kind: hit
            condition: selection
            """), "rule.yml");
        Assert.False(rule.HasErrors, string.Join('\n', rule.Diagnostics));
        var engine = SigmaEngine.Create([rule]);
        var count = 5_000;
        var json = string.Join('\n', Enumerable.Range(0, count).Select(i => $$"""{"Kind": "{{(i % 50 == 0 ? "hit" : "miss")}}", "Index": "{{i}}"}""")) + "\n";
        var matcher = new ParallelMatcher(engine, threads);

        var index = 0;
        foreach (var outcome in matcher.Match(new MemoryStream(Encoding.UTF8.GetBytes(json))))
        {
            Assert.Equal(index % 50 == 0, outcome.Matches.Length == 1);
            if (outcome.Event is { } evt)
            {
                Assert.Equal($"{index}", evt.Find("Index")!.Text);
            }

            index++;
        }

        Assert.Equal(count, index);
        // One table per event (or two, as a trailing line break once cost) would be thousands.
        Assert.InRange(matcher.Tables.Created, 1, 600);
    }
}
