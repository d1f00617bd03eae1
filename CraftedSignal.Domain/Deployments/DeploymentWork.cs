using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Targets;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Deployments;

/// <summary>Carries out a recorded <see cref="Deployment"/> through its target's connector.</summary>
public sealed class DeploymentWork(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time, IEnumerable<ITargetConnector> connectors) : IWorkHandler
{
    public string Kind => DeploymentService.WorkKind;

    public async Task<string> ExecuteAsync(WorkItem item, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var deployment = await db.Deployments.IgnoreQueryFilters().FirstAsync(d => d.Id == item.Id, cancellationToken);
        if (deployment.Status is DeploymentStatus.Deployed or DeploymentStatus.Failed or DeploymentStatus.Replaced)
            return $"already finished: {deployment.Status}";
        deployment.Status = DeploymentStatus.Deploying;
        deployment.Attempts++;
        await db.SaveChangesAsync(cancellationToken);

        var target = await db.SiemTargets.IgnoreQueryFilters().FirstOrDefaultAsync(t => t.Id == deployment.TargetId, cancellationToken);
        var content = await db.RuleVersions.IgnoreQueryFilters()
            .Where(v => v.RuleId == deployment.RuleId && v.Number == deployment.RuleVersion).Select(v => v.Content).FirstOrDefaultAsync(cancellationToken);
        var connector = target is null ? null : connectors.FirstOrDefault(c => c.Kind == target.Kind);
        var result = target is null || content is null ? new ConnectorResult(false, null, "The target or the rule version no longer exists.")
            : connector is null ? new ConnectorResult(false, null, $"No {target.Kind} connector is installed.")
            : await connector.DeployAsync(target, content, deployment.IdempotencyKey, cancellationToken);

        var now = time.GetUtcNow().UtcDateTime;
        deployment.FinishedAt = now;
        deployment.Status = result.Succeeded ? DeploymentStatus.Deployed : DeploymentStatus.Failed;
        deployment.CompiledQuery = result.CompiledQuery;
        deployment.Error = result.Error;
        if (result.Succeeded)
        {
            // One version of a rule runs on a target at a time: the new one replaces what was there.
            var replaced = await db.Deployments.IgnoreQueryFilters()
                .Where(d => d.RuleId == deployment.RuleId && d.TargetId == deployment.TargetId && d.Id != deployment.Id && d.Status == DeploymentStatus.Deployed)
                .ToListAsync(cancellationToken);
            replaced.ForEach(d => d.Status = DeploymentStatus.Replaced);
        }

        db.Audit(new Actor(null, $"deployment requested by {deployment.RequestedBy}", null), deployment.CompanyId,
            result.Succeeded ? AuditActions.DeploymentSucceeded : AuditActions.DeploymentFailed, now, "rule", deployment.RuleId.ToString(),
            new { deployment = deployment.Id, version = deployment.RuleVersion, target = target?.Name, sha256 = deployment.ContentSha256, error = result.Error });
        await db.SaveChangesAsync(CancellationToken.None);
        return result.Succeeded ? $"deployed version {deployment.RuleVersion} to {target!.Name}" : $"failed: {result.Error}";
    }
}
