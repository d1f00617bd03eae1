using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Dashboard;

/// <summary>The state of the current company as the home page shows it; admin-only parts are null for other roles.</summary>
public sealed record DashboardSummary(
    string CompanyName,
    CompanyRole Role,
    int Members,
    int? PendingInvitations,
    AuditVerification? Audit,
    IReadOnlyList<AuditEntryView>? RecentActivity,
    bool AccountProtected,
    bool SettingsReviewed);

public sealed class DashboardService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, AuditVerifier verifier, TimeProvider time)
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

        if (!role.Allows(Permission.Administer))
            return new(companyName, role, members, null, null, null, user.TwoFactorEnabled || hasPasskey, false);

        var now = time.GetUtcNow().UtcDateTime;
        var pending = await db.Invitations.CountAsync(i => i.CompanyId == companyId && i.AcceptedAt == null && i.RevokedAt == null && i.ExpiresAt > now, cancellationToken);
        var recent = await db.AuditEntries.AsNoTracking()
            .Where(e => e.CompanyId == companyId)
            .OrderByDescending(e => e.Sequence)
            .Take(8)
            .Select(e => new AuditEntryView(e.Sequence, e.Timestamp, e.ActorName, e.Action, e.TargetType, e.TargetId, e.IpAddress))
            .ToListAsync(cancellationToken);
        var reviewed = await db.AuditEntries.AnyAsync(e => e.CompanyId == companyId && e.Action == AuditActions.CompanySettingsChanged, cancellationToken);
        var verification = await verifier.VerifyAsync(companyId, cancellationToken);
        return new(companyName, role, members, pending, verification, recent, user.TwoFactorEnabled || hasPasskey, reviewed);
    }
}
