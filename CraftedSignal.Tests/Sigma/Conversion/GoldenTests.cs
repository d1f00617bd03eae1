using System.Text.Json;
using CraftedSignal.Domain.Sigma.Conversion;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Tests.Sigma.Conversion;

/// <summary>Converts the 785 golden rules per target and compares with pySigma 1.5's output string for string.</summary>
public sealed class GoldenTests
{
    public static TheoryData<string> Targets => [.. SigmaConverter.Targets];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Convert_GoldenRules_MatchesPySigmaForAtLeast99Percent(string target)
    {
        var cases = GoldenCase.Load(target);
        var backend = SigmaConverter.CreateBackend(target)!;
        var mismatches = new List<string>();
        foreach (var golden in cases)
        {
            var result = SigmaConverter.Convert(SigmaParser.ParseFile(Path.Combine(SigmaData.Root, golden.Path), golden.Path), backend);
            var actual = result.Succeeded ? JsonSerializer.Serialize(result.Queries) : "error: " + result.Error!.Message;
            if (actual != golden.Expected)
            {
                mismatches.Add($"{golden.Path}\n  expected {golden.Expected}\n  actual   {actual}");
            }
        }

        Assert.Equal(785, cases.Count);
        var identical = cases.Count - mismatches.Count;
        Assert.True(identical >= cases.Count * 0.99,
            $"{target}: {identical}/{cases.Count} identical.\n" + string.Join('\n', mismatches.Take(20)));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Convert_GoldenRules_QueriesAreBalancedAndQuoted(string target)
    {
        var backend = SigmaConverter.CreateBackend(target)!;
        var broken = new List<string>();
        foreach (var golden in GoldenCase.Load(target))
        {
            var result = SigmaConverter.Convert(SigmaParser.ParseFile(Path.Combine(SigmaData.Root, golden.Path), golden.Path), backend);
            broken.AddRange(result.Queries.Where(q => !QueryShape.IsBalanced(q, target)).Select(q => $"{golden.Path}: {q}"));
        }

        Assert.True(broken.Count == 0, $"{broken.Count} unbalanced {target} queries:\n" + string.Join('\n', broken.Take(20)));
    }
}

internal sealed record GoldenCase(string Path, string Expected)
{
    public static List<GoldenCase> Load(string target) =>
        [.. File.ReadLines(System.IO.Path.Combine(SigmaData.Root, "golden", target + ".jsonl")).Select(line =>
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var expected = root.TryGetProperty("queries", out var queries)
                ? JsonSerializer.Serialize(queries.EnumerateArray().Select(q => q.GetString()).ToList())
                : "error: " + root.GetProperty("error").GetString();
            return new GoldenCase(root.GetProperty("path").GetString()!, expected);
        })];
}
