using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CraftedSignal.Domain;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Deployments;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Tenancy;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Web.Cli;

/// <summary>What <c>rules bench</c> measures: the library size, the corpus, and how many timed runs per figure.</summary>
internal sealed record RuleBenchOptions(int Rules, string CorpusPath, int Runs = 20, int WarmUp = 3);

/// <summary>
/// <c>rules bench</c>: imports the Sigma corpus into a temporary database, grows the library to a size, and times the
/// library's page queries, one page's render (through <c>renderPage</c>, which the web project supplies) and the editor's
/// server-side validation of a 300-line rule.
/// </summary>
internal static partial class RuleBenchRunner
{
    public static async Task<int> RunAsync(RuleBenchOptions options, TextWriter output, TextWriter error,
        Func<IReadOnlyList<RuleRow>, Task<string>>? renderPage = null, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(options.CorpusPath))
        {
            await error.WriteLineAsync($"rules bench: the corpus folder '{options.CorpusPath}' does not exist.");
            return 2;
        }

        var corpus = Directory.EnumerateFiles(options.CorpusPath, "*.yml", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => new ImportFile(Path.GetRelativePath(options.CorpusPath, f), File.ReadAllBytes(f)))
            .ToList();
        if (corpus.Count == 0)
        {
            await error.WriteLineAsync($"rules bench: no .yml rules under '{options.CorpusPath}'.");
            return 2;
        }

        var folder = Directory.CreateTempSubdirectory("craftedsignal-rules-bench-").FullName;
        try
        {
            await using var bench = await BenchDatabase.CreateAsync(Path.Combine(folder, "bench.db"), cancellationToken);
            await output.WriteLineAsync($"rules bench: {Environment.ProcessorCount} cores, {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC, SQLite file in {folder}");
            if (!await ImportCorpusAsync(bench, corpus, options, output, error, cancellationToken))
                return 1;
            await GrowAsync(bench, corpus, options.Rules, output, cancellationToken);
            await MeasureQueriesAsync(bench, options, output, cancellationToken);
            await MeasureRenderAsync(bench, options, renderPage, output, cancellationToken);
            await MeasureValidationAsync(options, output);
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<bool> ImportCorpusAsync(BenchDatabase bench, List<ImportFile> corpus, RuleBenchOptions options,
        TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        // A library smaller than the corpus imports only its first files, so that a small run stays quick.
        var files = corpus.Take(Math.Min(options.Rules, corpus.Count)).ToList();
        await using var scope = bench.Scope();
        var transfer = scope.ServiceProvider.GetRequiredService<RuleTransferService>();
        var watch = Stopwatch.StartNew();
        var result = await transfer.ImportAsync(files, "SigmaHQ", cancellationToken);
        watch.Stop();
        if (!result.Succeeded)
        {
            await error.WriteLineAsync($"rules bench: the import failed: {result.Error!.Message}");
            return false;
        }

        var summary = result.Value!;
        var seconds = watch.Elapsed.TotalSeconds;
        await output.WriteLineAsync();
        await output.WriteLineAsync("## Import (RuleTransferService.ImportAsync, one call)");
        await output.WriteLineAsync(Invariant($"files: {files.Count}, imported: {summary.Count(ImportOutcome.Imported)}, rejected: {summary.Count(ImportOutcome.Rejected)}"));
        await output.WriteLineAsync(Invariant($"seconds: {seconds:F2}, rules/s: {files.Count / seconds:F0}"));
        return true;
    }

    /// <summary>
    /// Adds copies of the corpus with fresh Sigma ids and numbered titles until the library holds <paramref name="target"/> rules.
    /// The copies are written the way an import writes them (analysis, version, tags) but without matching against the rules
    /// already there: <see cref="RuleTransferService.ImportAsync"/> tracks the whole library and grows slower with each batch.
    /// The first batch also goes through the import, to report that cost.
    /// </summary>
    private static async Task GrowAsync(BenchDatabase bench, List<ImportFile> corpus, int target, TextWriter output, CancellationToken cancellationToken)
    {
        var copy = 1;
        var count = await bench.CountRulesAsync(cancellationToken);
        if (count < target)
        {
            var batch = corpus.Take(Math.Min(target - count, corpus.Count)).Select(f => Copy(f, copy)).ToList();
            await using var scope = bench.Scope();
            var start = Stopwatch.GetTimestamp();
            await scope.ServiceProvider.GetRequiredService<RuleTransferService>().ImportAsync(batch, $"copy {copy}", cancellationToken);
            await output.WriteLineAsync(Invariant($"import of {batch.Count} more rules into a library of {count}: {Stopwatch.GetElapsedTime(start).TotalSeconds:F2} s"));
            copy++;
        }

        for (; (count = await bench.CountRulesAsync(cancellationToken)) < target; copy++)
        {
            var batch = corpus.Take(Math.Min(target - count, corpus.Count)).Select(f => Copy(f, copy)).ToList();
            if (await bench.InsertAsync(batch, cancellationToken) == 0)
                break;
        }

        var deployed = await bench.SpreadAsync(cancellationToken);
        await output.WriteLineAsync(Invariant($"spread over lifecycles and six months of updates; {deployed} rules live on one sandbox target"));
    }

    private static ImportFile Copy(ImportFile file, int copy)
    {
        var content = Encoding.UTF8.GetString(file.Content);
        content = TopLevelId().Replace(content, _ => $"id: {Guid.NewGuid()}");
        content = TopLevelTitle().Replace(content, m => $"title: {m.Groups[1].Value.Trim().Trim('\'', '"')} (copy {copy})");
        return new ImportFile($"copy{copy}/{file.Path}", Encoding.UTF8.GetBytes(content));
    }

    /// <summary>The sandbox target the spread library has a third of its rules deployed to (declared before <see cref="Queries"/>, which uses it).</summary>
    private static readonly Guid BenchTarget = new("0190c0de-0000-7000-8000-000000000001");

    private static readonly (string Name, RuleQuery Query)[] Queries =
    [
        ("first page, updated desc", new RuleQuery()),
        ("first page, title asc", new RuleQuery { Sort = RuleSort.Title, Descending = false }),
        ("first page, level desc", new RuleQuery { Sort = RuleSort.Level }),
        ("page 200, updated desc", new RuleQuery { Page = 200 }),
        ("search \"powershell\"", new RuleQuery { Search = "powershell" }),
        ("technique T1059", new RuleQuery { Technique = "T1059" }),
        ("lifecycle active+monitoring", new RuleQuery { Lifecycles = [RuleLifecycle.Active, RuleLifecycle.Monitoring] }),
        ("combined: search+T1059+high/critical+active, title", new RuleQuery
        {
            Search = "powershell",
            Technique = "T1059",
            Levels = ["high", "critical"],
            Lifecycles = [RuleLifecycle.Active, RuleLifecycle.Monitoring],
            Sort = RuleSort.Title,
            Descending = false,
        }),
        ("deployed to a target (a third of the rules)", new RuleQuery { DeployedTo = BenchTarget }),
        ("first page of 100, updated desc", new RuleQuery { PageSize = 100 }),
    ];


    private static async Task MeasureQueriesAsync(BenchDatabase bench, RuleBenchOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        var rules = await bench.CountRulesAsync(cancellationToken);
        await output.WriteLineAsync();
        await output.WriteLineAsync(Invariant($"## Queries (RuleLibraryService.ListAsync at {rules} rules, {options.Runs} runs after {options.WarmUp} warm-up)"));
        await output.WriteLineAsync(Invariant($"| {"query",-52} | {"rows",5} | {"total",6} | {"median ms",9} | {"p95 ms",7} |"));
        await output.WriteLineAsync($"|{new string('-', 54)}|{new string('-', 7)}|{new string('-', 8)}|{new string('-', 11)}|{new string('-', 9)}|");
        foreach (var (name, query) in Queries)
        {
            await using var scope = bench.Scope();
            var library = scope.ServiceProvider.GetRequiredService<RuleLibraryService>();
            RulePage page = null!;
            var times = await TimeAsync(options, async () => page = (await library.ListAsync(query, cancellationToken)).Value!);
            await output.WriteLineAsync(Invariant($"| {name,-52} | {page.Rows.Count,5} | {page.TotalCount,6} | {Median(times),9:F1} | {P95(times),7:F1} |"));
        }
    }

    private static async Task MeasureRenderAsync(BenchDatabase bench, RuleBenchOptions options, Func<IReadOnlyList<RuleRow>, Task<string>>? renderPage,
        TextWriter output, CancellationToken cancellationToken)
    {
        await output.WriteLineAsync();
        await output.WriteLineAsync("## Render (one page of the rules grid to HTML, server side)");
        if (renderPage is null)
        {
            await output.WriteLineAsync("not measured: no renderer was supplied.");
            return;
        }

        await output.WriteLineAsync(Invariant($"| {"rows",5} | {"html KiB",8} | {"median ms",9} | {"p95 ms",7} | {"query+render median ms",22} |"));
        await output.WriteLineAsync($"|{new string('-', 7)}|{new string('-', 10)}|{new string('-', 11)}|{new string('-', 9)}|{new string('-', 24)}|");
        foreach (var size in new[] { 25, 100 })
        {
            await using var scope = bench.Scope();
            var library = scope.ServiceProvider.GetRequiredService<RuleLibraryService>();
            var rows = (await library.ListAsync(new RuleQuery { PageSize = size }, cancellationToken)).Value!.Rows;
            var html = "";
            var render = await TimeAsync(options, async () => html = await renderPage(rows));
            var both = await TimeAsync(options, async () => html = await renderPage((await library.ListAsync(new RuleQuery { PageSize = size }, cancellationToken)).Value!.Rows));
            await output.WriteLineAsync(Invariant($"| {rows.Count,5} | {html.Length / 1024.0,8:F0} | {Median(render),9:F1} | {P95(render),7:F1} | {Median(both),22:F1} |"));
        }
    }

    private static async Task MeasureValidationAsync(RuleBenchOptions options, TextWriter output)
    {
        var rule = LargeRule(300);
        var lines = rule.Split('\n').Length;
        RuleAnalysis analysis = null!;
        IReadOnlyList<RuleConversion> conversions = [];
        var analyze = await TimeAsync(options, () =>
        {
            analysis = RuleAnalyzer.Analyze(RuleFormat.Sigma, null, rule);
            return Task.CompletedTask;
        });
        var convert = await TimeAsync(options, () =>
        {
            conversions = RuleConversions.ConvertAll(rule);
            return Task.CompletedTask;
        });
        await output.WriteLineAsync();
        await output.WriteLineAsync(Invariant($"## Validation (editor, server side: a {lines}-line Sigma rule, {analysis.ErrorCount} errors, {analysis.WarningCount} warnings)"));
        await output.WriteLineAsync(Invariant($"| {"step",-42} | {"median ms",9} | {"p95 ms",7} |"));
        await output.WriteLineAsync($"|{new string('-', 44)}|{new string('-', 11)}|{new string('-', 9)}|");
        await output.WriteLineAsync(Invariant($"| {"RuleAnalyzer.Analyze",-42} | {Median(analyze),9:F2} | {P95(analyze),7:F2} |"));
        var converted = conversions.Count(c => c.Error is null);
        await output.WriteLineAsync(Invariant($"| {$"RuleConversions.ConvertAll ({converted}/{conversions.Count} targets)",-42} | {Median(convert),9:F2} | {P95(convert),7:F2} |"));
        var both = analyze.Zip(convert, (a, c) => a + c).ToList();
        await output.WriteLineAsync(Invariant($"| {"both (pause to markers, server side)",-42} | {Median(both),9:F2} | {P95(both),7:F2} |"));
    }

    /// <summary>A realistic process-creation rule of about <paramref name="lines"/> lines: many selections of image and command-line lists, and filters.</summary>
    internal static string LargeRule(int lines)
    {
        var text = new StringBuilder("""
            title: Suspicious Living-off-the-Land Binary Execution
            id: 6f1d3a52-9a3c-4b0e-9d1f-2b7a8e6c4d10
            status: experimental
            description: Detects many living-off-the-land binaries started with suspicious command lines, grouped by technique.
            references:
                - https://lolbas-project.github.io/
            author: CraftedSignal bench
            date: 2026-11-23
            tags:
                - attack.execution
                - attack.t1059.001
                - attack.defense-evasion
                - attack.t1218
            logsource:
                category: process_creation
                product: windows
            detection:

            """.Replace("\r", "", StringComparison.Ordinal));
        var selection = 0;
        while (text.ToString().Split('\n').Length < lines - 12)
        {
            selection++;
            text.Append(Invariant($"    selection_{selection}:\n"));
            text.Append(Invariant($"        Image|endswith:\n"));
            text.Append(Invariant($"            - '\\tool{selection}a.exe'\n"));
            text.Append(Invariant($"            - '\\tool{selection}b.exe'\n"));
            text.Append(Invariant($"        CommandLine|contains|all:\n"));
            text.Append(Invariant($"            - ' -enc{selection} '\n"));
            text.Append(Invariant($"            - 'http://payload{selection}.example/'\n"));
        }

        text.Append("""
                filter_main_system:
                    ParentImage|startswith:
                        - 'C:\Windows\System32\'
                        - 'C:\Windows\SysWOW64\'
                filter_optional_admin:
                    User|contains:
                        - 'AUTHORI'
                        - 'AUTORI'
                condition: 1 of selection_* and not 1 of filter_*
            falsepositives:
                - Administrators running the same tools
            level: high

            """.Replace("\r", "", StringComparison.Ordinal));
        return text.ToString();
    }

    private static async Task<List<double>> TimeAsync(RuleBenchOptions options, Func<Task> action)
    {
        for (var i = 0; i < options.WarmUp; i++)
            await action();
        var times = new List<double>(options.Runs);
        for (var i = 0; i < options.Runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await action();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return times;
    }

    private static double Median(List<double> times)
    {
        var sorted = times.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static double P95(List<double> times)
    {
        var sorted = times.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(0.95 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^id:.*$", RegexOptions.Multiline)]
    private static partial Regex TopLevelId();

    [GeneratedRegex(@"^title:(.*)$", RegexOptions.Multiline)]
    private static partial Regex TopLevelTitle();

    /// <summary>A migrated SQLite file with one company and its owner, and DI scopes acting as that owner.</summary>
    private sealed class BenchDatabase(ServiceProvider services, string connectionString, Guid companyId, string userId) : IAsyncDisposable
    {
        public static async Task<BenchDatabase> CreateAsync(string path, CancellationToken cancellationToken)
        {
            var connectionString = $"Data Source={path};Default Timeout=30";
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSingleton<IWorkQueue, NoBackgroundWork>();
            services.AddCraftedSignalDomain(connectionString);
            var provider = services.BuildServiceProvider();

            await using var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite(connectionString).Options, null);
            await DatabaseSetup.MigrateAsync(db, cancellationToken);
            var now = TimeProvider.System.GetUtcNow().UtcDateTime;
            var user = new ApplicationUser
            {
                UserName = "bench@craftedsignal.test",
                NormalizedUserName = "BENCH@CRAFTEDSIGNAL.TEST",
                Email = "bench@craftedsignal.test",
                NormalizedEmail = "BENCH@CRAFTEDSIGNAL.TEST",
                DisplayName = "Bench",
                SecurityStamp = Guid.NewGuid().ToString(),
                CreatedAt = now,
            };
            db.Users.Add(user);
            await db.SaveChangesAsync(cancellationToken);
            var company = CompanyService.NewCompany(db, "Bench", user.Id, now);
            await db.SaveChangesAsync(cancellationToken);
            return new BenchDatabase(provider, connectionString, company.Id, user.Id);
        }

        public AsyncServiceScope Scope()
        {
            var scope = services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(companyId, userId, "Bench", null, "127.0.0.1");
            return scope;
        }

        public async Task<int> CountRulesAsync(CancellationToken cancellationToken)
        {
            await using var db = Context();
            return await db.DetectionRules.IgnoreQueryFilters().CountAsync(r => r.CompanyId == companyId, cancellationToken);
        }

        /// <summary>Writes each valid file as a new rule, as <see cref="RuleTransferService"/> does for a file it has not seen; returns how many.</summary>
        public async Task<int> InsertAsync(IReadOnlyList<ImportFile> files, CancellationToken cancellationToken)
        {
            await using var db = Context();
            var now = TimeProvider.System.GetUtcNow().UtcDateTime;
            var added = 0;
            foreach (var file in files)
            {
                var content = Encoding.UTF8.GetString(file.Content).TrimStart('\uFEFF');
                var analysis = RuleAnalyzer.Analyze(RuleFormat.Sigma, null, content);
                if (analysis.HasErrors)
                    continue;
                var rule = new DetectionRule
                {
                    Id = Guid.CreateVersion7(),
                    CompanyId = companyId,
                    Format = RuleFormat.Sigma,
                    Title = analysis.Title,
                    OwnerUserId = userId,
                    OwnerName = "Bench",
                    CreatedAt = now,
                };
                db.DetectionRules.Add(rule);
                await VersionAppender.AppendAsync(db, rule, content, analysis, "Bench copy", new RuleSource("bench", file.Path, null), new Actor(userId, "Bench", null), now, cancellationToken);
                added++;
            }

            await db.SaveChangesAsync(cancellationToken);
            return added;
        }

        /// <summary>Imported rules are all drafts saved at one instant; a real library has rules in every state, updated over months.</summary>
        public async Task<int> SpreadAsync(CancellationToken cancellationToken)
        {
            await using var db = Context();
            await db.Database.ExecuteSqlRawAsync("""
                UPDATE DetectionRules SET
                    Lifecycle = CASE abs(random()) % 6 WHEN 0 THEN 'Draft' WHEN 1 THEN 'Active' WHEN 2 THEN 'Shadow'
                        WHEN 3 THEN 'Monitoring' WHEN 4 THEN 'Paused' ELSE 'Killed' END,
                    UpdatedAt = strftime('%Y-%m-%d %H:%M:%f', UpdatedAt, '-' || (abs(random()) % 15552000) || ' seconds')
                """, cancellationToken);

            // ... and runs somewhere: a third of the rules live on one target.
            var rules = await db.DetectionRules.IgnoreQueryFilters().OrderBy(r => r.Id).Select(r => new { r.Id, r.CompanyId, r.LatestVersion }).ToListAsync(cancellationToken);
            if (rules.Count == 0 || await db.SiemTargets.IgnoreQueryFilters().AnyAsync(t => t.Id == BenchTarget, cancellationToken))
                return 0;
            var now = TimeProvider.System.GetUtcNow().UtcDateTime;
            db.SiemTargets.Add(new SiemTarget { Id = BenchTarget, CompanyId = rules[0].CompanyId, Name = "Bench sandbox", Kind = TargetKind.Sandbox, CreatedAt = now });
            db.Deployments.AddRange(rules.Where((_, i) => i % 3 == 0).Select(r => new Deployment
            {
                Id = Guid.CreateVersion7(),
                CompanyId = r.CompanyId,
                RuleId = r.Id,
                RuleVersion = r.LatestVersion,
                TargetId = BenchTarget,
                ContentSha256 = "",
                Status = DeploymentStatus.Succeeded,
                Live = true,
                RequestedBy = "bench",
                CreatedAt = now,
            }));
            await db.SaveChangesAsync(cancellationToken);
            return await db.Deployments.IgnoreQueryFilters().CountAsync(d => d.Live, cancellationToken);
        }

        private AppDbContext Context() => new(new DbContextOptionsBuilder<AppDbContext>().UseSqlite(connectionString).Options, null);

        public ValueTask DisposeAsync() => services.DisposeAsync();
    }

    /// <summary>The bench measures the library, not background work: test runs an import would start are recorded but never run.</summary>
    private sealed class NoBackgroundWork : IWorkQueue
    {
        public void Enqueue(Guid workItemId)
        {
        }

        public void Defer(Guid workItemId, TimeSpan delay)
        {
        }
    }
}
