using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Dashboard;

/// <summary>The detection side of the company: its rules, what runs, what fails, and what waits for the viewer's review.</summary>
public sealed record DetectionSummary(int Rules, int LiveRules, int FailingTests, int? WaitingForYourReview)
{
    /// <summary>Alerts the Sandbox targets' rules raised on their sample events: all of them, and those of the last 24 hours.</summary>
    public int Alerts { get; init; }

    public int AlertsLast24Hours { get; init; }

    /// <summary>The demo's sandbox, once "Create a demo" made it.</summary>
    public Guid? DemoTargetId { get; init; }
}

/// <summary>The state of the current company as the home page shows it; admin-only parts are null for other roles.</summary>
public sealed record DashboardSummary(
    string CompanyName,
    CompanyRole Role,
    DetectionSummary Detection,
    int Members,
    int? PendingInvitations,
    AuditCheckView? Audit,
    IReadOnlyList<AuditEntryView>? RecentActivity,
    bool AccountProtected,
    bool SettingsReviewed);

/// <summary>The company's audit trail: how many entries it has, and what the last scheduled verification found (null: not yet run).</summary>
public sealed record AuditCheckView(long Entries, DateTime? CheckedAt, long EntriesChecked, long? FirstBrokenSequence, string? Problem)
{
    public bool IsIntact => FirstBrokenSequence is null;
}

public sealed class DashboardService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, TimeProvider time)
{
    public async Task<DashboardSummary?> GetAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return null;
        var (companyId, userId, role) = access.Value;

        var companyName = await db.Companies.Where(c => c.Id == companyId).Select(c => c.Name).FirstAsync(cancellationToken);
        var members = await db.Memberships.CountAsync(m => m.CompanyId == companyId, cancellationToken);
        var user = await db.Users.Where(u => u.Id == userId).Select(u => new { u.TwoFactorEnabled }).FirstAsync(cancellationToken);
        var hasPasskey = await db.UserPasskeys.AnyAsync(p => p.UserId == userId, cancellationToken);

        var now = time.GetUtcNow().UtcDateTime;
        var detection = await DetectionAsync(db, companyId, userId, role, now, cancellationToken);
        if (!role.Allows(Permission.Administer))
            return new(companyName, role, detection, members, null, null, null, user.TwoFactorEnabled || hasPasskey, false);

        var pending = await db.Invitations.CountAsync(i => i.CompanyId == companyId && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now, cancellationToken);
        var recent = await db.AuditEntries.AsNoTracking()
            .Where(e => e.CompanyId == companyId)
            .OrderByDescending(e => e.Sequence)
            .Take(8)
            .Select(e => new AuditEntryView(e.Sequence, e.Timestamp, e.ActorName, e.Action, e.TargetType, e.TargetId, e.IpAddress))
            .ToListAsync(cancellationToken);
        var reviewed = await db.AuditEntries.AnyAsync(e => e.CompanyId == companyId && e.Action == AuditActions.CompanySettingsChanged, cancellationToken);
        // The chain is verified by scheduled work (re-hashing a long chain takes seconds); the dashboard shows its last result.
        var entries = await db.AuditEntries.LongCountAsync(e => e.CompanyId == companyId, cancellationToken);
        var check = await db.AuditChainChecks.AsNoTracking().FirstOrDefaultAsync(c => c.ChainId == companyId, cancellationToken);
        var audit = new AuditCheckView(entries, check?.CheckedAt, check?.EntriesChecked ?? 0, check?.FirstBrokenSequence, check?.Problem);
        return new(companyName, role, detection, members, pending, audit, recent, user.TwoFactorEnabled || hasPasskey, reviewed);
    }

    private static async Task<DetectionSummary> DetectionAsync(AppDbContext db, Guid companyId, string userId, CompanyRole role, DateTime now, CancellationToken cancellationToken)
    {
        var rules = db.DetectionRules.Where(r => r.CompanyId == companyId && r.ArchivedAt == null);
        var total = await rules.CountAsync(cancellationToken);
        var live = await rules.CountAsync(r => r.Lifecycle == RuleLifecycle.Active || r.Lifecycle == RuleLifecycle.Shadow || r.Lifecycle == RuleLifecycle.Monitoring, cancellationToken);
        var failing = await rules.CountAsync(r => r.TestStatus == RuleTestStatus.Failing, cancellationToken);
        var alerts = new
        {
            Alerts = await db.SandboxAlerts.CountAsync(a => a.CompanyId == companyId, cancellationToken),
            AlertsLast24Hours = await db.SandboxAlerts.CountAsync(a => a.CompanyId == companyId && a.CreatedAt > now.AddHours(-24), cancellationToken),
            DemoTargetId = await db.SiemTargets.Where(t => t.CompanyId == companyId && t.Name == Sandbox.SandboxDemo.TargetName && t.Kind == Targets.TargetKind.Sandbox)
                .Select(t => (Guid?)t.Id).FirstOrDefaultAsync(cancellationToken),
        };
        if (!role.Allows(Permission.Approve))
            return new DetectionSummary(total, live, failing, null) { Alerts = alerts.Alerts, AlertsLast24Hours = alerts.AlertsLast24Hours, DemoTargetId = alerts.DemoTargetId };

        // Open reviews this person may decide, by the rule ApprovalService enforces: not asked for by them, not decided by
        // them yet, and no version since the last approved one (up to the reviewed one) written or recorded by them.
        var waiting = await db.ApprovalRequests.Where(r => r.CompanyId == companyId && r.Status == ApprovalStatus.Pending && r.ExpiresAt > now
                && r.RequestedByUserId != userId
                && !r.Decisions.Any(d => d.ReviewerUserId == userId)
                && !db.RuleVersions.Any(v => v.RuleId == r.RuleId && v.Number <= r.RuleVersion
                    && v.Number > (db.ApprovalRequests.Where(a => a.RuleId == r.RuleId && a.Status == ApprovalStatus.Approved && a.RuleVersion < r.RuleVersion)
                        .Max(a => (int?)a.RuleVersion) ?? 0)
                    && (v.AuthorUserId == userId || v.RecordedByUserId == userId)))
            .CountAsync(cancellationToken);
        return new DetectionSummary(total, live, failing, waiting) { Alerts = alerts.Alerts, AlertsLast24Hours = alerts.AlertsLast24Hours, DemoTargetId = alerts.DemoTargetId };
    }
}
