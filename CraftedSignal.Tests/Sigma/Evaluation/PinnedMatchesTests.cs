using System.CommandLine;
using System.IO.Compression;
using CraftedSignal.Web.Cli;

namespace CraftedSignal.Tests.Sigma.Evaluation;

/// <summary>
/// Pins what <c>sigma match</c> prints for the whole corpus over a fixed sample of realistic events (4,000 events from
/// <c>shared/tools/gen_events.py</c> over the regression recordings, committed gzipped): speed work must not change a
/// single line. The expected output was printed by the engine before the speed work (commit f96b36d).
/// </summary>
public sealed class PinnedMatchesTests : IDisposable
{
    private const string SampleName = "realistic-events-4000.jsonl.gz";
    private const string ExpectedName = "realistic-events-4000.matches.txt";

    private readonly string _folder = Directory.CreateTempSubdirectory("sigma-pinned-").FullName;

    public void Dispose() => Directory.Delete(_folder, true);

    [Fact]
    public async Task Match_RealisticSample_PrintsExactlyThePinnedMatches()
    {
        var (exit, output) = await MatchSampleAsync();

        Assert.Equal(0, exit);
        AssertSameLines(File.ReadAllLines(TestDataFile(ExpectedName)), Lines(output));
    }

    [Fact]
    public async Task Match_RealisticSampleOnTwoThreads_PrintsThePinnedMatchesInTheSameOrder()
    {
        var (exit, output) = await MatchSampleAsync("--threads", "2");

        Assert.Equal(0, exit);
        AssertSameLines(File.ReadAllLines(TestDataFile(ExpectedName)), Lines(output));
    }

    private async Task<(int Exit, string Output)> MatchSampleAsync(params string[] extra)
    {
        var events = Path.Combine(_folder, "events.jsonl");
        await using (var source = new GZipStream(File.OpenRead(TestDataFile(SampleName)), CompressionMode.Decompress))
        await using (var target = File.Create(events))
        {
            await source.CopyToAsync(target);
        }

        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await SigmaCommand.Create().Parse(["match", "--rules", SigmaData.Rules, "--events", events, .. extra])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static void AssertSameLines(string[] expected, string[] actual)
    {
        var missing = expected.Except(actual).Take(5).ToList();
        var extra = actual.Except(expected).Take(5).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"Matches changed. Missing: {string.Join(" | ", missing)}. Extra: {string.Join(" | ", extra)}.");
        Assert.Equal(expected, actual);
    }

    /// <summary>A file of CraftedSignal.Tests/Sigma/Data, found in the source tree above the test binaries.</summary>
    internal static string TestDataFile(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "CraftedSignal.Tests", "Sigma", "Data", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"CraftedSignal.Tests/Sigma/Data/{name} was not found above {AppContext.BaseDirectory}.");
    }
}
