using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Events;
using CraftedSignal.Domain.Sigma.Parsing;
using CraftedSignal.Web.Cli;

namespace CraftedSignal.Tests.Sigma.Evaluation;

/// <summary>The prefilter only skips rules that cannot match: with and without it, every event matches the same rules.</summary>
public class PrefilterTests
{
    private static readonly Lazy<IReadOnlyList<SigmaFile>> Corpus = new(() =>
        [.. SigmaSources.Find([SigmaData.Rules], _ => { }).Select(s => SigmaParser.ParseFile(s.FullPath, s.DisplayPath))]);

    [Fact]
    public void Prefilter_CorpusOverGeneratedAndRegressionEvents_MatchesTheSameRules()
    {
        var events = EventReader.Read(SigmaBenchRunner.Generate(2_000)).ToList();
        foreach (var json in Directory.EnumerateFiles(SigmaData.Regression, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            foreach (var evt in EventReader.ReadFile(json))
            {
                events.Add(evt);
                events.Add(Rewrite(evt, text => text.ToUpperInvariant()));
                events.Add(Rewrite(evt, text => text.Replace('i', 'ı')));
            }
        }

        var matches = AssertSameMatches(Corpus.Value, events);

        Assert.True(matches > 2_000, $"only {matches} matches: the comparison would prove little");
    }

    [Theory]
    [InlineData("CommandLine|contains: 'mimikatz'", """{"CommandLine": "C:\\Tools\\MIMIKATZ.exe"}""")]
    [InlineData("Image|endswith: '\\rar.exe'", """{"Image": "C:\\RAR.EXE"}""")]
    [InlineData("Image|endswith: '\\rar.exe'", """{"Image": ["C:\\a.exe", "C:\\Rar.exe"]}""")]
    [InlineData("Image|startswith: 'C:\\Windows\\'", """{"Image": "c:\\windows\\x.exe"}""")]
    [InlineData("Image: 'C:\\*\\Temp\\*.exe'", """{"Image": "C:\\Users\\TEMP\\x.exe"}""")]
    [InlineData("CommandLine|contains: '😀'", """{"CommandLine": "echo 😀"}""")]
    [InlineData("CommandLine|contains: 'ſ'", """{"CommandLine": "S"}""")]
    [InlineData("CommandLine|endswith: 'k.exe'", """{"CommandLine": "\u212A.EXE"}""")]
    [InlineData("CommandLine|contains: 'i'", """{"CommandLine": "ı İ"}""")]
    [InlineData("CommandLine|contains|cased: 'Invoke'", """{"CommandLine": "invoke Invoke"}""")]
    [InlineData("CommandLine|contains|all: ['-enc', 'hidden']", """{"CommandLine": "-EncodedCommand -w HIDDEN"}""")]
    [InlineData("selection: {Image|endswith: '\\a.exe'}\nfilter: {CommandLine|contains: 'x'}\ncondition: selection and not filter", """{"Image": "\\A.exe"}""")]
    [InlineData("keywords: ['mimikatz', 'sekurlsa*logon']\ncondition: keywords", """{"Payload": "SEKURLSA::LogonPasswords"}""")]
    [InlineData("keywords: ['a\nb']\ncondition: keywords", """{"x": "a", "y": "b"}""")]
    [InlineData("EventID: 4688", """{"EventID": "4688.0"}""")]
    [InlineData("EventID: 16", """{"EventID": "0x10"}""")]
    [InlineData("EventID: 16", """{"EventID": "1.6e1"}""")]
    [InlineData("EventID: 16", """{"EventID": " +016 "}""")]
    [InlineData("EventID: 16", """{"EventID": "15.99999999999999999"}""")]
    [InlineData("EventID: 16", """{"EventID": 16.0}""")]
    [InlineData("EventID: 0x10", """{"EventID": "0x10"}""")]
    [InlineData("Flag: true", """{"Flag": "TRUE"}""")]
    [InlineData("CommandLine|re: 'ab+c\\.exe'", """{"CommandLine": "ABBBC.EXE"}""")]
    [InlineData("CommandLine|re: 'x(yz)?w'", """{"CommandLine": "xw"}""")]
    [InlineData("CommandLine|re: '(?i)mimi[k]atz'", """{"CommandLine": "MIMI\u212AATZ"}""")]
    [InlineData("keywords: ['Mimikatz', 'sekurlsa']\ncondition: keywords", """{"a": ["x", "use SEKURLSA now"]}""")]
    [InlineData("User|neq: 'bob'", """{"User": "alice"}""")]
    [InlineData("User|exists: true", """{"User": null}""")]
    [InlineData("User|exists: false", """{"Image": "x"}""")]
    [InlineData("User: null", """{"Image": "x"}""")]
    [InlineData("User|re: '^b.b$'", """{"user": "bob"}""")]
    [InlineData("Size|gt: 10", """{"Size": 11}""")]
    public void Prefilter_EdgeCases_MatchAsFullEvaluationDoes(string detection, string eventJson)
    {
        if (!detection.Contains("condition:", StringComparison.Ordinal))
        {
            detection = $"selection:\n    {detection}\ncondition: selection";
        }

        var file = SigmaParser.Parse(SigmaTestRules.Rule(detection), "rule.yml");
        Assert.False(file.HasErrors, string.Join('\n', file.Diagnostics));
        var evt = SigmaEvent.FromJson(eventJson);

        var full = SigmaEngine.Create([file], new SigmaEngineOptions { Prefilter = false }).Match(evt).Count;
        var filtered = SigmaEngine.Create([file]).Match(evt).Count;

        Assert.Equal(full, filtered);
    }

    [Fact]
    public void Prefilter_ValueSharedAcrossFieldsAndEngines_IsJudgedForEachFieldAndEngine()
    {
        // One reader hands out one value object for a repeated text, and the prefilter remembers what a value
        // satisfies: the memory must be per field and per engine, never carried over to another.
        var files = new[]
        {
            SigmaParser.Parse(SigmaTestRules.Rule("selection:\n    Image|endswith: '\\evil.exe'\ncondition: selection"), "image.yml"),
            SigmaParser.Parse(SigmaTestRules.Rule("selection:\n    ParentImage|endswith: '\\evil.exe'\ncondition: selection"), "parent.yml"),
            SigmaParser.Parse(SigmaTestRules.Rule("keywords:\n    - 'evil.exe'\ncondition: keywords"), "keyword.yml"),
        };
        var events = EventReader.Read(System.Text.Encoding.UTF8.GetBytes("""
            {"Image": "C:\\x\\evil.exe", "ParentImage": "C:\\x\\good.exe"}
            {"Image": "C:\\x\\good.exe", "ParentImage": "C:\\x\\evil.exe"}
            {"Other": "C:\\x\\evil.exe"}
            {"Image": "C:\\x\\evil.exe", "ParentImage": "C:\\x\\evil.exe"}
            """)).ToList();
        Assert.Same(events[0].Find("Image"), events[1].Find("ParentImage"));

        var engine = SigmaEngine.Create(files);
        var fork = engine.Fork();
        string Names(SigmaEngine e, SigmaEvent evt) => string.Join(",", e.Match(evt).Select(r => r.Path));
        string[] expected = ["image.yml,keyword.yml", "parent.yml,keyword.yml", "keyword.yml", "image.yml,parent.yml,keyword.yml"];

        Assert.Equal(expected, events.Select(e => Names(engine, e)));
        Assert.Equal(expected, events.Select(e => Names(fork, e)));
        Assert.Equal(expected, events.Select(e => Names(engine, e)));
        Assert.Equal(8, AssertSameMatches(files, events));
    }

    private static int AssertSameMatches(IReadOnlyList<SigmaFile> files, IReadOnlyList<SigmaEvent> events)
    {
        var full = SigmaEngine.Create(files, new SigmaEngineOptions { Prefilter = false });
        var filtered = SigmaEngine.Create(files);
        var total = 0;
        foreach (var evt in events)
        {
            var expected = full.Match(evt).Select(r => r.Index).ToList();
            var actual = filtered.Match(evt).Select(r => r.Index).ToList();
            Assert.True(expected.SequenceEqual(actual),
                $"event {string.Join(", ", evt.Fields.Select(f => $"{f.Key}={f.Value.Text}"))}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", actual)}]");
            total += expected.Count;
        }

        return total;
    }

    private static SigmaEvent Rewrite(SigmaEvent evt, Func<string, string> change)
    {
        var fields = new Dictionary<string, EventValue>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in evt.Fields)
        {
            fields[name] = value.Kind switch
            {
                EventValueKind.String => EventValue.FromString(change(value.Text)),
                EventValueKind.Array => new EventValue(EventValueKind.Array, change(value.Text),
                    [.. value.Items!.Select(i => i.Kind == EventValueKind.String ? EventValue.FromString(change(i.Text)) : i)]),
                _ => value,
            };
        }

        return new SigmaEvent(fields, evt.Timestamp);
    }
}
