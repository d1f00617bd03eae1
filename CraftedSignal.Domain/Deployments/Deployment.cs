using CraftedSignal.Domain.Tenancy;

namespace CraftedSignal.Domain.Deployments;

public enum DeploymentAction
{
    /// <summary>Send a version to the target, replacing whatever version of the rule ran there.</summary>
    Deploy,

    /// <summary>Take the rule off the target.</summary>
    Remove,
}

/// <summary>How the operation went; whether the rule runs on the target now is <see cref="Deployment.Live"/>.</summary>
public enum DeploymentStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,

    /// <summary>Not attempted: an earlier target of its atomic deployment failed, so this one was never changed.</summary>
    Cancelled,
}

/// <summary>
/// One operation on one target: an approved rule version deployed to it, or the rule removed from it. Its id is the id
/// of the durable work that carries it out, and the key the connector uses so that a retried job acts only once.
/// A deployment to several targets at once is one operation per target sharing a <see cref="BatchId"/>; an atomic one
/// runs them one after another (<see cref="Sequence"/>) and, if one fails, returns the targets already changed to what
/// they ran before, with operations of their own (<see cref="UndoesId"/>).
/// </summary>
public sealed class Deployment : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public Guid RuleId { get; set; }

    public DeploymentAction Action { get; set; }

    public int RuleVersion { get; set; }

    public Guid TargetId { get; set; }

    /// <summary>SHA-256 of the version's content, so drift and audits can tell exactly what was sent.</summary>
    public required string ContentSha256 { get; set; }

    /// <summary>The query as the target runs it, once deployed.</summary>
    public string? CompiledQuery { get; set; }

    public DeploymentStatus Status { get; set; }

    /// <summary>This deployment's version runs on the target now (at most one per rule and target).</summary>
    public bool Live { get; set; }

    public required string RequestedBy { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    public DateTime? StartedAt { get; set; }

    public string? Error { get; set; }

    /// <summary>The request this operation is part of when it deployed to several targets at once; null for one target.</summary>
    public Guid? BatchId { get; set; }

    /// <summary>Part of an atomic deployment: its targets change one after another, and all return if one fails.</summary>
    public bool Atomic { get; set; }

    /// <summary>Its place in an atomic deployment, from 0; the next one starts when this one succeeds.</summary>
    public int Sequence { get; set; }

    /// <summary>The deployment that ran on the target before this one succeeded (and stopped running then); null if none did.</summary>
    public Guid? ReplacedId { get; set; }

    /// <summary>This operation returns the target to what ran before that deployment of a failed atomic deployment.</summary>
    public Guid? UndoesId { get; set; }
}
