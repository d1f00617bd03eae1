using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Testing;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Rules;

/// <summary>
/// The one way a rule gets a new version: creating, saving, restoring and importing all come here, so every version gets
/// the same treatment. It keeps the author of content an earlier version already had (a restore, a re-import, a revert)
/// and records who appended it, supersedes open reviews of older versions, and brings the rule's describing columns up to
/// date. The caller then calls <see cref="AddTestRunAsync"/> once the change's test cases are in place, saves, and
/// enqueues the returned work.
/// </summary>
internal static class VersionAppender
{
    public static async Task<RuleVersion> AppendAsync(AppDbContext db, DetectionRule rule, string content, RuleAnalysis analysis, string? message,
        RuleSource? source, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        var hash = RuleService.Sha256(content);
        var isNew = db.Entry(rule).State == EntityState.Added;
        var earlier = isNew ? null : await db.RuleVersions.Where(v => v.RuleId == rule.Id && v.ContentSha256 == hash).OrderBy(v => v.Number)
            .Select(v => new { v.AuthorUserId, v.AuthorName }).FirstOrDefaultAsync(cancellationToken);
        var (authorId, authorName) = earlier is null ? (actor.UserId, actor.Name) : (earlier.AuthorUserId, earlier.AuthorName);
        var recordedByOther = authorId != actor.UserId;
        var version = new RuleVersion
        {
            Id = Guid.CreateVersion7(new DateTimeOffset(now, TimeSpan.Zero)),
            RuleId = rule.Id,
            CompanyId = rule.CompanyId,
            Number = rule.LatestVersion + 1,
            Content = content,
            ContentSha256 = hash,
            AuthorUserId = authorId,
            AuthorName = authorName,
            RecordedByUserId = recordedByOther ? actor.UserId : null,
            RecordedByName = recordedByOther ? actor.Name : null,
            CreatedAt = now,
            Message = string.IsNullOrWhiteSpace(message) ? null : message.Trim(),
            SourceName = source?.Name,
            SourceUrl = source?.Url,
            SourceSha256 = source?.Sha256,
        };
        db.RuleVersions.Add(version);
        RuleService.Describe(rule, analysis, content, now);
        rule.LatestVersion = version.Number;
        rule.TestStatus = RuleTestStatus.None;
        if (!isNew)
            await ApprovalService.SupersedeOlderAsync(db, actor, rule.Id, rule.CompanyId, version.Number, now, cancellationToken);
        return version;
    }

    /// <summary>
    /// Records a run of the rule's test cases (stored, or added in this change) against its latest version when it has
    /// cases and no errors; returns the work to enqueue after the caller has saved, or null when there is nothing to run.
    /// </summary>
    public static async Task<Guid?> AddTestRunAsync(AppDbContext db, DetectionRule rule, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        if (rule.HasErrors)
            return null;
        var hasCases = db.RuleTestCases.Local.Any(c => c.RuleId == rule.Id && db.Entry(c).State != EntityState.Deleted)
            || (db.Entry(rule).State != EntityState.Added && await db.RuleTestCases.AnyAsync(c => c.RuleId == rule.Id, cancellationToken));
        return hasCases ? RuleTestService.AddRun(db, rule, actor, now) : null;
    }
}
