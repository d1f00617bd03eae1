using System.Diagnostics;
using System.Globalization;
using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Conversion;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Web.Cli;

/// <summary>
/// The <c>sigma bench-convert</c> verb: parses a rule corpus once, then converts every rule to each target several
/// times on one thread and reports the best time per target (what an editor re-converting live pays).
/// </summary>
internal static class SigmaConvertBenchRunner
{
    public static int Run(IReadOnlyList<string> rulePaths, IReadOnlyList<string> targets, int repetitions, TextWriter output, TextWriter error)
    {
        if (rulePaths.Count == 0 || repetitions <= 0)
        {
            error.WriteLine("sigma bench-convert: --rules must name a folder and --repeat must be positive.");
            return SigmaConvertRunner.Usage;
        }

        var unknown = targets.FirstOrDefault(t => SigmaConverter.CreateBackend(t) is null);
        if (unknown is not null)
        {
            error.WriteLine($"sigma bench-convert: unknown target '{unknown}'. Use one of: {string.Join(", ", SigmaConverter.Targets)}.");
            return SigmaConvertRunner.Usage;
        }

        var missing = false;
        var sources = SigmaSources.Find(rulePaths, path =>
        {
            error.WriteLine($"sigma bench-convert: rules path '{path}' does not exist.");
            missing = true;
        });
        if (missing)
        {
            return SigmaConvertRunner.Usage;
        }

        var clock = Stopwatch.StartNew();
        var files = sources.Select(s => SigmaParser.ParseFile(s.FullPath, s.DisplayPath)).ToList();
        var coldParse = clock.Elapsed.TotalSeconds;
        var warmParse = double.MaxValue;
        for (var run = 0; run < repetitions; run++)
        {
            clock.Restart();
            files = [.. sources.Select(s => SigmaParser.ParseFile(s.FullPath, s.DisplayPath))];
            warmParse = Math.Min(warmParse, clock.Elapsed.TotalSeconds);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"files:              {files.Count}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"read + parse:       {coldParse:F3} s first (cold), {warmParse:F3} s best of {repetitions} (warm); shared by all targets"));
        foreach (var target in targets.Count > 0 ? targets : SigmaConverter.Targets)
        {
            var backend = SigmaConverter.CreateBackend(target)!;
            var best = double.MaxValue;
            var converted = 0;
            for (var run = 0; run < repetitions; run++)
            {
                clock.Restart();
                converted = files.Count(f => SigmaConverter.Convert(f, backend).Succeeded);
                best = Math.Min(best, clock.Elapsed.TotalSeconds);
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{target,-8} convert:   {best:F3} s best of {repetitions} ({converted} of {files.Count} files converted, {files.Count / best:F0} files/s)"));
        }

        return SigmaConvertRunner.Ok;
    }
}
