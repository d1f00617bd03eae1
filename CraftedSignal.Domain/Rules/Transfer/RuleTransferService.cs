using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Domain.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Domain.Rules;

/// <summary>
/// Detection as code: imports Sigma files and native queries (loose or in a zip) as rules or new versions of existing rules,
/// matched by their Sigma <c>id</c> (or, for a native query, the id in its side file), with provenance on every version;
/// exports the company's rules as a zip with their tests and details in side files, importable again without loss.
/// </summary>
public sealed class RuleTransferService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, TimeProvider time, IWorkQueue queue,
    IOptions<EvaluationOptions> evaluation)
{
    public const int MaxFiles = 10_000;
    public const long MaxUploadBytes = 50L * 1024 * 1024;
    public const long MaxUncompressedBytes = 200L * 1024 * 1024;

    /// <summary>The side file that carries a rule's test cases: <c>NAME.tests.json</c> beside <c>NAME.yml</c>.</summary>
    public const string TestsSuffix = ".tests.json";

    /// <summary>The side file that carries what a rule's content cannot: <c>NAME.meta.json</c>.</summary>
    public const string MetaSuffix = ".meta.json";

    /// <summary>The file extensions of native queries, one per language, as export writes them.</summary>
    private static readonly Dictionary<string, NativeLanguage> NativeExtensions =
        Enum.GetValues<NativeLanguage>().ToDictionary(l => "." + l.ToString().ToLowerInvariant(), StringComparer.OrdinalIgnoreCase);

    private static readonly JsonSerializerOptions SideFileJson = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    public async Task<Result<ImportSummary>> ImportZipAsync(Stream zip, string sourceName, CancellationToken cancellationToken = default)
    {
        var files = new List<ImportFile>();
        try
        {
            using var archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
            if (archive.Entries.Count > MaxFiles)
                return new ImportTooLarge($"The zip holds {archive.Entries.Count:N0} entries; import at most {MaxFiles:N0} at a time.");
            if (archive.Entries.FirstOrDefault(e => !IsInsideRoot(e.FullName)) is { } outside)
                return new ZipSlip(outside.FullName);

            // Everything that will be unpacked is counted before anything is: a zip bomb is refused, not inflated.
            var unpacked = archive.Entries.Where(e => IsRuleFile(e.FullName) || IsSideFile(e.FullName)).Sum(e => e.Length);
            if (unpacked > MaxUncompressedBytes)
                return new ImportTooLarge($"The zip unpacks to more than {MaxUncompressedBytes / (1024 * 1024)} MiB of rules; split it.");
            var tests = await ReadSideFilesAsync(archive, TestsSuffix, RuleTester.MaxEventsBytes * 4L, cancellationToken);
            var metas = await ReadSideFilesAsync(archive, MetaSuffix, 256 * 1024, cancellationToken);

            foreach (var entry in archive.Entries)
            {
                if (entry.FullName.EndsWith('/') || !IsRuleFile(entry.FullName))
                    continue;
                if (entry.Length > RuleAnalyzer.MaxContentLength)
                {
                    files.Add(new ImportFile(entry.FullName, []));
                    continue;
                }

                await using var ruleStream = await entry.OpenAsync(cancellationToken);
                using var ruleBuffer = new MemoryStream((int)entry.Length);
                await ruleStream.CopyToAsync(ruleBuffer, cancellationToken);
                var stem = Path.ChangeExtension(entry.FullName, null);
                files.Add(new ImportFile(entry.FullName, ruleBuffer.ToArray(), tests.GetValueOrDefault(stem), metas.GetValueOrDefault(stem)));
            }
        }
        catch (InvalidDataException)
        {
            return new NotAZip();
        }

        return await ImportAsync(files, sourceName, cancellationToken);
    }

    public async Task<Result<ImportSummary>> ImportAsync(IReadOnlyList<ImportFile> files, string sourceName, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Author, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        if (files.Count > MaxFiles)
            return new ImportTooLarge($"{files.Count:N0} files were offered; import at most {MaxFiles:N0} at a time.");

        var companyId = access.Value.CompanyId;
        var existing = await db.DetectionRules.Include(r => r.Tags)
            .Where(r => r.CompanyId == companyId && r.SigmaId != null)
            .ToDictionaryAsync(r => r.SigmaId!, StringComparer.OrdinalIgnoreCase, cancellationToken);
        var natives = files.Any(f => NativeLanguageOf(f.Path) is not null)
            ? await db.DetectionRules.Include(r => r.Tags).Where(r => r.CompanyId == companyId && r.Format == RuleFormat.Native).ToDictionaryAsync(r => r.Id, cancellationToken)
            : [];
        var latestHashes = await db.RuleVersions
            .Where(v => v.CompanyId == companyId && db.DetectionRules.Any(r => r.Id == v.RuleId && r.LatestVersion == v.Number))
            .ToDictionaryAsync(v => v.RuleId, v => v.ContentSha256, cancellationToken);

        var now = time.GetUtcNow().UtcDateTime;
        var actor = tenant.ToActor();
        var results = new List<ImportedFile>(files.Count);
        var toTest = new Dictionary<Guid, DetectionRule>();
        foreach (var file in files)
        {
            var (result, rule, appended) = await ImportOneAsync(db, file, sourceName, companyId, actor, existing, natives, latestHashes, now, cancellationToken);
            var testsChanged = false;
            if (file.Tests is not null && rule is not null)
            {
                var (note, changed) = await ImportTestsAsync(db, rule.Id, companyId, file.Tests, now, cancellationToken);
                (result, testsChanged) = (result with { Reason = note ?? result.Reason }, changed);
            }

            // A new version, or new cases, get a test run, as a save does.
            if (rule is not null && (appended || testsChanged))
                toTest[rule.Id] = rule;
            results.Add(result);
        }

        var runs = new List<Guid>();
        foreach (var rule in toTest.Values)
        {
            if (await VersionAppender.AddTestRunAsync(db, rule, actor, now, cancellationToken) is { } run)
                runs.Add(run);
        }

        var summary = new ImportSummary(results);
        db.Audit(tenant.ToActor(), companyId, AuditActions.RulesImported, now, "rules", null, new
        {
            source = sourceName,
            files = files.Count,
            imported = summary.Count(ImportOutcome.Imported),
            updated = summary.Count(ImportOutcome.Updated),
            unchanged = summary.Count(ImportOutcome.Unchanged),
            rejected = summary.Count(ImportOutcome.Rejected),
        });
        await db.SaveChangesAsync(cancellationToken);
        queue.EnqueueAll(runs);
        return summary;
    }

    /// <summary>Writes every rule's latest version as <c>&lt;title&gt;.yml</c> (Sigma) or <c>.spl/.kql/...</c> (native) into a zip.</summary>
    public async Task<Result<int>> ExportAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;

        var rules = await db.DetectionRules.AsNoTracking()
            .Where(r => r.CompanyId == access.Value.CompanyId)
            .OrderBy(r => r.Title)
            .Select(r => new
            {
                Rule = r,
                Tags = r.Tags.Select(t => t.Tag).ToList(),
                Content = db.RuleVersions.Where(v => v.RuleId == r.Id && v.Number == r.LatestVersion).Select(v => v.Content).First(),
            })
            .ToListAsync(cancellationToken);
        var cases = (await db.RuleTestCases.AsNoTracking().Where(c => c.CompanyId == access.Value.CompanyId).OrderBy(c => c.Name).ToListAsync(cancellationToken))
            .ToLookup(c => c.RuleId);

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using (var archive = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (rule, tags, content) in rules.Select(r => (r.Rule, r.Tags, r.Content)))
            {
                var extension = rule.Format == RuleFormat.Sigma ? "yml" : (rule.Language ?? NativeLanguage.Spl).ToString().ToLowerInvariant();
                var name = UniqueName(names, FileNameFor(rule.Title), extension);
                var stem = $"rules/{Path.ChangeExtension(name, null)}";
                var entry = archive.CreateEntry($"rules/{name}", CompressionLevel.Optimal);
                await using (var stream = await entry.OpenAsync(cancellationToken))
                    await stream.WriteAsync(Encoding.UTF8.GetBytes(content), cancellationToken);
                if (cases[rule.Id].Any())
                    await WriteSideFileAsync(archive, stem + TestsSuffix, cases[rule.Id].Select(c => new TestCaseFile(c.Name, c.Expectation, c.ExpectedCount, c.Events)).ToList(), cancellationToken);
                if (MetaOf(rule, tags) is { } meta)
                    await WriteSideFileAsync(archive, stem + MetaSuffix, meta, cancellationToken);
            }
        }

        db.Audit(tenant.ToActor(), access.Value.CompanyId, AuditActions.RulesExported, time.GetUtcNow().UtcDateTime, "rules", null, new { rules = rules.Count });
        await db.SaveChangesAsync(cancellationToken);
        return rules.Count;
    }

    /// <summary>What a rule's content does not carry; null for a Sigma rule without a noise budget (its YAML says everything).</summary>
    private static RuleMetaFile? MetaOf(DetectionRule rule, List<string> tags) => rule.Format == RuleFormat.Native
        ? new RuleMetaFile(rule.Id, rule.Title, rule.Description, rule.Level, tags.Order(StringComparer.Ordinal).ToList(),
            RuleService.Lines(rule.References), RuleService.Lines(rule.FalsePositives), rule.NoiseExpectedPerDay, rule.NoiseMaxPerDay)
        : rule.NoiseExpectedPerDay is null && rule.NoiseMaxPerDay is null ? null
        : new RuleMetaFile(NoiseExpectedPerDay: rule.NoiseExpectedPerDay, NoiseMaxPerDay: rule.NoiseMaxPerDay);

    private static async Task WriteSideFileAsync<T>(ZipArchive archive, string path, T value, CancellationToken cancellationToken)
    {
        var side = archive.CreateEntry(path, CompressionLevel.Optimal);
        await using var stream = await side.OpenAsync(cancellationToken);
        await JsonSerializer.SerializeAsync(stream, value, SideFileJson, cancellationToken);
    }

    /// <summary>The side files of one kind in a zip, keyed by the path of the rule they belong to (without extension).</summary>
    private static async Task<Dictionary<string, byte[]>> ReadSideFilesAsync(ZipArchive archive, string suffix, long maxBytes, CancellationToken cancellationToken)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var entry in archive.Entries.Where(e => e.FullName.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && e.Length <= maxBytes))
        {
            await using var stream = await entry.OpenAsync(cancellationToken);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken);
            files[entry.FullName[..^suffix.Length]] = buffer.ToArray();
        }

        return files;
    }

    /// <summary>Adds or replaces (by name) the cases of a tests side file; returns a note when the file is not usable.</summary>
    private static async Task<(string? Note, bool Changed)> ImportTestsAsync(AppDbContext db, Guid ruleId, Guid companyId, byte[] json, DateTime now, CancellationToken cancellationToken)
    {
        List<TestCaseFile>? cases;
        try
        {
            cases = JsonSerializer.Deserialize<List<TestCaseFile>>(json, SideFileJson);
        }
        catch (JsonException ex)
        {
            return ($"The tests side file was ignored: it is not valid JSON at line {(ex.LineNumber ?? 0) + 1}.", false);
        }

        // Cases already stored, and any added earlier in this import (not saved yet).
        var existing = (await db.RuleTestCases.Where(c => c.RuleId == ruleId).ToListAsync(cancellationToken))
            .Union(db.RuleTestCases.Local.Where(c => c.RuleId == ruleId))
            .ToList();
        var (invalid, overLimit, changed) = (0, 0, false);
        foreach (var testCase in cases ?? [])
        {
            if (string.IsNullOrWhiteSpace(testCase.Name) || testCase.Name.Trim().Length > 100 || RuleTester.CheckEvents(testCase.Events ?? "") is not null)
            {
                invalid++;
                continue;
            }

            var row = existing.FirstOrDefault(c => c.Name == testCase.Name.Trim());
            if (row is null)
            {
                // The same limit as the editor's: a side file cannot grow a rule past it.
                if (existing.Count >= RuleTestService.MaxCasesPerRule)
                {
                    overLimit++;
                    continue;
                }

                row = new RuleTestCase { Id = Guid.CreateVersion7(), CompanyId = companyId, RuleId = ruleId, Name = testCase.Name.Trim(), Events = testCase.Events! };
                db.RuleTestCases.Add(row);
                existing.Add(row);
            }

            var expectedCount = testCase.Expectation == TestExpectation.Alert ? testCase.ExpectedCount : null;
            if (db.Entry(row).State == EntityState.Added || row.Expectation != testCase.Expectation || row.ExpectedCount != expectedCount || row.Events != testCase.Events)
            {
                row.Expectation = testCase.Expectation;
                row.ExpectedCount = expectedCount;
                row.Events = testCase.Events!;
                row.UpdatedAt = now;
                changed = true;
            }
        }

        var notes = new List<string>();
        if (invalid > 0)
            notes.Add($"{invalid} test case(s) of the side file were skipped: each needs a name of at most 100 characters and valid JSON events.");
        if (overLimit > 0)
            notes.Add($"{overLimit} test case(s) of the side file were skipped: a rule can have at most {RuleTestService.MaxCasesPerRule} test cases.");
        return (notes.Count == 0 ? null : string.Join(" ", notes), changed);
    }

    /// <summary>What importing one file did: its line of the summary, the rule it landed on, and whether a version was appended.</summary>
    private sealed record ImportedRule(ImportedFile Result, DetectionRule? Rule = null, bool Appended = false);

    private async Task<ImportedRule> ImportOneAsync(AppDbContext db, ImportFile file, string sourceName, Guid companyId, Actor actor,
        Dictionary<string, DetectionRule> existing, Dictionary<Guid, DetectionRule> natives, Dictionary<Guid, string> latestHashes, DateTime now,
        CancellationToken cancellationToken)
    {
        if (file.Content.Length == 0 || file.Content.Length > RuleAnalyzer.MaxContentLength)
        {
            return new(Rejected(file, file.Content.Length == 0
                ? "The file is empty."
                : $"The file is larger than a rule may be ({RuleAnalyzer.MaxContentLength / 1024} KiB)."));
        }

        string content;
        try
        {
            content = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(file.Content).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            return new(Rejected(file, "The file is not UTF-8 text."));
        }

        RuleMetaFile? meta = null;
        try
        {
            meta = file.Meta is null ? null : JsonSerializer.Deserialize<RuleMetaFile>(file.Meta, SideFileJson);
        }
        catch (JsonException ex)
        {
            return new(Rejected(file, $"Its {MetaSuffix} side file is not valid JSON at line {(ex.LineNumber ?? 0) + 1}."));
        }

        if (RuleDetailsRules.CheckNoiseBudget(meta?.NoiseExpectedPerDay, meta?.NoiseMaxPerDay) is { } noise)
            return new(Rejected(file, $"Its {MetaSuffix} side file: {noise.Message}"));
        var language = NativeLanguageOf(file.Path);
        var native = language is null ? null : new NativeMetadata(
            string.IsNullOrWhiteSpace(meta?.Title) ? Path.GetFileNameWithoutExtension(file.Path).Replace('_', ' ') : meta.Title,
            meta?.Description, meta?.Level ?? "medium", meta?.Tags, meta?.References, meta?.FalsePositives);
        if (native is not null && RuleDetailsRules.CheckNativeMetadata(native) is { } invalid)
            return new(Rejected(file, $"Its {MetaSuffix} side file: {invalid.Message}"));

        var analysis = RuleAnalyzer.Analyze(language is null ? RuleFormat.Sigma : RuleFormat.Native, language, content, native, evaluation.Value.Validation);
        if (analysis.HasErrors)
            return new(new ImportedFile(file.Path, ImportOutcome.Rejected, null, null, $"{analysis.ErrorCount} error(s); fix them and import again.", analysis.Diagnostics.Where(d => d.IsError).ToList()));

        var source = new RuleSource(sourceName, file.Path, Convert.ToHexStringLower(SHA256.HashData(file.Content)));
        var hash = RuleService.Sha256(content);
        var rule = language is null
            ? analysis.SigmaId is { } sigmaId ? existing.GetValueOrDefault(sigmaId) : null
            : meta?.Id is { } id ? natives.GetValueOrDefault(id) : null;
        if (rule?.ArchivedAt is not null)
            return new(Rejected(file, $"It is the archived rule '{rule.Title}'. An Admin can restore that rule from the library's archive; then import again."));
        if (rule is not null)
        {
            var noiseChanged = ApplyNoiseBudget(rule, meta);
            if (latestHashes.TryGetValue(rule.Id, out var latest) && latest == hash)
            {
                // Same query; a native rule's details may still have changed in the side file.
                var detailsChanged = native is not null && !SameDetails(rule, analysis);
                if (detailsChanged)
                    RuleService.Describe(rule, analysis, content, now);
                return new(detailsChanged || noiseChanged
                    ? new ImportedFile(file.Path, ImportOutcome.Updated, rule.Id, rule.LatestVersion, "The content is unchanged; its details were updated.", [])
                    : new ImportedFile(file.Path, ImportOutcome.Unchanged, rule.Id, rule.LatestVersion, null, []), rule, Appended: false);
            }

            var version = await VersionAppender.AppendAsync(db, rule, content, analysis, $"Imported from {sourceName}", source, actor, now, cancellationToken);
            latestHashes[rule.Id] = hash;
            return new(new ImportedFile(file.Path, ImportOutcome.Updated, rule.Id, version.Number, null, []), rule, Appended: true);
        }

        var created = new DetectionRule
        {
            Id = Guid.CreateVersion7(),
            CompanyId = companyId,
            Format = language is null ? RuleFormat.Sigma : RuleFormat.Native,
            Language = language,
            Title = analysis.Title,
            OwnerUserId = actor.UserId,
            OwnerName = actor.Name,
            CreatedAt = now,
        };
        db.DetectionRules.Add(created);
        ApplyNoiseBudget(created, meta);
        var first = await VersionAppender.AppendAsync(db, created, content, analysis, $"Imported from {sourceName}", source, actor, now, cancellationToken);
        if (analysis.SigmaId is { } newId)
            existing[newId] = created;
        latestHashes[created.Id] = hash;
        return new(new ImportedFile(file.Path, ImportOutcome.Imported, created.Id, first.Number, null, []), created, Appended: true);
    }

    /// <summary>Takes the side file's noise budget when it has one; says whether anything changed.</summary>
    private static bool ApplyNoiseBudget(DetectionRule rule, RuleMetaFile? meta)
    {
        if (meta?.NoiseExpectedPerDay is null && meta?.NoiseMaxPerDay is null)
            return false;
        var changed = rule.NoiseExpectedPerDay != meta.NoiseExpectedPerDay || rule.NoiseMaxPerDay != meta.NoiseMaxPerDay;
        (rule.NoiseExpectedPerDay, rule.NoiseMaxPerDay) = (meta.NoiseExpectedPerDay, meta.NoiseMaxPerDay);
        return changed;
    }

    private static bool SameDetails(DetectionRule rule, RuleAnalysis analysis) =>
        rule.Title == analysis.Title && rule.Description == analysis.Description && rule.Level == analysis.Level
        && rule.Tags.Select(t => t.Tag).Order(StringComparer.Ordinal).SequenceEqual(analysis.Tags.Order(StringComparer.Ordinal))
        && RuleService.Lines(rule.References).SequenceEqual(analysis.References) && RuleService.Lines(rule.FalsePositives).SequenceEqual(analysis.FalsePositives);

    private static ImportedFile Rejected(ImportFile file, string reason) => new(file.Path, ImportOutcome.Rejected, null, null, reason, []);

    /// <summary>Sigma YAML, or a native query named by its language (<c>.spl</c>, <c>.kql</c>, <c>.lucene</c>, <c>.esql</c>, <c>.eql</c>).</summary>
    internal static bool IsRuleFile(string path) =>
        path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || NativeLanguageOf(path) is not null;

    private static bool IsSideFile(string path) =>
        path.EndsWith(TestsSuffix, StringComparison.OrdinalIgnoreCase) || path.EndsWith(MetaSuffix, StringComparison.OrdinalIgnoreCase);

    private static NativeLanguage? NativeLanguageOf(string path) =>
        NativeExtensions.TryGetValue(Path.GetExtension(path), out var language) ? language : null;

    /// <summary>False for absolute paths, drive letters and any <c>..</c> segment: entries that would land outside the import's root.</summary>
    internal static bool IsInsideRoot(string entryPath)
    {
        var path = entryPath.Replace('\\', '/');
        if (path.StartsWith('/') || (path.Length > 1 && path[1] == ':'))
            return false;
        return !path.Split('/').Any(segment => segment == "..");
    }

    private static string FileNameFor(string title)
    {
        var name = new string(title.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray()).Trim('_');
        while (name.Contains("__", StringComparison.Ordinal))
            name = name.Replace("__", "_", StringComparison.Ordinal);
        return name.Length == 0 ? "rule" : name[..Math.Min(name.Length, 70)];
    }

    private static string UniqueName(HashSet<string> used, string stem, string extension)
    {
        var name = $"{stem}.{extension}";
        for (var i = 2; !used.Add(name); i++)
            name = $"{stem}_{i}.{extension}";
        return name;
    }
}
