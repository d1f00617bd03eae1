using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Sandbox;
using CraftedSignal.Domain.Targets;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Deployments;

/// <summary>
/// Carries out a recorded <see cref="Deployment"/> (deploy or remove) through its target's connector. The operation's end
/// (its status, which version is live, the audit entry) commits with the work item's; a refusal by the target, an exception
/// or too many attempts end it as Failed through <see cref="FailAsync"/>; a transient failure of the target (a timeout, a 5xx)
/// puts it back in the queue through <see cref="RetryLaterAsync"/>. On a Sandbox target, a deployment's or removal's end
/// also records the pass that replaces the rule's alerts there (<see cref="SandboxAlertWork"/>).
/// </summary>
public sealed class DeploymentWork(TimeProvider time, IEnumerable<ITargetConnector> connectors) : IWorkHandler
{
    public string Kind => DeploymentService.WorkKind;

    public async Task<Result<string>> ExecuteAsync(WorkItem item, AppDbContext db, CancellationToken cancellationToken)
    {
        var operation = await db.Deployments.FirstAsync(d => d.Id == item.Id, cancellationToken);
        operation.Status = DeploymentStatus.Running;
        await db.SaveChangesAsync(cancellationToken);

        var target = await db.SiemTargets.FirstOrDefaultAsync(t => t.Id == operation.TargetId, cancellationToken);
        var connector = target is null ? null : connectors.FirstOrDefault(c => c.Kind == target.Kind);
        Result<string?> result = target is null ? new TargetRefused("The target no longer exists.")
            : connector is null ? new TargetRefused($"No {target.Kind} connector is installed.")
            : await RunAsync(db, connector, target, operation, cancellationToken);
        if (!result.Succeeded)
            return result.Error is TargetError { Transient: true } ? new TransientFailure(result.Error) : result.Error;

        // At most one version of a rule runs on a target: a deployment replaces it, a removal ends it.
        var previous = await db.Deployments
            .Where(d => d.RuleId == operation.RuleId && d.TargetId == operation.TargetId && d.Live && d.Id != operation.Id)
            .ToListAsync(cancellationToken);
        previous.ForEach(d => d.Live = false);
        operation.Live = operation.Action == DeploymentAction.Deploy;
        operation.CompiledQuery = result.Value;
        Finish(db, operation, target!.Name, DeploymentStatus.Succeeded, null);
        if (target.Kind == TargetKind.Sandbox)
            SandboxAlertWork.Record(db, operation.CompanyId, target.Id, operation.RuleId, operation.RequestedBy, time.GetUtcNow().UtcDateTime);
        return $"{operation.Action} of version {operation.RuleVersion} on {target.Name} succeeded";
    }

    public async Task FailAsync(WorkItem item, AppDbContext db, string error, CancellationToken cancellationToken)
    {
        if (await db.Deployments.FirstOrDefaultAsync(d => d.Id == item.Id, cancellationToken) is not { } operation)
            return;
        var target = await db.SiemTargets.Where(t => t.Id == operation.TargetId).Select(t => t.Name).FirstOrDefaultAsync(cancellationToken);
        Finish(db, operation, target, DeploymentStatus.Failed, error);
    }

    /// <summary>The target failed in a way a later attempt may not: the operation waits in the queue, saying why.</summary>
    public async Task RetryLaterAsync(WorkItem item, AppDbContext db, string error, CancellationToken cancellationToken)
    {
        if (await db.Deployments.FirstOrDefaultAsync(d => d.Id == item.Id, cancellationToken) is not { } operation)
            return;
        (operation.Status, operation.Error) = (DeploymentStatus.Queued, $"Attempt {item.Attempts} failed, will try again: {error}");
    }

    private void Finish(AppDbContext db, Deployment operation, string? target, DeploymentStatus status, string? error)
    {
        var now = time.GetUtcNow().UtcDateTime;
        (operation.Status, operation.Error, operation.FinishedAt) = (status, error, now);
        var action = (operation.Action, status) switch
        {
            (DeploymentAction.Deploy, DeploymentStatus.Succeeded) => AuditActions.DeploymentSucceeded,
            (DeploymentAction.Deploy, _) => AuditActions.DeploymentFailed,
            (_, DeploymentStatus.Succeeded) => AuditActions.RemovalSucceeded,
            _ => AuditActions.RemovalFailed,
        };
        db.Audit(new Actor(null, $"{operation.Action.ToString().ToLowerInvariant()} requested by {operation.RequestedBy}", null), operation.CompanyId,
            action, now, "rule", operation.RuleId.ToString(),
            new { deployment = operation.Id, version = operation.RuleVersion, target, sha256 = operation.ContentSha256, error });
    }

    /// <summary>The connector's answer: the query as the target runs it after a deployment, null after a removal.</summary>
    private static async Task<Result<string?>> RunAsync(AppDbContext db, ITargetConnector connector, SiemTarget target, Deployment operation, CancellationToken cancellationToken)
    {
        if (operation.Action == DeploymentAction.Remove)
        {
            var removed = await connector.RemoveAsync(target, operation.RuleId, operation.Id, cancellationToken);
            return removed.Succeeded ? Result<string?>.None : removed.Error;
        }

        var content = await db.RuleVersions
            .Where(v => v.RuleId == operation.RuleId && v.Number == operation.RuleVersion).Select(v => v.Content).FirstOrDefaultAsync(cancellationToken);
        if (content is null)
            return new TargetRefused("The rule version no longer exists.");
        var deployed = await connector.DeployAsync(target, operation.RuleId, content, operation.Id, cancellationToken);
        return deployed.Succeeded ? deployed.Value : deployed.Error;
    }
}
