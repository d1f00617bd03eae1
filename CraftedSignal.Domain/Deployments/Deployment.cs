using CraftedSignal.Domain.Tenancy;

namespace CraftedSignal.Domain.Deployments;

public enum DeploymentStatus
{
    Queued,
    Deploying,
    Deployed,
    Failed,

    /// <summary>Replaced on its target by a later version of the same rule.</summary>
    Replaced,
}

/// <summary>
/// One approved rule version sent to one target. Its id is the id of the durable work that carries it out; the
/// idempotency key (rule, version, target) stops a retried job from deploying twice.
/// </summary>
public sealed class Deployment : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public Guid RuleId { get; set; }

    public int RuleVersion { get; set; }

    public Guid TargetId { get; set; }

    /// <summary>SHA-256 of the version's content, so drift and audits can tell exactly what was sent.</summary>
    public required string ContentSha256 { get; set; }

    /// <summary>The query as the target runs it, once deployed.</summary>
    public string? CompiledQuery { get; set; }

    public DeploymentStatus Status { get; set; }

    public int Attempts { get; set; }

    public required string IdempotencyKey { get; set; }

    public required string RequestedBy { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    public string? Error { get; set; }
}
