using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Correlation;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Events;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Web.Cli;

/// <summary>
/// The <c>sigma match</c> verb: one JSON line per match on <c>output</c>
/// (<c>{"rule_id": ..., "path": ..., "event": N}</c>, N counted across event files), a summary on <c>error</c>.
/// Exit 0 on success, 1 when an event file could not be read completely (the events that could be read are still
/// matched), 2 for usage errors. With <c>--threads N</c> events are parsed and matched on N threads; the output is the
/// same, line for line.
/// </summary>
internal static class SigmaMatchRunner
{
    public static int Run(IReadOnlyList<string> rulePaths, IReadOnlyList<string> eventFiles, string? logSourceMapFile, TextWriter output, TextWriter error,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? placeholders = null, int threads = 1)
    {
        if (rulePaths.Count == 0 || eventFiles.Count == 0)
        {
            error.WriteLine("sigma match: give --rules PATH... and --events FILE...");
            return 2;
        }

        if (threads < 1)
        {
            error.WriteLine("sigma match: --threads must be at least 1.");
            return 2;
        }

        var usage = false;
        var sources = SigmaSources.Find(rulePaths, path =>
        {
            error.WriteLine($"sigma match: rules path '{path}' does not exist.");
            usage = true;
        });
        foreach (var file in eventFiles.Where(f => !File.Exists(f)))
        {
            error.WriteLine($"sigma match: event file '{file}' does not exist.");
            usage = true;
        }

        var map = LogSourceMap.BuiltIn;
        if (logSourceMapFile is not null)
        {
            if (!File.Exists(logSourceMapFile))
            {
                error.WriteLine($"sigma match: log-source map '{logSourceMapFile}' does not exist.");
                return 2;
            }

            var (parsed, diagnostics) = LogSourceMap.Parse(File.ReadAllText(logSourceMapFile));
            foreach (var diagnostic in diagnostics)
            {
                error.WriteLine(diagnostic.Format(logSourceMapFile));
            }

            if (parsed is null)
            {
                return 2;
            }

            map = parsed;
        }

        if (usage)
        {
            return 2;
        }

        var files = SigmaSources.ParseAll(sources);
        foreach (var diagnostic in files.SelectMany(f => f.Diagnostics.Where(d => d.IsError)))
        {
            error.WriteLine(diagnostic.Format(diagnostic.Path ?? string.Empty));
        }

        var engine = SigmaEngine.Create(files, new SigmaEngineOptions { LogSourceMap = map, Placeholders = placeholders ?? new Dictionary<string, IReadOnlyList<string>>() });
        foreach (var diagnostic in engine.Diagnostics.Where(d => d.IsError))
        {
            error.WriteLine($"{diagnostic.Format(diagnostic.Path ?? string.Empty)} (rule skipped)");
        }

        var correlations = new CorrelationEngine(engine.Correlations);
        var suppressed = correlations.SuppressedRules();
        var correlationPaths = files.SelectMany(f => f.Correlations.Select(c => (c, f.Path))).ToDictionary(x => x.c, x => x.Path);
        var stopwatch = Stopwatch.StartNew();
        var index = 0;
        var matchCount = 0;
        var exit = 0;
        var matcher = new ParallelMatcher(engine, threads);
        var lines = new MatchLines(output);
        foreach (var eventFile in eventFiles)
        {
            if (new FileInfo(eventFile).Length > EventReader.MaxFileBytes)
            {
                error.WriteLine($"{eventFile}: The event file is larger than {EventReader.MaxFileBytes:N0} bytes. Split it into smaller files.");
                exit = 1;
                continue;
            }

            using var stream = new FileStream(eventFile, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            foreach (var outcome in matcher.Match(stream))
            {
                if (outcome.Error is { } readError)
                {
                    error.WriteLine($"{eventFile}: {readError.Message}");
                    exit = 1;
                    continue;
                }

                foreach (var rule in outcome.Matches)
                {
                    if (!suppressed.Contains(rule.Id) && (rule.Rule.Name is null || !suppressed.Contains(rule.Rule.Name)))
                    {
                        lines.Write(rule.Id, rule.Path, index);
                        matchCount++;
                    }
                }

                if (engine.Correlations.Count > 0 && outcome.Event is { } evt)
                {
                    foreach (var fired in correlations.Observe(index, evt, outcome.Matches))
                    {
                        lines.Write(fired.Rule.Id ?? fired.Rule.Name ?? fired.Rule.Title, correlationPaths.GetValueOrDefault(fired.Rule, string.Empty), index);
                        matchCount++;
                    }
                }

                index++;
            }
        }

        lines.Flush();
        var seconds = stopwatch.Elapsed.TotalSeconds;
        error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"events={index} rules={engine.Rules.Count} matches={matchCount} seconds={seconds:F3} events_per_second={(seconds > 0 ? index / seconds : 0):F0}"));
        return exit;
    }

    /// <summary>Match lines, written in blocks: a console write per match would cost more than the matching.</summary>
    private sealed class MatchLines(TextWriter output)
    {
        private readonly StringBuilder _buffer = new();
        private readonly Dictionary<(string, string), string> _prefixes = [];

        public void Write(string ruleId, string path, int eventIndex)
        {
            if (!_prefixes.TryGetValue((ruleId, path), out var prefix))
            {
                prefix = $"{{\"rule_id\": {JsonSerializer.Serialize(ruleId)}, \"path\": {JsonSerializer.Serialize(path)}, \"event\": ";
                _prefixes[(ruleId, path)] = prefix;
            }

            _buffer.Append(prefix).Append(eventIndex.ToString(CultureInfo.InvariantCulture)).Append('}').Append(output.NewLine);
            if (_buffer.Length > 1 << 16)
            {
                Flush();
            }
        }

        public void Flush()
        {
            output.Write(_buffer);
            _buffer.Clear();
        }
    }
}
