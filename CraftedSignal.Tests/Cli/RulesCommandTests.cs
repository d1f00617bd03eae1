using System.Globalization;
using System.Text.RegularExpressions;
using CraftedSignal.Tests.Sigma;
using CraftedSignal.Web.Cli;

namespace CraftedSignal.Tests.Cli;

public sealed partial class RulesCommandTests
{
    [Fact]
    public async Task Bench_SmallLibrary_ReportsEverySectionWithSaneFigures()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var exit = await CliVerbs.RunAsync(["rules", "bench", "--rules", "300", "--runs", "3", "--corpus", SigmaData.Rules], output, error);

        var text = output.ToString();
        Assert.True(exit == 0, error.ToString());
        Assert.Contains("files: 300, imported: 300, rejected: 0", text, StringComparison.Ordinal);
        Assert.Contains("## Queries (RuleLibraryService.ListAsync at 300 rules", text, StringComparison.Ordinal);
        Assert.Contains("## Render", text, StringComparison.Ordinal);
        Assert.Contains("0 errors", text, StringComparison.Ordinal);
        Assert.Matches(@"rules/s: [1-9]\d*", text);

        var rows = TableRow().Matches(text).ToDictionary(m => m.Groups["name"].Value.Trim(), m => m.Groups["figures"].Value);
        Assert.Equal(["25", "300"], Figures(rows["first page, updated desc"])[..2]);
        Assert.All(new[] { "first page, title asc", "technique T1059", "search \"powershell\"", "RuleAnalyzer.Analyze", "RuleConversions.ConvertAll (5/5 targets)" },
            name => Assert.All(Figures(rows[name])[^2..], ms => Assert.InRange(double.Parse(ms, CultureInfo.InvariantCulture), 0.001, 60_000)));
        Assert.Contains(rows.Keys, k => k == "25" || k == "100");
    }

    [Fact]
    public async Task Bench_MissingCorpus_IsAUsageError()
    {
        var error = new StringWriter();

        var exit = await CliVerbs.RunAsync(["rules", "bench", "--corpus", Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"))], new StringWriter(), error);

        Assert.Equal(2, exit);
        Assert.Contains("does not exist", error.ToString(), StringComparison.Ordinal);
    }

    private static string[] Figures(string cells) => cells.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    [GeneratedRegex(@"^\| (?<name>[^|]+?) +\|(?<figures>( +[\d.]+ +\|)+)\r?$", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
