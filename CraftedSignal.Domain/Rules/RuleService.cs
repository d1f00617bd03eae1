using System.Security.Cryptography;
using System.Text;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Domain.Testing;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Rules;

/// <summary>A new rule as its author submits it.</summary>
public sealed record RuleDraft(RuleFormat Format, string Content, NativeLanguage? Language = null, string? Title = null, string? Message = null);

/// <summary>Provenance of imported content, kept on the version.</summary>
public sealed record RuleSource(string Name, string? Url, string? Sha256);

public sealed record SavedRule(Guid RuleId, int Version, bool Created, bool Unchanged, RuleAnalysis Analysis);

public sealed record RuleVersionView(Guid Id, int Number, string ContentSha256, string AuthorName, DateTime CreatedAt, string? Message, string? SourceName, string? SourceUrl);

public sealed record RuleDetails(
    Guid Id,
    RuleFormat Format,
    NativeLanguage? Language,
    string Title,
    string? Description,
    string Level,
    string? Status,
    RuleLifecycle Lifecycle,
    string OwnerName,
    int? NoiseExpectedPerDay,
    int? NoiseMaxPerDay,
    int LatestVersion,
    string Content,
    bool HasErrors,
    RuleTestStatus TestStatus,
    IReadOnlyList<string> Tags,
    IReadOnlyList<RuleVersionView> Versions);

/// <summary>Creating, saving (as immutable versions), moving through the lifecycle and deleting the current company's rules.</summary>
public sealed class RuleService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, TimeProvider time, RuleTestService tests)
{
    public async Task<Result<SavedRule>> CreateAsync(RuleDraft draft, RuleSource? source = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Author, cancellationToken);
        if (!access.Succeeded)
            return access.Error;

        var analysis = RuleAnalyzer.Analyze(draft.Format, draft.Language, draft.Content, draft.Title);
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
        var version = AddVersion(db, rule, draft.Content, analysis, draft.Message, source, now);
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
        var latest = await db.RuleVersions.Where(v => v.RuleId == ruleId).OrderByDescending(v => v.Number).FirstAsync(cancellationToken);
        var analysis = RuleAnalyzer.Analyze(rule.Format, rule.Language, content, rule.Format == RuleFormat.Native ? rule.Title : null);
        if (Sha256(content) == latest.ContentSha256)
            return new SavedRule(rule.Id, latest.Number, Created: false, Unchanged: true, analysis);
        if (latest.Number != basedOnVersion)
            return new VersionConflict(latest.Number, latest.AuthorName, latest.CreatedAt);

        var now = time.GetUtcNow().UtcDateTime;
        var version = AddVersion(db, rule, content, analysis, message, source, now);
        db.Audit(tenant.ToActor(), rule.CompanyId, AuditActions.RuleEdited, now, "rule", rule.Id.ToString(),
            new { title = rule.Title, version = version.Number, previous = latest.Number, sha256 = version.ContentSha256, errors = analysis.ErrorCount, message });
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

        // Every save runs the rule's tests against the new version.
        if (!analysis.HasErrors && await db.RuleTestCases.AnyAsync(c => c.RuleId == ruleId, cancellationToken))
            await tests.StartRunAsync(ruleId, cancellationToken);
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
        await db.SaveChangesAsync(cancellationToken);
        return Result.Ok();
    }

    public async Task<Result> DeleteAsync(Guid ruleId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Author, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var rule = await db.DetectionRules.FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        if (rule is null)
            return new NotFound("The rule");
        if (rule.Lifecycle is not (RuleLifecycle.Draft or RuleLifecycle.Killed))
            return new RuleNotDeletable(rule.Lifecycle);

        db.Audit(tenant.ToActor(), rule.CompanyId, AuditActions.RuleDeleted, time.GetUtcNow().UtcDateTime, "rule", rule.Id.ToString(),
            new { title = rule.Title, versions = rule.LatestVersion });
        db.DetectionRules.Remove(rule);
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
            .Select(v => new RuleVersionView(v.Id, v.Number, v.ContentSha256, v.AuthorName, v.CreatedAt, v.Message, v.SourceName, v.SourceUrl))
            .ToListAsync(cancellationToken);
        var content = await db.RuleVersions.Where(v => v.RuleId == ruleId && v.Number == rule.LatestVersion).Select(v => v.Content).FirstAsync(cancellationToken);
        return new RuleDetails(rule.Id, rule.Format, rule.Language, rule.Title, rule.Description, rule.Level, rule.Status, rule.Lifecycle,
            rule.OwnerName, rule.NoiseExpectedPerDay, rule.NoiseMaxPerDay, rule.LatestVersion, content, rule.HasErrors, rule.TestStatus,
            rule.Tags.Select(t => t.Tag).Order(StringComparer.Ordinal).ToList(), versions);
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

    private RuleVersion AddVersion(AppDbContext db, DetectionRule rule, string content, RuleAnalysis analysis, string? message, RuleSource? source, DateTime now) =>
        AddVersion(db, rule, content, analysis, message, source, tenant.UserId, tenant.UserName, now);

    /// <summary>Adds the next immutable version and brings the rule's describing columns and tags up to date.</summary>
    internal static RuleVersion AddVersion(AppDbContext db, DetectionRule rule, string content, RuleAnalysis analysis, string? message, RuleSource? source,
        string? authorUserId, string authorName, DateTime now)
    {
        var version = new RuleVersion
        {
            Id = Guid.CreateVersion7(),
            RuleId = rule.Id,
            CompanyId = rule.CompanyId,
            Number = rule.LatestVersion + 1,
            Content = content,
            ContentSha256 = Sha256(content),
            AuthorUserId = authorUserId,
            AuthorName = authorName,
            CreatedAt = now,
            Message = string.IsNullOrWhiteSpace(message) ? null : message.Trim(),
            SourceName = source?.Name,
            SourceUrl = source?.Url,
            SourceSha256 = source?.Sha256,
        };
        db.RuleVersions.Add(version);
        Describe(rule, analysis, content, now);
        rule.LatestVersion = version.Number;
        rule.TestStatus = RuleTestStatus.None;
        rule.Tags.Clear();
        rule.Tags.AddRange(analysis.Tags.Select(t => new RuleTag { RuleId = rule.Id, CompanyId = rule.CompanyId, Tag = t }));
        return version;
    }

    private static void Describe(DetectionRule rule, RuleAnalysis analysis, string content, DateTime now)
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
        rule.SearchText = $"{analysis.Title}\n{analysis.Description}\n{content}".ToLowerInvariant();
        rule.UpdatedAt = now;
    }
}
