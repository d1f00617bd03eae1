using System.CommandLine;
using System.Text.Json;
using CraftedSignal.Web.Cli;

namespace CraftedSignal.Tests.Sigma.Conversion;

/// <summary>The <c>sigma convert</c> verb end to end through the command line parser.</summary>
public sealed class ConvertCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sigma-convert-").FullName;

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

    private const string Whoami = """
        title: Whoami
        logsource:
            category: process_creation
            product: windows
        detection:
            selection:
                Image|endswith: '\whoami.exe'
            condition: selection
        """;

    private const string FieldRef = """
        title: Same user
        logsource:
            category: process_creation
            product: windows
        detection:
            selection:
                User|fieldref: ParentUser
            condition: selection
        """;

    private static List<JsonElement> Lines(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    [Fact]
    public async Task Convert_Folder_WritesOneJsonLinePerRuleWithRelativePaths()
    {
        Write("rules/windows/whoami.yml", Whoami);
        Write("rules/windows/nested/whoami2.yml", Whoami);
        var (exit, output, _) = await RunAsync("convert", "--target", "splunk", Path.Combine(_folder, "rules"));
        Assert.Equal(0, exit);
        var lines = Lines(output);
        Assert.Equal(["windows/nested/whoami2.yml", "windows/whoami.yml"], lines.Select(l => l.GetProperty("path").GetString()).Order());
        Assert.All(lines, l => Assert.Equal("splunk", l.GetProperty("target").GetString()));
        Assert.Equal("""Image="*\\whoami.exe" """.TrimEnd(), lines[0].GetProperty("queries")[0].GetString());
    }

    [Fact]
    public async Task Convert_ManyFiles_ConvertedInParallel_KeepTheirOrderAndTheirOwnQuery()
    {
        var names = Enumerable.Range(0, 60).Select(i => $"tool{i:00}").ToList();
        foreach (var name in names)
            Write($"rules/{name}.yml", Whoami.Replace("whoami.exe", name + ".exe", StringComparison.Ordinal));

        var (exit, output, _) = await RunAsync("convert", "--target", "splunk", Path.Combine(_folder, "rules"));

        Assert.Equal(0, exit);
        var lines = Lines(output);
        Assert.Equal(names.Select(n => n + ".yml"), lines.Select(l => l.GetProperty("path").GetString()));
        Assert.Equal(names.Select(n => $"Image=\"*\\\\{n}.exe\""), lines.Select(l => l.GetProperty("queries")[0].GetString()));
    }

    [Fact]
    public async Task Convert_LineLayout_IsTheGoldenFilesLayout()
    {
        Write("rules/whoami.yml", Whoami);
        var (_, output, _) = await RunAsync("convert", "--target", "kusto", Path.Combine(_folder, "rules"));
        Assert.Equal("""{"path": "whoami.yml", "target": "kusto", "queries": ["Image endswith \"\\\\whoami.exe\""]}""", output.Trim());
    }

    [Fact]
    public async Task Convert_UnsupportedRule_WritesErrorLineAndExitsOne()
    {
        Write("rules/a_whoami.yml", Whoami);
        Write("rules/b_fieldref.yml", FieldRef);
        var (exit, output, _) = await RunAsync("convert", "--target", "lucene", Path.Combine(_folder, "rules"));
        Assert.Equal(1, exit);
        var lines = Lines(output);
        Assert.True(lines[0].TryGetProperty("queries", out _));
        Assert.Equal("SigmaFeatureNotSupportedByBackendError: ES Lucene backend can't handle field references.", lines[1].GetProperty("error").GetString());
    }

    [Fact]
    public async Task Convert_SymbolicLinkedFolder_IsFollowed()
    {
        Write("real/whoami.yml", Whoami);
        Directory.CreateDirectory(Path.Combine(_folder, "rules"));
        Directory.CreateSymbolicLink(Path.Combine(_folder, "rules", "linked"), Path.Combine(_folder, "real"));
        var (exit, output, _) = await RunAsync("convert", "-t", "eql", Path.Combine(_folder, "rules"));
        Assert.Equal(0, exit);
        Assert.Equal("linked/whoami.yml", Assert.Single(Lines(output)).GetProperty("path").GetString());
    }

    [Fact]
    public async Task Convert_WithPipelineFile_AppliesIt()
    {
        Write("rules/whoami.yml", Whoami);
        var pipeline = Write("pipeline.yml", """
            name: test
            transformations:
              - type: field_name_mapping
                mapping:
                  Image: process.executable
            """);
        var (exit, output, _) = await RunAsync("convert", "--target", "esql", "--pipeline", pipeline, Path.Combine(_folder, "rules"));
        Assert.Equal(0, exit);
        Assert.Contains("ends_with(process.executable, \"\\\\whoami.exe\")", Lines(output)[0].GetProperty("queries")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Convert_WithBuiltinPipelines_ChainsThemByPriority()
    {
        Write("rules/whoami.yml", Whoami);
        var (exit, output, _) = await RunAsync("convert", "--target", "splunk", "--pipeline", "splunk-windows", "--pipeline", "sysmon", Path.Combine(_folder, "rules"));
        Assert.Equal(0, exit);
        Assert.Equal("""source="WinEventLog:Microsoft-Windows-Sysmon/Operational" EventID=1 Image="*\\whoami.exe" """.TrimEnd(),
            Lines(output)[0].GetProperty("queries")[0].GetString());
    }

    [Theory]
    [InlineData("--target", "sql")]
    [InlineData("--pipeline", "no-such-pipeline.yml")]
    public async Task Convert_BadOption_IsAUsageError(string option, string value)
    {
        Write("rules/whoami.yml", Whoami);
        var args = option == "--target"
            ? new[] { "convert", option, value, Path.Combine(_folder, "rules") }
            : ["convert", "--target", "splunk", option, value, Path.Combine(_folder, "rules")];
        var (exit, output, error) = await RunAsync(args);
        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, output);
        Assert.NotEqual(string.Empty, error);
    }

    [Fact]
    public async Task Convert_MissingPath_IsAUsageError()
    {
        var (exit, _, error) = await RunAsync("convert", "--target", "splunk", Path.Combine(_folder, "nothing"));
        Assert.Equal(2, exit);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Convert_CorrelationInAnotherFile_FindsItsRule()
    {
        Write("rules/a_whoami.yml", Whoami.Replace("title: Whoami", "title: Whoami\nname: whoami_exec", StringComparison.Ordinal));
        Write("rules/b_many.yml", """
            title: Many whoami
            correlation:
                type: event_count
                rules: [whoami_exec]
                group-by: [Computer]
                timespan: 1h
                condition:
                    gt: 3
            """);
        var (exit, output, _) = await RunAsync("convert", "--target", "splunk", Path.Combine(_folder, "rules"));
        Assert.Equal(0, exit);
        Assert.Equal("""
            Image="*\\whoami.exe"

            | bin _time span=1h
            | stats count as event_count by _time Computer

            | search event_count > 3
            """, Lines(output)[1].GetProperty("queries")[0].GetString());
    }

    [Fact]
    public async Task BenchConvert_SmallFolder_ReportsEveryTarget()
    {
        Write("rules/whoami.yml", Whoami);
        var (exit, output, _) = await RunAsync("bench-convert", "--rules", Path.Combine(_folder, "rules"), "--repeat", "1");
        Assert.Equal(0, exit);
        Assert.All(["splunk", "kusto", "lucene", "esql", "eql"], t => Assert.Contains(t + " ", output, StringComparison.Ordinal));
    }
}
