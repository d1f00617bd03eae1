using System.Text.Json;
using CraftedSignal.Domain.Persistence;

namespace CraftedSignal.Domain.Audit;

public static class AuditLogExtensions
{
    private static readonly JsonSerializerOptions DetailsJson = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Adds an audit entry to the unit of work: it is sealed into its chain and written by the same
    /// <c>SaveChanges</c> as the change it records, so both land or neither does.
    /// </summary>
    public static AuditEntry Audit(
        this AppDbContext db,
        Actor actor,
        Guid? companyId,
        string action,
        DateTime now,
        string? targetType = null,
        string? targetId = null,
        object? details = null)
    {
        var entry = new AuditEntry
        {
            ChainId = companyId ?? Guid.Empty,
            CompanyId = companyId,
            Timestamp = AuditHasher.Normalize(now),
            ActorUserId = actor.UserId,
            ActorName = actor.Name,
            Action = action,
            TargetType = targetType,
            TargetId = targetId,
            Details = details is null ? null : JsonSerializer.Serialize(details, DetailsJson),
            IpAddress = actor.IpAddress,
        };
        db.AuditEntries.Add(entry);
        return entry;
    }
}
