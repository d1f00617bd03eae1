using System.CommandLine;
using System.Text.Json;
using CraftedSignal.Tests.Sigma;
using CraftedSignal.Web.Cli;

namespace CraftedSignal.Tests.Cli;

public sealed class SigmaCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sigma-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, true);

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await SigmaCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private const string ValidRule = """
        title: Whoami Execution
        id: 929a690e-bef0-4204-a928-ef5e620d6fcc
        status: test
        description: Detects whoami
        author: Test
        date: 2024-01-01
        level: high
        logsource:
            category: process_creation
            product: windows
        detection:
            selection:
                Image|endswith: '\whoami.exe'
            condition: selection
        """;

    [Fact]
    public async Task Validate_ValidRule_ExitsZeroWithoutOutput()
    {
        Write("rules/proc_creation_win_whoami.yml", ValidRule);
        var (exit, output, _) = await RunAsync("validate", Path.Combine(_folder, "rules"));
        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, output);
    }

    [Fact]
    public async Task Validate_UnknownModifier_PrintsPositionAndExitsOne()
    {
        Write("rules/proc_creation_win_whoami.yml", ValidRule.Replace("|endswith", "|endwith", StringComparison.Ordinal));
        var (exit, output, _) = await RunAsync("validate", Path.Combine(_folder, "rules"));
        Assert.Equal(1, exit);
        Assert.Contains("proc_creation_win_whoami.yml:13:15: error SIG2001: Unknown modifier 'endwith'. Did you mean 'endswith'?", output);
    }

    [Fact]
    public async Task Validate_MissingPath_IsUsageError()
    {
        var (exit, _, error) = await RunAsync("validate", Path.Combine(_folder, "nope"));
        Assert.Equal(2, exit);
        Assert.Contains("does not exist", error);
    }

    [Fact]
    public async Task Validate_NoArguments_IsUsageError()
    {
        var (exit, _, _) = await RunAsync("validate");
        Assert.Equal(2, exit);
    }

    [Fact]
    public async Task Match_PrintsOneJsonLinePerMatch_WithIndexAcrossFiles()
    {
        Write("rules/windows/proc_creation_win_whoami.yml", ValidRule);
        var first = Write("a.jsonl", """
            {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "C:\\Windows\\System32\\whoami.exe"}
            {"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "C:\\Windows\\System32\\cmd.exe"}
            """);
        var second = Write("b.json", """[{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "C:\\X\\WHOAMI.EXE"}]""");
        var (exit, output, error) = await RunAsync("match", "--rules", Path.Combine(_folder, "rules"), "--events", first, second);

        Assert.Equal(0, exit);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var doc = JsonDocument.Parse(lines[1]);
        Assert.Equal("929a690e-bef0-4204-a928-ef5e620d6fcc", doc.RootElement.GetProperty("rule_id").GetString());
        Assert.Equal("windows/proc_creation_win_whoami.yml", doc.RootElement.GetProperty("path").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("event").GetInt32());
        Assert.Contains("events=3", error);
        Assert.Contains("matches=2", error);
        Assert.Contains("events_per_second=", error);
    }

    [Fact]
    public async Task Match_LogSourceMap_RoutesEventsByChannel()
    {
        Write("rules/proc_creation_win_whoami.yml", ValidRule);
        var map = Write("map.yml", """
            builtin: false
            mappings:
              - logsource: {product: windows, category: process_creation}
                Channel: [Custom/Process]
            """);
        var events = Write("e.jsonl", """
            {"Channel": "Custom/Process", "Image": "C:\\whoami.exe"}
            {"Channel": "Other", "Image": "C:\\whoami.exe"}
            """);
        var (exit, output, _) = await RunAsync("match", "--rules", Path.Combine(_folder, "rules"), "--events", events, "--logsource-map", map);
        Assert.Equal(0, exit);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("\"event\": 0", output);
    }

    [Fact]
    public async Task Match_WithoutEvents_IsUsageError()
    {
        var (exit, _, _) = await RunAsync("match", "--rules", _folder);
        Assert.Equal(2, exit);
    }

    [Fact]
    public async Task Sigma_WithoutVerb_IsUsageError()
    {
        var (exit, _, error) = await RunAsync();
        Assert.Equal(2, exit);
        Assert.Contains("choose a verb", error);
    }

    [Fact]
    public async Task Bench_SmallRun_ReportsAllFigures()
    {
        var (exit, output, _) = await RunAsync("bench", "--rules", Path.Combine(SigmaData.Rules, "windows", "process_creation"), "--events", "2000");
        Assert.Equal(0, exit);
        Assert.Contains("events:             2000", output);
        Assert.Contains("parse only:", output);
        Assert.Contains("parse/match ratio:", output);
        Assert.Contains("peak working set:", output);
    }

    [Fact]
    public async Task Bench_EventsFile_ReportsPhasesAndTheMostExpensiveRules()
    {
        var events = Write("events.jsonl", string.Join('\n', Enumerable.Range(0, 50).Select(i =>
            $"{{\"EventID\": 1, \"Channel\": \"Microsoft-Windows-Sysmon/Operational\", \"Image\": \"C:\\\\Windows\\\\System32\\\\whoami{i % 2}.exe\"}}")));
        Write("rules/proc_creation_win_whoami.yml", ValidRule.Replace("'\\whoami.exe'", "'\\whoami1.exe'", StringComparison.Ordinal));

        var (exit, output, _) = await RunAsync("bench", "--rules", Path.Combine(_folder, "rules"), "--events-file", events, "--rounds", "1", "--top", "3");

        Assert.Equal(0, exit);
        Assert.Contains($"events:             50 ({events})", output);
        Assert.Contains("matches:            25", output);
        Assert.Matches(@"phases \(profiled\):  read\+parse [0-9.]+ s .*prefilter .*evaluation .*correlation", output);
        Assert.Matches(@"top 1 rules by evaluation time.*\n +[0-9.]+%.* 25 evaluations  proc_creation_win_whoami\.yml \(929a690e", output);
    }

    [Fact]
    public async Task Match_BadLines_AreReportedByLineAndTheOtherEventsStillMatch()
    {
        Write("rules/proc_creation_win_whoami.yml", ValidRule);
        const string Good = """{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "C:\\Windows\\whoami.exe"}""";
        var events = Write("events.jsonl", $"{Good}\nnot json at all\n{Good}\n{{\"deep\": {string.Concat(Enumerable.Repeat("[", 1000))}\n{Good}\n");

        var (exit, output, error) = await RunAsync("match", "--rules", Path.Combine(_folder, "rules"), "--events", events);

        Assert.Equal(1, exit);
        Assert.Equal([0, 1, 2], output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetInt32()));
        Assert.Contains($"{events}: line 2: not valid JSON", error);
        Assert.Contains($"{events}: line 4: not valid JSON", error);
    }

    [Fact]
    public async Task Match_ZeroThreads_IsUsageError()
    {
        Write("rules/proc_creation_win_whoami.yml", ValidRule);
        var events = Write("events.jsonl", "{}");

        var (exit, _, error) = await RunAsync("match", "--rules", Path.Combine(_folder, "rules"), "--events", events, "--threads", "0");

        Assert.Equal(2, exit);
        Assert.Contains("--threads must be at least 1", error);
    }
}
