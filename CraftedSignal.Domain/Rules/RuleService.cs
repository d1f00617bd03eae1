using System.Security.Cryptography;
using System.Text;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Domain.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Domain.Rules;

/// <summary>A new rule as its author submits it.</summary>
public sealed record RuleDraft(RuleFormat Format, string Content, NativeLanguage? Language = null, string? Title = null, string? Message = null);

/// <summary>Provenance of imported content, kept on the version.</summary>
public sealed record RuleSource(string Name, string? Url, string? Sha256);

public sealed record SavedRule(Guid RuleId, int Version, bool Created, bool Unchanged, RuleAnalysis Analysis);

public sealed record RuleVersionView(Guid Id, int Number, string ContentSha256, string AuthorName, DateTime CreatedAt, string? Message, string? SourceName, string? SourceUrl,
    string? RecordedByName = null);

public sealed record RuleDetails(
    Guid Id,
    RuleFormat Format,
    NativeLanguage? Language,
    string Title,
    string? Description,
    string Level,
    string? Status,
    RuleLifecycle Lifecycle,
    string? OwnerUserId,
    string OwnerName,
    int? NoiseExpectedPerDay,
    int? NoiseMaxPerDay,
    int LatestVersion,
    string Content,
    bool HasErrors,
    RuleTestStatus TestStatus,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> References,
    IReadOnlyList<string> FalsePositives,
    IReadOnlyList<RuleVersionView> Versions,
    DateTime? ArchivedAt = null,
    string? ArchivedBy = null);

public sealed record RuleOwnerOption(string UserId, string Name);

/// <summary>
/// The details of a rule that are not in its content: who owns it and its noise budget; for a native rule also the
/// metadata a query cannot carry (a Sigma rule's metadata is edited in its YAML).
/// </summary>
public sealed record RuleDetailsChange(string? OwnerUserId, int? NoiseExpectedPerDay, int? NoiseMaxPerDay, NativeMetadata? Native = null);

/// <summary>Creating, saving (as immutable versions), moving through the lifecycle and deleting the current company's rules.</summary>
public sealed class RuleService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, TimeProvider time, Jobs.IWorkQueue queue,
    IOptions<EvaluationOptions> evaluation)
{
    public async Task<Result<SavedRule>> CreateAsync(RuleDraft draft, RuleSource? source = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Author, cancellationToken);
        if (!access.Succeeded)
            return access.Error;

        var analysis = RuleAnalyzer.Analyze(draft.Format, draft.Language, draft.Content, draft.Format == RuleFormat.Native ? new NativeMetadata(draft.Title) : null, evaluation.Value.Validation);
        var now = time.GetUtcNow().UtcDateTime;
        var rule = new DetectionRule
        {
            Id = Guid.CreateVersion7(),
            CompanyId = access.Value.CompanyId,
            Format = draft.Format,
            Language = draft.Format == RuleFormat.Native ? draft.Language ?? NativeLanguage.Spl : null,
            Title = analysis.Title,
            OwnerUserId = access.Value.UserId,
            OwnerName = tenant.UserName,
            CreatedAt = now,
        };
        db.DetectionRules.Add(rule);
        var version = await VersionAppender.AppendAsync(db, rule, draft.Content, analysis, draft.Message, source, tenant.ToActor(), now, cancellationToken);
        db.Audit(tenant.ToActor(), rule.CompanyId, AuditActions.RuleCreated, now, "rule", rule.Id.ToString(),
            new { title = rule.Title, version = version.Number, sha256 = version.ContentSha256, errors = analysis.ErrorCount, source = source?.Name });
        await db.SaveChangesAsync(cancellationToken);
        return new SavedRule(rule.Id, version.Number, Created: true, Unchanged: false, analysis);
    }

    /// <summary>
    /// Saves <paramref name="content"/> as a new version if the rule is still at <paramref name="basedOnVersion"/>;
    /// otherwise says who saved in between. Content with errors is saved too (nothing typed is lost), as a rule with errors.
    /// </summary>
    public async Task<Result<SavedRule>> SaveAsync(Guid ruleId, string content, int basedOnVersion, string? message = null, RuleSource? source = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Author, cancellationToken);
        if (!access.Succeeded)
            return access.Error;

        var rule = await db.DetectionRules.Include(r => r.Tags).FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        if (rule is null)
            return new NotFound("The rule");
        if (rule.ArchivedAt is not null)
            return new RuleArchived(rule.Title);
        var latest = await db.RuleVersions.Where(v => v.RuleId == ruleId).OrderByDescending(v => v.Number).FirstAsync(cancellationToken);
        var analysis = RuleAnalyzer.Analyze(rule.Format, rule.Language, content, NativeMetadataOf(rule), evaluation.Value.Validation);
        if (Sha256(content) == latest.ContentSha256)
            return new SavedRule(rule.Id, latest.Number, Created: false, Unchanged: true, analysis);
        if (latest.Number != basedOnVersion)
            return new VersionConflict(latest.Number, latest.AuthorName, latest.CreatedAt);

        var now = time.GetUtcNow().UtcDateTime;
        var actor = tenant.ToActor();
        var version = await VersionAppender.AppendAsync(db, rule, content, analysis, message, source, actor, now, cancellationToken);
        db.Audit(actor, rule.CompanyId, AuditActions.RuleEdited, now, "rule", rule.Id.ToString(),
            new { title = rule.Title, version = version.Number, previous = latest.Number, sha256 = version.ContentSha256, errors = analysis.ErrorCount, message, author = version.AuthorName });

        // Every save runs the rule's tests against the new version, recorded in the same transaction as the version.
        var testRun = await VersionAppender.AddTestRunAsync(db, rule, actor, now, cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another save may have taken the same version number at the same moment (unique RuleId+Number).
            await using var check = await dbFactory.CreateDbContextAsync(CancellationToken.None);
            var winner = await check.RuleVersions.AsNoTracking().Where(v => v.RuleId == ruleId).OrderByDescending(v => v.Number).FirstAsync(CancellationToken.None);
            if (winner.Number < version.Number)
                throw;
            return new VersionConflict(winner.Number, winner.AuthorName, winner.CreatedAt);
        }

        if (testRun is { } run)
            queue.Enqueue(run);
        return new SavedRule(rule.Id, version.Number, Created: false, Unchanged: false, analysis);
    }

    public async Task<Result> ChangeLifecycleAsync(Guid ruleId, RuleLifecycle to, string? reason = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Author, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var rule = await db.DetectionRules.FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        if (rule is null)
            return new NotFound("The rule");
        if (rule.ArchivedAt is not null)
            return new RuleArchived(rule.Title);
        if (rule.Lifecycle == to)
            return Result.Ok();
        if (!RuleLifecycleTransitions.IsAllowed(rule.Lifecycle, to))
            return new TransitionNotAllowed(rule.Lifecycle, to);
        if (RuleLifecycleTransitions.IsLive(to) && rule.HasErrors)
            return new RuleHasErrors(rule.ErrorCount);

        var now = time.GetUtcNow().UtcDateTime;
        db.Audit(tenant.ToActor(), rule.CompanyId, AuditActions.RuleLifecycleChanged, now, "rule", rule.Id.ToString(),
            new { title = rule.Title, before = rule.Lifecycle.ToString(), after = to.ToString(), reason });
        rule.Lifecycle = to;
        rule.UpdatedAt = now;

        // Killing a rule takes it off every target it runs on, in the same transaction as the kill.
        var removals = to == RuleLifecycle.Killed ? await Deployments.DeploymentService.AddRemovalsEverywhereAsync(db, tenant.ToActor(), rule, now, cancellationToken) : [];
        await db.SaveChangesAsync(cancellationToken);
        foreach (var removal in removals)
            queue.Enqueue(removal);
        return Result.Ok();
    }

    /// <summary>Changes the owner, the noise budget and (native rules) the metadata; audited with what changed.</summary>
    public async Task<Result> UpdateDetailsAsync(Guid ruleId, RuleDetailsChange change, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Author, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var rule = await db.DetectionRules.Include(r => r.Tags).FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        if (rule is null)
            return new NotFound("The rule");
        if (rule.ArchivedAt is not null)
            return new RuleArchived(rule.Title);
        if (RuleDetailsRules.CheckNoiseBudget(change.NoiseExpectedPerDay, change.NoiseMaxPerDay) is { } noise)
            return noise;
        if (change.Native is not null && rule.Format != RuleFormat.Native)
            return new Invalid("Metadata", "A Sigma rule's title, description, level, tags, references and false positives live in its YAML: edit them there.");
        if (change.Native is not null && RuleDetailsRules.CheckNativeMetadata(change.Native) is { } metadata)
            return metadata;

        var owner = change.OwnerUserId is null ? null : await db.Memberships.Where(m => m.CompanyId == access.Value.CompanyId && m.UserId == change.OwnerUserId)
            .Select(m => new { m.Role, Name = m.User!.DisplayName }).FirstOrDefaultAsync(cancellationToken);
        if (change.OwnerUserId is not null && (owner is null || !owner.Role.Allows(Permission.Author)))
            return new Invalid("Owner", "The owner must be a member of this company who can edit rules (Owner, Admin or User).");

        var before = Snapshot(rule);
        rule.OwnerUserId = change.OwnerUserId;
        rule.OwnerName = owner?.Name ?? "";
        rule.NoiseExpectedPerDay = change.NoiseExpectedPerDay;
        rule.NoiseMaxPerDay = change.NoiseMaxPerDay;
        var now = time.GetUtcNow().UtcDateTime;
        if (change.Native is not null)
        {
            var content = await db.RuleVersions.Where(v => v.RuleId == ruleId && v.Number == rule.LatestVersion).Select(v => v.Content).FirstAsync(cancellationToken);
            Describe(rule, RuleAnalyzer.Analyze(rule.Format, rule.Language, content, change.Native, evaluation.Value.Validation), content, now);
        }

        var after = Snapshot(rule);
        var changed = before.Where(b => !Equals(b.Value, after[b.Key])).Select(b => b.Key).ToList();
        if (changed.Count == 0)
            return Result.Ok();
        rule.UpdatedAt = now;
        db.Audit(tenant.ToActor(), rule.CompanyId, AuditActions.RuleDetailsChanged, now, "rule", rule.Id.ToString(),
            new { title = rule.Title, changed, before = changed.ToDictionary(k => k, k => before[k]), after = changed.ToDictionary(k => k, k => after[k]) });
        await db.SaveChangesAsync(cancellationToken);
        return Result.Ok();
    }

    /// <summary>The members of the current company who can own a rule: those whose role may edit rules.</summary>
    public async Task<Result<IReadOnlyList<RuleOwnerOption>>> ListPossibleOwnersAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var members = await db.Memberships.Where(m => m.CompanyId == access.Value.CompanyId)
            .Select(m => new { m.UserId, m.User!.DisplayName, m.Role }).ToListAsync(cancellationToken);
        return members.Where(m => m.Role.Allows(Permission.Author))
            .Select(m => new RuleOwnerOption(m.UserId, m.DisplayName)).OrderBy(m => m.Name, StringComparer.CurrentCultureIgnoreCase).ToList();
    }

    /// <summary>
    /// Archives a Draft or Killed rule that runs nowhere: it leaves the library, but nothing is deleted. Its versions,
    /// reviews, test runs and deployments are evidence, and the database refuses to delete them.
    /// </summary>
    public async Task<Result> ArchiveAsync(Guid ruleId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Author, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var rule = await db.DetectionRules.FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        if (rule is null)
            return new NotFound("The rule");
        if (rule.ArchivedAt is not null)
            return Result.Ok();
        if (rule.Lifecycle is not (RuleLifecycle.Draft or RuleLifecycle.Killed))
            return new RuleNotArchivable(rule.Lifecycle);
        var runningOn = await db.Deployments.CountAsync(d => d.RuleId == ruleId && d.Live, cancellationToken);
        if (runningOn > 0)
            return new Conflict($"The rule still runs on {runningOn} target(s). Remove it from them (Deploy tab) before archiving it, so nothing runs unmanaged.");

        var now = time.GetUtcNow().UtcDateTime;
        db.Audit(tenant.ToActor(), rule.CompanyId, AuditActions.RuleArchived, now, "rule", rule.Id.ToString(),
            new { title = rule.Title, versions = rule.LatestVersion, lifecycle = rule.Lifecycle.ToString() });
        rule.ArchivedAt = now;
        rule.ArchivedBy = tenant.UserName;
        rule.UpdatedAt = now;
        await Approvals.ApprovalService.SupersedeOlderAsync(db, tenant.ToActor(), rule.Id, rule.CompanyId, int.MaxValue, now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return Result.Ok();
    }

    /// <summary>Brings an archived rule back into the library, as a Draft: only an Owner or Admin.</summary>
    public async Task<Result> UnarchiveAsync(Guid ruleId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Administer, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var rule = await db.DetectionRules.FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        if (rule is null)
            return new NotFound("The rule");
        if (rule.ArchivedAt is null)
            return Result.Ok();
        var now = time.GetUtcNow().UtcDateTime;
        db.Audit(tenant.ToActor(), rule.CompanyId, AuditActions.RuleUnarchived, now, "rule", rule.Id.ToString(),
            new { title = rule.Title, archivedAt = rule.ArchivedAt, archivedBy = rule.ArchivedBy, lifecycle = RuleLifecycle.Draft.ToString() });
        rule.ArchivedAt = null;
        rule.ArchivedBy = null;
        rule.Lifecycle = RuleLifecycle.Draft;
        rule.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return Result.Ok();
    }

    public async Task<Result<RuleDetails>> GetAsync(Guid ruleId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var rule = await db.DetectionRules.AsNoTracking().Include(r => r.Tags).FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        if (rule is null)
            return new NotFound("The rule");
        var versions = await db.RuleVersions.AsNoTracking().Where(v => v.RuleId == ruleId).OrderByDescending(v => v.Number)
            .Select(v => new RuleVersionView(v.Id, v.Number, v.ContentSha256, v.AuthorName, v.CreatedAt, v.Message, v.SourceName, v.SourceUrl, v.RecordedByName))
            .ToListAsync(cancellationToken);
        var content = await db.RuleVersions.Where(v => v.RuleId == ruleId && v.Number == rule.LatestVersion).Select(v => v.Content).FirstAsync(cancellationToken);
        return new RuleDetails(rule.Id, rule.Format, rule.Language, rule.Title, rule.Description, rule.Level, rule.Status, rule.Lifecycle,
            rule.OwnerUserId, rule.OwnerName, rule.NoiseExpectedPerDay, rule.NoiseMaxPerDay, rule.LatestVersion, content, rule.HasErrors, rule.TestStatus,
            rule.Tags.Select(t => t.Tag).Order(StringComparer.Ordinal).ToList(), Lines(rule.References), Lines(rule.FalsePositives), versions,
            rule.ArchivedAt, rule.ArchivedBy);
    }

    /// <summary>The content of one version of a rule of the current company.</summary>
    public async Task<Result<string>> GetVersionContentAsync(Guid ruleId, int number, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var content = await db.RuleVersions.Where(v => v.RuleId == ruleId && v.Number == number).Select(v => v.Content).FirstOrDefaultAsync(cancellationToken);
        return content is null ? new NotFound($"Version {number}") : content;
    }

    /// <summary>Saves an old version's content again, as the newest version; history is never rewritten.</summary>
    public async Task<Result<SavedRule>> RestoreAsync(Guid ruleId, int number, CancellationToken cancellationToken = default)
    {
        var content = await GetVersionContentAsync(ruleId, number, cancellationToken);
        if (!content.Succeeded)
            return content.Error;
        var latest = await GetAsync(ruleId, cancellationToken);
        if (!latest.Succeeded)
            return latest.Error;
        return await SaveAsync(ruleId, content.Value, latest.Value.LatestVersion, $"Restored version {number}", null, cancellationToken);
    }

    public static string Sha256(string content) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    /// <summary>A native rule's metadata as the rule holds it; null for Sigma rules, whose metadata is in their content.</summary>
    internal static NativeMetadata? NativeMetadataOf(DetectionRule rule) => rule.Format != RuleFormat.Native ? null
        : new NativeMetadata(rule.Title, rule.Description, rule.Level, rule.Tags.Select(t => t.Tag).ToList(), Lines(rule.References), Lines(rule.FalsePositives));

    internal static List<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    private static Dictionary<string, object?> Snapshot(DetectionRule rule) => new()
    {
        ["owner"] = rule.OwnerName,
        ["noiseExpectedPerDay"] = rule.NoiseExpectedPerDay,
        ["noiseMaxPerDay"] = rule.NoiseMaxPerDay,
        ["title"] = rule.Title,
        ["description"] = rule.Description,
        ["level"] = rule.Level,
        ["tags"] = string.Join(" ", rule.Tags.Select(t => t.Tag).Order(StringComparer.Ordinal)),
        ["references"] = rule.References,
        ["falsePositives"] = rule.FalsePositives,
    };

    internal static void Describe(DetectionRule rule, RuleAnalysis analysis, string content, DateTime now)
    {
        rule.Title = analysis.Title;
        rule.Description = analysis.Description;
        rule.SigmaId = analysis.SigmaId;
        rule.Level = analysis.Level;
        rule.LevelRank = RuleAnalyzer.LevelRank(analysis.Level);
        rule.Status = analysis.Status;
        rule.LogSourceProduct = analysis.LogSourceProduct;
        rule.LogSourceCategory = analysis.LogSourceCategory;
        rule.LogSourceService = analysis.LogSourceService;
        rule.HasErrors = analysis.HasErrors;
        rule.ErrorCount = analysis.ErrorCount;
        rule.WarningCount = analysis.WarningCount;
        rule.References = string.Join('\n', analysis.References.Select(r => r.Trim()).Where(r => r.Length > 0));
        rule.FalsePositives = string.Join('\n', analysis.FalsePositives.Select(r => r.Trim()).Where(r => r.Length > 0));
        rule.Tags.RemoveAll(t => !analysis.Tags.Contains(t.Tag));
        rule.Tags.AddRange(analysis.Tags.Where(t => rule.Tags.All(existing => existing.Tag != t)).Select(t => new RuleTag { RuleId = rule.Id, CompanyId = rule.CompanyId, Tag = t }));
        rule.SearchText = $"{analysis.Title}\n{analysis.Description}\n{content}".ToLowerInvariant();
        rule.UpdatedAt = now;
    }
}
