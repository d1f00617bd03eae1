using CraftedSignal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Audit;

public sealed record AuditEntryView(long Sequence, DateTime Timestamp, string ActorName, string Action, string? TargetType, string? TargetId, string? IpAddress);

/// <summary>Writes stand-alone audit events (sign-in, sign-out), each in its own unit of work.</summary>
public sealed class AuditTrailService(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time)
{
    public async Task RecordAsync(Actor actor, Guid? companyId, string action, string? targetType = null, string? targetId = null, object? details = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.Audit(actor, companyId, action, time.GetUtcNow().UtcDateTime, targetType, targetId, details);
        await db.SaveChangesAsync(cancellationToken);
    }
}
