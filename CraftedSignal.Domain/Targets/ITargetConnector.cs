using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Targets;

/// <summary>The target did not take the change: the reason, as the connector or the target put it.</summary>
public sealed record TargetRefused(string Reason) : Error(Reason, ErrorKind.Conflict);

/// <summary>One kind of target's connector. Deployments go through it; nothing else talks to a SIEM.</summary>
public interface ITargetConnector
{
    TargetKind Kind { get; }

    /// <summary>Deploys a rule version's content under the rule's id; the same operation id acts at most once, so a retried job cannot duplicate a rule.</summary>
    /// <returns>The query as the target runs it.</returns>
    Task<Result<string>> DeployAsync(SiemTarget target, Guid ruleId, string ruleContent, Guid operationId, CancellationToken cancellationToken);

    /// <summary>Takes the rule off the target; removing a rule that is not there succeeds.</summary>
    Task<Result> RemoveAsync(SiemTarget target, Guid ruleId, Guid operationId, CancellationToken cancellationToken);

    /// <summary>
    /// What a deployment of the content would send, without sending it (a dry run): the query as the target would run it,
    /// or the refusal a deployment would meet before reaching the target; null when this connector cannot tell in advance.
    /// </summary>
    Task<Result<string?>> PreviewAsync(SiemTarget target, Guid ruleId, string ruleContent, CancellationToken cancellationToken) =>
        Task.FromResult(Result<string?>.None);
}
