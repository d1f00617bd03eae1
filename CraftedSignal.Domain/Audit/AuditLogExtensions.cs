using System.Text.Json;
using System.Text.Json.Serialization;
using CraftedSignal.Domain.Persistence;

namespace CraftedSignal.Domain.Audit;

public static class AuditLogExtensions
{
    // Enums by name: an auditor reads "Everyone", not 2, and the names are stable (never renamed once released).
    private static readonly JsonSerializerOptions DetailsJson = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

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
