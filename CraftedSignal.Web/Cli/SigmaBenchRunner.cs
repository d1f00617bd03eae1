using System.Diagnostics;
using System.Globalization;
using System.Text;
using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Correlation;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Events;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Web.Cli;

/// <summary>Figures of one benchmark run.</summary>
internal sealed record SigmaBenchResult(
    int Rules,
    int Events,
    int Matches,
    double LoadSeconds,
    double CompileSeconds,
    double CompileCpuSeconds,
    double ParseOnlyEventsPerSecond,
    double MatchEventsPerSecond,
    double FirstPassMatchEventsPerSecond,
    double MatchEventsPerCpuSecond,
    int Rounds,
    double RulesEvaluatedPerEvent,
    long PeakWorkingSetBytes,
    SigmaBenchPhases Phases,
    IReadOnlyList<SigmaBenchRule> TopRules)
{
    /// <summary>How much slower matching is than parsing the events alone (best rounds).</summary>
    public double Ratio => MatchEventsPerSecond > 0 ? ParseOnlyEventsPerSecond / MatchEventsPerSecond : 0;
}

/// <summary>Seconds per phase of one profiled pass (per-rule clock readings included, so slower than the timed rounds).</summary>
internal sealed record SigmaBenchPhases(double ParseSeconds, double PrefilterSeconds, double EvaluationSeconds, double CorrelationSeconds)
{
    public double Total => ParseSeconds + PrefilterSeconds + EvaluationSeconds + CorrelationSeconds;
}

/// <summary>One rule's evaluation time in the profiled pass.</summary>
internal sealed record SigmaBenchRule(string Path, string Id, long Evaluations, double Seconds, double ShareOfEvaluation);

/// <summary>
/// The <c>sigma bench</c> verb: runs a rule corpus over events, single-threaded, and reports compile time, parse-only
/// and matching throughput, memory, the time per phase and the most expensive rules. The events are a JSON Lines file
/// (<c>--events-file</c>) or, by default, deterministically generated Sysmon-shaped events (most of them matching nothing).
/// Throughput is measured over several rounds and the best one reported, as the JIT only optimizes the hot code (tiered
/// compilation) during the first round; the first round's matching rate is reported too. Phases and rules come from one
/// more, profiled, pass: the timed rounds run the normal match path, without per-rule clock readings.
/// </summary>
internal static class SigmaBenchRunner
{
    public static int Run(IReadOnlyList<string> rulePaths, int eventCount, TextWriter output, TextWriter error, int rounds = 5, string? eventsFile = null, int top = 10)
    {
        if (eventCount <= 0 || rounds <= 0 || top < 0 || rulePaths.Count == 0)
        {
            error.WriteLine("sigma bench: --events and --rounds must be positive, --top not negative, and --rules must name a folder.");
            return 2;
        }

        if (eventsFile is not null && !File.Exists(eventsFile))
        {
            error.WriteLine($"sigma bench: event file '{eventsFile}' does not exist.");
            return 2;
        }

        var missing = false;
        var sources = SigmaSources.Find(rulePaths, path =>
        {
            error.WriteLine($"sigma bench: rules path '{path}' does not exist.");
            missing = true;
        });
        if (missing)
        {
            return 2;
        }

        var events = eventsFile is null ? Generate(eventCount) : File.ReadAllBytes(eventsFile);
        var result = Measure(sources, events, rounds, top);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rules:              {result.Rules}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"events:             {result.Events} ({(eventsFile is null ? "generated" : eventsFile)})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"matches:            {result.Matches}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load (read+parse):  {result.LoadSeconds:F3} s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"compile:            {result.CompileSeconds:F3} s ({result.CompileCpuSeconds:F3} s CPU)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"parse only:         {result.ParseOnlyEventsPerSecond:F0} events/s (best of {result.Rounds})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"parse + match:      {result.MatchEventsPerSecond:F0} events/s (best of {result.Rounds})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first round:        {result.FirstPassMatchEventsPerSecond:F0} events/s (parse + match, while the JIT warms up)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"per CPU second:     {result.MatchEventsPerCpuSecond:F0} events (parse + match, best round; all threads)"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"parse/match ratio:  {result.Ratio:F2}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rules evaluated:    {result.RulesEvaluatedPerEvent:F1} per event"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak working set:   {result.PeakWorkingSetBytes / (1024.0 * 1024.0):F0} MB"));
        var phases = result.Phases;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"phases (profiled):  read+parse {phases.ParseSeconds:F3} s ({Share(phases.ParseSeconds, phases.Total)}), prefilter {phases.PrefilterSeconds:F3} s ({Share(phases.PrefilterSeconds, phases.Total)}), evaluation {phases.EvaluationSeconds:F3} s ({Share(phases.EvaluationSeconds, phases.Total)}), correlation {phases.CorrelationSeconds:F3} s ({Share(phases.CorrelationSeconds, phases.Total)})"));
        if (result.TopRules.Count > 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"top {result.TopRules.Count} rules by evaluation time (share of the evaluation phase):"));
            foreach (var rule in result.TopRules)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {rule.ShareOfEvaluation * 100,5:F1}%  {rule.Seconds:F3} s  {rule.Evaluations,9} evaluations  {rule.Path} ({rule.Id})"));
            }
        }

        return 0;
    }

    private static string Share(double part, double total) => total > 0 ? (part / total).ToString("P0", CultureInfo.InvariantCulture) : "0 %";

    public static SigmaBenchResult Measure(IReadOnlyList<SigmaSource> sources, ReadOnlyMemory<byte> events, int rounds, int top)
    {
        var stopwatch = Stopwatch.StartNew();
        var files = sources.Select(s => SigmaParser.ParseFile(s.FullPath, s.DisplayPath)).ToList();
        var load = stopwatch.Elapsed.TotalSeconds;
        using var process = Process.GetCurrentProcess();
        var compileCpu = process.TotalProcessorTime;
        stopwatch.Restart();
        var engine = SigmaEngine.Create(files);
        var compile = stopwatch.Elapsed.TotalSeconds;
        process.Refresh();
        compileCpu = process.TotalProcessorTime - compileCpu;

        var parsed = 0;
        var matches = 0;
        double parseSeconds = double.MaxValue, matchSeconds = double.MaxValue, firstMatchSeconds = 0, matchCpuSeconds = double.MaxValue;
        var matcher = new ParallelMatcher(engine, 1);
        for (var round = 0; round < rounds; round++)
        {
            stopwatch.Restart();
            parsed = 0;
            foreach (var _ in EventReader.Read(events))
            {
                parsed++;
            }

            parseSeconds = Math.Min(parseSeconds, stopwatch.Elapsed.TotalSeconds);

            process.Refresh();
            var cpu = process.TotalProcessorTime;
            stopwatch.Restart();
            matches = MatchAll(engine, matcher, events, null, out _);
            var seconds = stopwatch.Elapsed.TotalSeconds;
            process.Refresh();
            matchCpuSeconds = Math.Min(matchCpuSeconds, (process.TotalProcessorTime - cpu).TotalSeconds);
            firstMatchSeconds = round == 0 ? seconds : firstMatchSeconds;
            matchSeconds = Math.Min(matchSeconds, seconds);
        }

        var evaluated = matcher.EvaluatedRules;
        var profile = new SigmaMatchProfile(engine.Rules.Count);
        MatchAll(engine, new ParallelMatcher(engine.Fork(), 1, profile), events, profile, out var correlationTicks);
        var evaluation = Seconds(profile.EvaluationTicks);
        var topRules = engine.Rules
            .Select(r => new SigmaBenchRule(r.Path, r.Id, profile.RuleEvaluations[r.Index], Seconds(profile.RuleTicks[r.Index]),
                evaluation > 0 ? Seconds(profile.RuleTicks[r.Index]) / evaluation : 0))
            .Where(r => r.Evaluations > 0)
            .OrderByDescending(r => r.Seconds)
            .Take(top)
            .ToList();
        var phases = new SigmaBenchPhases(Seconds(profile.ParseTicks), Seconds(profile.PrefilterTicks), evaluation, Seconds(correlationTicks));

        process.Refresh();
        return new SigmaBenchResult(engine.Rules.Count, parsed, matches, load, compile, compileCpu.TotalSeconds, parsed / parseSeconds, parsed / matchSeconds,
            parsed / firstMatchSeconds, parsed / matchCpuSeconds, rounds, (double)evaluated / ((long)parsed * rounds), process.PeakWorkingSet64, phases, topRules);
    }

    /// <summary>One pass as <c>sigma match</c> makes it, correlations included; returns the rule matches.</summary>
    private static int MatchAll(SigmaEngine engine, ParallelMatcher matcher, ReadOnlyMemory<byte> events, SigmaMatchProfile? profile, out long correlationTicks)
    {
        var correlations = new CorrelationEngine(engine.Correlations);
        var matches = 0;
        var index = 0;
        correlationTicks = 0;
        using var stream = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(events, out var array)
            ? new MemoryStream(array.Array!, array.Offset, array.Count, false)
            : new MemoryStream(events.ToArray(), false);
        foreach (var outcome in matcher.Match(stream))
        {
            if (!outcome.IsEvent)
            {
                continue;
            }

            matches += outcome.Matches.Length;
            if (engine.Correlations.Count > 0 && outcome.Event is { } evt)
            {
                var started = profile is null ? 0 : Stopwatch.GetTimestamp();
                matches += correlations.Observe(index, evt, outcome.Matches).Count;
                correlationTicks += profile is null ? 0 : Stopwatch.GetTimestamp() - started;
            }

            index++;
        }

        return matches;
    }

    private static double Seconds(long ticks) => (double)ticks / Stopwatch.Frequency;

    /// <summary>JSON Lines of Sysmon-shaped events from a fixed seed: the same bytes on every run.</summary>
    public static ReadOnlyMemory<byte> Generate(int count)
    {
        var random = new Random(20260801);
        string[] images =
        [
            @"C:\Windows\System32\svchost.exe", @"C:\Windows\explorer.exe", @"C:\Program Files\Google\Chrome\Application\chrome.exe",
            @"C:\Windows\System32\RuntimeBroker.exe", @"C:\Program Files\Microsoft Office\root\Office16\WINWORD.EXE",
            @"C:\Windows\System32\backgroundTaskHost.exe", @"C:\Windows\System32\conhost.exe", @"C:\Program Files\Mozilla Firefox\firefox.exe",
            @"C:\Windows\System32\SearchIndexer.exe", @"C:\Windows\System32\taskhostw.exe", @"C:\Windows\System32\cmd.exe",
            @"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
        ];
        string[] arguments =
        [
            "-k netsvcs -p -s Schedule", "/factory,{75dff2b7-6936-4c06-a8bb-676a7b00b24b} -Embedding", "--type=renderer --field-trial-handle=1736,2",
            "-Embedding", "/n /f \"C:\\Users\\alice\\Documents\\report.docx\"", "/c echo hello", "-NoProfile -Command Get-Date", "",
        ];
        string[] users = [@"CORP\alice", @"CORP\bob", @"NT AUTHORITY\SYSTEM", @"NT AUTHORITY\LOCAL SERVICE"];
        string[] files = [@"C:\Users\alice\AppData\Local\Temp\tmp{0}.tmp", @"C:\Users\bob\Downloads\invoice{0}.pdf", @"C:\ProgramData\Microsoft\Windows\WER\Temp\{0}.xml"];
        string[] keys = [@"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater{0}", @"HKU\S-1-5-21-1-2-3-1001\Software\Classes\CLSID\{{{0}}}", @"HKLM\SYSTEM\CurrentControlSet\Services\svc{0}\Start"];
        string[] domains = ["www.example.com", "login.microsoftonline.com", "update.googleapis.com", "cdn.contoso.net"];
        using var stream = new MemoryStream(count * 560);
        using var builder = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
        var start = new DateTimeOffset(2026, 8, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < count; i++)
        {
            var image = images[random.Next(images.Length)];
            var parent = images[random.Next(images.Length)];
            var eventId = random.Next(10) switch
            {
                < 4 => 1,
                4 => 3,
                5 => 7,
                6 => 11,
                7 => 13,
                8 => 10,
                _ => 22,
            };
            var time = start.AddMilliseconds(i * 37).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
            builder.Write(string.Create(CultureInfo.InvariantCulture, $"{{\"EventID\":{eventId},\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Computer\":\"ws{random.Next(200):D3}.corp.local\","));
            builder.Write(string.Create(CultureInfo.InvariantCulture, $"\"UtcTime\":\"{time}\",\"ProcessGuid\":\"{{{random.Next():X8}-1234-5678-9abc-def012345678}}\",\"ProcessId\":{random.Next(100, 20000)},"));
            builder.Write(string.Create(CultureInfo.InvariantCulture, $"\"Image\":{Json(image)},\"User\":{Json(users[random.Next(users.Length)])}"));
            switch (eventId)
            {
                case 1:
                    var commandLine = $"\"{image}\" {arguments[random.Next(arguments.Length)]}";
                    builder.Write(string.Create(CultureInfo.InvariantCulture, $",\"CommandLine\":{Json(commandLine)},\"ParentImage\":{Json(parent)},\"ParentCommandLine\":{Json($"\"{parent}\"")}"));
                    builder.Write(string.Create(CultureInfo.InvariantCulture, $",\"OriginalFileName\":{Json(Path.GetFileName(image.Replace('\\', '/')))},\"CurrentDirectory\":\"C:\\\\Windows\\\\system32\\\\\",\"IntegrityLevel\":\"Medium\""));
                    builder.Write(string.Create(CultureInfo.InvariantCulture, $",\"Hashes\":\"SHA256={random.Next():X8}{random.Next():X8}{random.Next():X8}\",\"Company\":\"Microsoft Corporation\",\"Product\":\"Microsoft Windows\""));
                    break;
                case 3:
                    builder.Write(string.Create(CultureInfo.InvariantCulture, $",\"Protocol\":\"tcp\",\"Initiated\":\"true\",\"SourceIp\":\"10.1.{random.Next(256)}.{random.Next(256)}\",\"SourcePort\":{random.Next(49152, 65535)}"));
                    builder.Write(string.Create(CultureInfo.InvariantCulture, $",\"DestinationIp\":\"52.{random.Next(256)}.{random.Next(256)}.{random.Next(256)}\",\"DestinationPort\":443,\"DestinationHostname\":{Json(domains[random.Next(domains.Length)])}"));
                    break;
                case 7:
                    builder.Write(string.Create(CultureInfo.InvariantCulture, $",\"ImageLoaded\":\"C:\\\\Windows\\\\System32\\\\ntdll{random.Next(40)}.dll\",\"Signed\":\"true\",\"Signature\":\"Microsoft Windows\",\"SignatureStatus\":\"Valid\""));
                    break;
                case 11:
                    builder.Write(string.Create(CultureInfo.InvariantCulture, $",\"TargetFilename\":{Json(string.Format(CultureInfo.InvariantCulture, files[random.Next(files.Length)], random.Next(100000)))}"));
                    break;
                case 13:
                    builder.Write(string.Create(CultureInfo.InvariantCulture, $",\"EventType\":\"SetValue\",\"TargetObject\":{Json(string.Format(CultureInfo.InvariantCulture, keys[random.Next(keys.Length)], random.Next(100000)))},\"Details\":\"DWORD (0x00000002)\""));
                    break;
                case 10:
                    builder.Write(string.Create(CultureInfo.InvariantCulture, $",\"SourceImage\":{Json(image)},\"TargetImage\":{Json(parent)},\"GrantedAccess\":\"0x1000\",\"CallTrace\":\"C:\\\\Windows\\\\SYSTEM32\\\\ntdll.dll+9d4c4\""));
                    break;
                default:
                    builder.Write(string.Create(CultureInfo.InvariantCulture, $",\"QueryName\":{Json(domains[random.Next(domains.Length)])},\"QueryStatus\":\"0\",\"QueryResults\":\"::ffff:52.1.2.3;\""));
                    break;
            }

            builder.Write("}\n");
        }

        builder.Flush();
        return stream.GetBuffer().AsMemory(0, (int)stream.Length);
    }

    private static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
