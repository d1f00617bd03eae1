using System.Text.Json;
using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Targets;

/// <summary>The target did not take the change: the reason, as the connector or the target put it.</summary>
public sealed record TargetRefused(string Reason) : Error(Reason, ErrorKind.Conflict);

/// <summary>
/// One kind of target's connector. Deployments go through it, and so does everything else that talks to a SIEM: reading
/// back what is deployed (drift), its health, live tests. Every call takes the stored target; the connector gets its
/// settings (secrets decrypted for that call only).
/// </summary>
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

    /// <summary>The rule as the target holds it now, or null when it is not there.</summary>
    Task<Result<DeployedRule?>> ReadAsync(SiemTarget target, Guid ruleId, CancellationToken cancellationToken);

    /// <summary>Every rule on the target that CraftedSignal deployed (by its name and its marker), whoever changed it since.</summary>
    Task<Result<IReadOnlyList<DeployedRule>>> ListAsync(SiemTarget target, CancellationToken cancellationToken);

    /// <summary>
    /// What the target holds for the rule next to what deploying <paramref name="ruleContent"/> (the version deployed)
    /// sets, setting by setting: drift. A read error is an error, never a difference.
    /// </summary>
    Task<Result<DeployedComparison>> CompareAsync(SiemTarget target, Guid ruleId, string ruleContent, CancellationToken cancellationToken);

    /// <summary>Whether the target answers, and how fast.</summary>
    Task<Result<TargetHealth>> HealthAsync(SiemTarget target, CancellationToken cancellationToken);

    /// <summary>
    /// Sends <paramref name="events"/> to the target's test place, then runs the rule's query over exactly those events
    /// through the target's search API; <see cref="LiveTestsUnsupported"/> where the target cannot.
    /// </summary>
    Task<Result<LiveTestResult>> LiveTestAsync(SiemTarget target, string ruleContent, IReadOnlyList<JsonElement> events, CancellationToken cancellationToken);
}
