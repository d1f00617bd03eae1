using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Targets;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Deployments;

/// <summary>Carries out a recorded <see cref="Deployment"/> (deploy or remove) through its target's connector.</summary>
public sealed class DeploymentWork(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time, IEnumerable<ITargetConnector> connectors) : IWorkHandler
{
    public string Kind => DeploymentService.WorkKind;

    public async Task<string> ExecuteAsync(WorkItem item, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var operation = await db.Deployments.FirstAsync(d => d.Id == item.Id, cancellationToken);
        if (operation.Status is DeploymentStatus.Succeeded or DeploymentStatus.Failed)
            return $"already finished: {operation.Status}";
        operation.Status = DeploymentStatus.Running;
        operation.Attempts++;
        await db.SaveChangesAsync(cancellationToken);

        var target = await db.SiemTargets.FirstOrDefaultAsync(t => t.Id == operation.TargetId, cancellationToken);
        var connector = target is null ? null : connectors.FirstOrDefault(c => c.Kind == target.Kind);
        Result<string?> result = target is null ? new TargetRefused("The target no longer exists.")
            : connector is null ? new TargetRefused($"No {target.Kind} connector is installed.")
            : await RunAsync(db, connector, target, operation, cancellationToken);

        var now = time.GetUtcNow().UtcDateTime;
        operation.FinishedAt = now;
        operation.Status = result.Succeeded ? DeploymentStatus.Succeeded : DeploymentStatus.Failed;
        operation.CompiledQuery = result.Value;
        operation.Error = result.Error?.Message;
        if (result.Succeeded)
        {
            // At most one version of a rule runs on a target: a deployment replaces it, a removal ends it.
            var previous = await db.Deployments
                .Where(d => d.RuleId == operation.RuleId && d.TargetId == operation.TargetId && d.Live && d.Id != operation.Id)
                .ToListAsync(cancellationToken);
            previous.ForEach(d => d.Live = false);
            operation.Live = operation.Action == DeploymentAction.Deploy;
        }

        var action = (operation.Action, result.Succeeded) switch
        {
            (DeploymentAction.Deploy, true) => AuditActions.DeploymentSucceeded,
            (DeploymentAction.Deploy, false) => AuditActions.DeploymentFailed,
            (_, true) => AuditActions.RemovalSucceeded,
            _ => AuditActions.RemovalFailed,
        };
        db.Audit(new Actor(null, $"{operation.Action.ToString().ToLowerInvariant()} requested by {operation.RequestedBy}", null), operation.CompanyId,
            action, now, "rule", operation.RuleId.ToString(),
            new { deployment = operation.Id, version = operation.RuleVersion, target = target?.Name, sha256 = operation.ContentSha256, error = result.Error?.Message });
        await db.SaveChangesAsync(CancellationToken.None);
        return result.Succeeded ? $"{operation.Action} of version {operation.RuleVersion} on {target!.Name} succeeded" : $"failed: {result.Error!.Message}";
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
