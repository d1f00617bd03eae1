namespace CraftedSignal.Domain.Targets;

/// <summary>What a connector made of a deployment: the query as the target runs it, or why it could not.</summary>
public sealed record ConnectorResult(bool Succeeded, string? CompiledQuery, string? Error);

/// <summary>One kind of target's connector. Deployments go through it; nothing else talks to a SIEM.</summary>
public interface ITargetConnector
{
    TargetKind Kind { get; }

    /// <summary>Deploys a rule version's content under the rule's id; the same operation id acts at most once, so a retried job cannot duplicate a rule.</summary>
    Task<ConnectorResult> DeployAsync(SiemTarget target, Guid ruleId, string ruleContent, Guid operationId, CancellationToken cancellationToken);

    /// <summary>Takes the rule off the target; removing a rule that is not there succeeds.</summary>
    Task<ConnectorResult> RemoveAsync(SiemTarget target, Guid ruleId, Guid operationId, CancellationToken cancellationToken);
}
