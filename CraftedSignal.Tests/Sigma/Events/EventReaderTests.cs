using System.Text;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Events;
using CraftedSignal.Web.Cli;

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
    public void Read_EventViewerDataPairs_BecomeAFieldEach()
    {
        var evt = Assert.Single(Read("""
            {"Event": {"System": {"EventID": 4625, "Channel": "Security"},
             "EventData": {"Data": [{"@Name": "TargetUserName", "#text": "Administrator"}, {"Name": "LogonType", "#text": "3"},
               {"#attributes": {"Name": "IpAddress"}, "#text": "198.51.100.23"}, {"@Name": "SubjectLogonId"}]}}}
            """));
        Assert.Equal("Administrator", evt.Find("TargetUserName")!.Text);
        Assert.Equal("3", evt.Find("LogonType")!.Text);
        Assert.Equal("198.51.100.23", evt.Find("IpAddress")!.Text);
        Assert.Equal(EventValueKind.Null, evt.Find("SubjectLogonId")!.Kind);
        Assert.Null(evt.Find("Data"));
    }

    [Theory]
    [InlineData("\"b\": oops", 7L, "'o' is an invalid start of a value")]
    [InlineData("\"b\": \"unterminated", 7L, "is invalid within a JSON string")]
    [InlineData("\"b\": [1,", 8L, "'}' is an invalid start of a value")]
    public void Read_PrettyPrintedFileWithABrokenValueInTheMiddle_ReportsItsLineAndReadsTheValuesAfterIt(string broken, long line, string message)
    {
        var errors = new List<EventReadError>();

        var events = Read($$"""
            {
              "a": 1,
              "b": 2
            }
            {
              "a": 2,
              {{broken}}
            }
            {
              "a": 3,
              "c": {
                "d": 4
              }
            }
            """, errors);

        Assert.Equal(["1", "3"], events.Select(e => e.Find("a")!.Text));
        Assert.Equal("4", events[1].Find("c.d")!.Text);
        var error = Assert.Single(errors);
        Assert.Equal(line, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_InvalidJson_ReportsAndKeepsEarlierEvents()
    {
        var errors = new List<EventReadError>();
        var events = Read("{\"a\": 1}\n{\"a\": ", errors);
        Assert.Single(events);
        Assert.Single(errors);
    }

    [Fact]
    public void Read_LineThatIsNotJson_IsReportedWithItsLineAndTheOthersAreRead()
    {
        var errors = new List<EventReadError>();

        var events = Read("{\"a\": 1}\nthis is not json\n{\"a\": 3}\n{\"a\": \n{\"a\": 5}\n", errors);

        Assert.Equal(["1", "3", "5"], events.Select(e => e.Find("a")!.Text));
        Assert.Equal([2L, 4L], errors.Select(e => e.Line));
        Assert.StartsWith("line 2: not valid JSON", errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EventOverOneMebibyte_IsReportedAndSkippedAndTheOthersAreRead()
    {
        var huge = $"{{\"a\": \"{new string('x', EventReader.MaxEventBytes + 10)}\"}}";
        var errors = new List<EventReadError>();

        var events = Read($"{{\"a\": 1}}\n{huge}\n{{\"a\": 3}}\n", errors);

        Assert.Equal(["1", "3"], events.Select(e => e.Find("a")!.Text));
        var error = Assert.Single(errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("more than the 1 MiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EventNestedTooDeeply_IsReportedAndTheOthersAreRead()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"n\": ", 5_000)) + "1" + new string('}', 5_000);
        var errors = new List<EventReadError>();

        var events = Read($"{{\"a\": 1}}\n{deep}\n{{\"a\": 3}}\n", errors);

        Assert.Equal(["1", "3"], events.Select(e => e.Find("a")!.Text));
        Assert.Equal(2, Assert.Single(errors).Line);
    }

    [Fact]
    public void Read_EventNestedSixtyLevels_IsReadDownToTheFlatteningDepth()
    {
        var deep = "{\"top\": 1, " + string.Concat(Enumerable.Repeat("\"n\": {", 60)) + "\"x\": 1" + new string('}', 60) + "}";
        var errors = new List<EventReadError>();

        var evt = Assert.Single(Read(deep, errors));

        Assert.Empty(errors);
        Assert.Equal("1", evt.Find("top")!.Text);
        Assert.NotNull(evt.Find(string.Join('.', Enumerable.Repeat("n", 10))));
    }

    [Fact]
    public void Read_InvalidUtf8_IsReportedWithItsLineAndTheOthersAreRead()
    {
        byte[] bad = [.. "{\"a\": 1}\n{\"a\": \""u8, 0xC3, 0x28, .. "\"}\n{\"a\": 3}\n"u8];
        var errors = new List<EventReadError>();

        var events = EventReader.Read(bad, errors.Add).ToList();

        Assert.Equal(["1", "3"], events.Select(e => e.Find("a")!.Text));
        var error = Assert.Single(errors);
        Assert.Equal(2, error.Line);
        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ValuesOverSeveralLines_AreReadWhole()
    {
        var events = Read("{\n  \"a\": 1,\n  \"b\": {\"c\": \"}\"}\n}\n{\"a\": 2}\n");

        Assert.Equal(["1", "2"], events.Select(e => e.Find("a")!.Text));
        Assert.Equal("}", events[0].Find("b.c")!.Text);
    }

    [Theory]
    [InlineData("""{"a": {"b": 1, "c": {"d": "x"}}, "e": [1, "two", true, null, {"o": 1}], "f": 1.50, "g": 1e3, "h": -0}""")]
    [InlineData("""{"Event": {"x": 1}, "y": 2}""")]
    [InlineData("""{"Event": "text", "y": 2}""")]
    [InlineData("""{"esc\u0061ped": "v\n\u00e9", "": {"inner": 1}, "a.b": 3}""")]
    [InlineData("""{"n": [[1, 2], 3], "m": []}""")]
    [InlineData("""{"a": "x", "A": "y", "a": "z"}""")]
    [InlineData("""{"UtcTime": "2026-08-01 00:00:00.000", "Ünïcode": "é", "t": false, "u": null}""")]
    public void Read_PlainObject_FlattensAsTheDocumentPathDoes(string json) =>
        Assert.Equal(Describe(SigmaEvent.FromJson(json)), Describe(Assert.Single(Read(json))));

    [Fact]
    public void Read_GeneratedAndDeepEvents_FlattenAsTheDocumentPathDoes()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"k\": ", 40)) + "1" + new string('}', 40);
        var longName = $"{{\"{new string('n', 300)}\": {{\"{new string('m', 300)}\": 1}}}}";
        var lines = Encoding.UTF8.GetString(SigmaBenchRunner.Generate(300).Span).Split('\n', StringSplitOptions.RemoveEmptyEntries).Append(deep).Append(longName);
        foreach (var line in lines)
        {
            Assert.Equal(Describe(SigmaEvent.FromJson(line)), Describe(Assert.Single(Read(line))));
        }
    }

    private static string Describe(SigmaEvent evt) =>
        string.Join('\n', evt.Fields.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f =>
            $"{f.Key}|{f.Value.Kind}|{f.Value.Text}|{string.Join(",", f.Value.Items?.Select(i => $"{i.Kind}:{i.Text}") ?? [])}")) + $"\n@{evt.Timestamp:O}";
}
