namespace CraftedSignal.Domain.Audit;

/// <summary>
/// One append-only, hash-chained record of a state change. Each company has its own chain
/// (instance-level events such as a failed sign-in for an unknown email use <see cref="Guid.Empty"/>).
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    /// <summary>The chain this entry belongs to: the company id, or <see cref="Guid.Empty"/> for the instance.</summary>
    public Guid ChainId { get; set; }

    public Guid? CompanyId { get; set; }

    /// <summary>1-based position in the chain.</summary>
    public long Sequence { get; set; }

    /// <summary>UTC, truncated to microseconds so that every supported database stores it exactly.</summary>
    public DateTime Timestamp { get; set; }

    public string? ActorUserId { get; set; }

    public required string ActorName { get; set; }

    public required string Action { get; set; }

    public string? TargetType { get; set; }

    public string? TargetId { get; set; }

    /// <summary>JSON: what changed, with before/after where it applies.</summary>
    public string? Details { get; set; }

    public string? IpAddress { get; set; }

    public string PreviousHash { get; set; } = "";

    public string Hash { get; set; } = "";
}
