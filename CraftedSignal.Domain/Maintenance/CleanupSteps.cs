using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Domain.Maintenance;

/// <summary>Deletes invitations that expired unaccepted, or were revoked, longer ago than the retention.</summary>
public sealed class PurgeExpiredInvitations(IDbContextFactory<AppDbContext> dbFactory, IOptions<MaintenanceOptions> options) : ICleanupStep
{
    public string Name => "expired invitations";

    public async Task<int> RunAsync(DateTime now, CancellationToken cancellationToken)
    {
        var cutoff = now.AddDays(-options.Value.ExpiredInvitationRetentionDays);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stale = await db.Invitations.IgnoreQueryFilters()
            .Where(i => i.AcceptedAt == null && (i.ExpiresAt < cutoff || i.RevokedAt < cutoff))
            .ToListAsync(cancellationToken);
        foreach (var company in stale.GroupBy(i => i.CompanyId))
        {
            db.Invitations.RemoveRange(company);
            db.Audit(Actor.System, company.Key, AuditActions.InvitationsPurged, now, "invitation", null,
                new { count = company.Count(), emails = company.Select(i => i.Email).Order().ToArray(), cutoff });
        }

        await db.SaveChangesAsync(cancellationToken);
        return stale.Count;
    }
}

/// <summary>Deletes finished background work records older than the retention.</summary>
public sealed class PurgeFinishedWork(IDbContextFactory<AppDbContext> dbFactory, IOptions<MaintenanceOptions> options) : ICleanupStep
{
    public string Name => "finished work records";

    public async Task<int> RunAsync(DateTime now, CancellationToken cancellationToken)
    {
        var cutoff = now.AddDays(-options.Value.FinishedWorkRetentionDays);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.WorkItems.IgnoreQueryFilters()
            .Where(w => (w.Status == WorkStatus.Succeeded || w.Status == WorkStatus.Failed) && w.FinishedAt < cutoff)
            .ExecuteDeleteAsync(cancellationToken);
    }
}
