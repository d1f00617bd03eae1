using System.Text;
using CraftedSignal.Domain.Sigma.Events;

namespace CraftedSignal.Tests.Sigma.Events;

public class EventReaderTests
{
    private static List<SigmaEvent> Read(string text, List<EventReadError>? errors = null) =>
        [.. EventReader.Read(Encoding.UTF8.GetBytes(text), e => errors?.Add(e))];

    [Theory]
    [InlineData("{\"a\": 1}\n{\"a\": 2}\n{\"a\": 3}\n")]
    [InlineData("[{\"a\": 1}, {\"a\": 2}, {\"a\": 3}]")]
    [InlineData("{\"a\": 1}{\"a\": 2}\n\n  {\n\"a\": 3\n}")]
    public void Read_DetectsFormatAutomatically(string text)
    {
        var events = Read(text);
        Assert.Equal(["1", "2", "3"], events.Select(e => e.Find("A")!.Text));
    }

    [Fact]
    public void Read_EvtxRecord_IsFlattenedLikeSigmasWindowsTaxonomy()
    {
        var evt = Assert.Single(Read("""
            {"Event": {"System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}}, "EventID": 1,
              "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "pc1",
              "TimeCreated": {"#attributes": {"SystemTime": "2025-11-27T07:40:10.165324Z"}}},
             "EventData": {"Image": "C:\\a.exe", "Some Field": "x"}}}
            """));
        Assert.Equal("1", evt.Find("EventID")!.Text);
        Assert.Equal("Microsoft-Windows-Sysmon/Operational", evt.Find("channel")!.Text);
        Assert.Equal("pc1", evt.Find("Computer")!.Text);
        Assert.Equal("Microsoft-Windows-Sysmon", evt.Find("Provider_Name")!.Text);
        Assert.Equal("x", evt.Find("SomeField")!.Text);
        Assert.Equal(new DateTimeOffset(2025, 11, 27, 7, 40, 10, 165, TimeSpan.Zero).AddTicks(3240), evt.Timestamp);
    }

    [Fact]
    public void Read_InvalidJson_ReportsAndKeepsEarlierEvents()
    {
        var errors = new List<EventReadError>();
        var events = Read("{\"a\": 1}\n{\"a\": ", errors);
        Assert.Single(events);
        Assert.Single(errors);
    }
}
