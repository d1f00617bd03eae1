using CraftedSignal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Audit;

public sealed record AuditEntryView(long Sequence, DateTime Timestamp, string ActorName, string Action, string? TargetType, string? TargetId, string? IpAddress);

/// <summary>Writes stand-alone audit events (sign-in, sign-out) and reads recent activity of the current company.</summary>
public sealed class AuditTrail(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time)
{
    public async Task RecordAsync(Actor actor, Guid? companyId, string action, string? targetType = null, string? targetId = null, object? details = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.Audit(actor, companyId, action, time.GetUtcNow().UtcDateTime, targetType, targetId, details);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The latest entries of the company the context is scoped to (the tenant filter applies).</summary>
    public async Task<IReadOnlyList<AuditEntryView>> RecentAsync(int count, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.AuditEntries.AsNoTracking()
            .OrderByDescending(e => e.Id)
            .Take(count)
            .Select(e => new AuditEntryView(e.Sequence, e.Timestamp, e.ActorName, e.Action, e.TargetType, e.TargetId, e.IpAddress))
            .ToListAsync(cancellationToken);
    }
}
