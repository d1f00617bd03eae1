using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Sandbox;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Http;
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
        if (operation.Status == DeploymentStatus.Cancelled)
            return $"Not run: {operation.Error}";
        operation.Status = DeploymentStatus.Running;
        operation.StartedAt ??= time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(cancellationToken);

        var target = await db.SiemTargets.FirstOrDefaultAsync(t => t.Id == operation.TargetId, cancellationToken);
        var connector = target is null ? null : connectors.FirstOrDefault(c => c.Kind == target.Kind);
        Result<string?> result = target is null ? new TargetRefused("The target no longer exists.")
            : connector is null ? new TargetRefused($"No {target.Kind} connector is installed.")
            : await RunAsync(db, connector, target, operation, cancellationToken);
        if (!result.Succeeded)
            return result.Error is TargetError { Transient: true } ? new TransientFailure(result.Error) { After = (result.Error as TargetThrottled)?.RetryAfter } : result.Error;

        // At most one version of a rule runs on a target: a deployment replaces it, a removal ends it.
        var previous = await db.Deployments
            .Where(d => d.RuleId == operation.RuleId && d.TargetId == operation.TargetId && d.Live && d.Id != operation.Id)
            .ToListAsync(cancellationToken);
        previous.ForEach(d => d.Live = false);
        operation.Live = operation.Action == DeploymentAction.Deploy;
        operation.ReplacedId = previous.FirstOrDefault()?.Id;
        operation.CompiledQuery = result.Value;
        Finish(db, operation, target!.Name, DeploymentStatus.Succeeded, null);
        if (operation.Atomic && await db.Deployments.FirstOrDefaultAsync(d => d.BatchId == operation.BatchId && d.Sequence == operation.Sequence + 1, cancellationToken) is { Status: DeploymentStatus.Queued } next)
            db.AddWork(Kind, next.CompanyId, time.GetUtcNow().UtcDateTime, next.Id);
        await RemoveIfKilledAsync(db, operation, target.Name, cancellationToken);
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
        if (await RemoveIfKilledAsync(db, operation, target, cancellationToken))
            return;
        if (operation.Atomic)
            await UndoBatchAsync(db, operation, target, cancellationToken);
    }

    /// <summary>
    /// The rule was killed while this operation ran (the kill cancelled what still waited and removed the rule wherever
    /// nothing was on its way): if the rule still runs on this target once the operation ends, its removal is recorded
    /// with it. An atomic deployment is not undone then: the kill already took the rule off its other targets.
    /// </summary>
    private async Task<bool> RemoveIfKilledAsync(AppDbContext db, Deployment ended, string? target, CancellationToken cancellationToken)
    {
        // A removal leaves nothing running when it succeeds; when it fails, its failure is what the history must show.
        if (ended.Action == DeploymentAction.Remove)
            return false;
        var rule = await db.DetectionRules.Where(r => r.Id == ended.RuleId).Select(r => new { r.Lifecycle, r.Title }).FirstAsync(cancellationToken);
        if (rule.Lifecycle != RuleLifecycle.Killed)
            return false;
        var live = ended.Live ? ended
            : await db.Deployments.FirstOrDefaultAsync(d => d.RuleId == ended.RuleId && d.TargetId == ended.TargetId && d.Live && d.Id != ended.Id, cancellationToken);
        if (live is not null)
        {
            DeploymentService.AddRemoval(db, new Actor(null, $"rule killed; {ended.Action.ToString().ToLowerInvariant()} requested by {ended.RequestedBy}", null), rule.Title, live, target,
                time.GetUtcNow().UtcDateTime, "rule killed while a change to this target was on its way");
        }

        return true;
    }

    /// <summary>
    /// An atomic deployment failed at <paramref name="failed"/>: the targets after it are not attempted, and each target
    /// before it gets back what ran there before, by an operation of its own (the earlier version deployed again, or the rule
    /// removed where none ran). Those operations are ordinary work: retried when the target fails transiently, and recorded
    /// as failed if it refuses, so every target ends in a known state.
    /// </summary>
    private async Task UndoBatchAsync(AppDbContext db, Deployment failed, string? failedTarget, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var batch = await db.Deployments.Where(d => d.BatchId == failed.BatchId && d.Id != failed.Id && d.UndoesId == null).ToListAsync(cancellationToken);
        var names = await db.SiemTargets.Where(t => batch.Select(d => d.TargetId).Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Name, cancellationToken);
        foreach (var waiting in batch.Where(d => d.Sequence > failed.Sequence && d.Status == DeploymentStatus.Queued))
            (waiting.Status, waiting.Error, waiting.FinishedAt) = (DeploymentStatus.Cancelled, $"Not attempted: the atomic deployment stopped when '{failedTarget}' failed.", now);

        var undone = new List<object>();
        foreach (var changed in batch.Where(d => d.Sequence < failed.Sequence && d.Status == DeploymentStatus.Succeeded && d.Live))
        {
            var before = changed.ReplacedId is { } replaced ? await db.Deployments.FirstOrDefaultAsync(d => d.Id == replaced, cancellationToken) : null;
            undone.Add(AddUndo(db, changed, before, names.GetValueOrDefault(changed.TargetId), now));
        }

        var (readBack, returnFailed) = await ReadBackFailedAsync(db, failed, cancellationToken);
        if (returnFailed)
        {
            var before = await db.Deployments.FirstOrDefaultAsync(d => d.RuleId == failed.RuleId && d.TargetId == failed.TargetId && d.Live, cancellationToken);
            undone.Add(AddUndo(db, failed, before, failedTarget, now));
        }

        db.Audit(new Actor(null, $"atomic deployment requested by {failed.RequestedBy}", null), failed.CompanyId, AuditActions.AtomicRollback, now, "rule", failed.RuleId.ToString(),
            new
            {
                batch = failed.BatchId,
                version = failed.RuleVersion,
                failed = failedTarget,
                failed_target_read_back = readBack,
                returned = undone,
                not_attempted = batch.Where(d => d.Status == DeploymentStatus.Cancelled).Select(d => names.GetValueOrDefault(d.TargetId)),
            });
    }

    /// <summary>
    /// A deployment can fail after the target took it (an answer lost to a timeout, the last of its retries), so the failed
    /// target is read back: when it holds the failed version it is returned like the others; when it cannot be read for a
    /// passing reason it is returned too, to be sure (an upsert of what ran before, or a removal, changes nothing if the
    /// deployment never landed, and is retried until the target answers). A target that refuses the read (gone, no
    /// permission) refused the deployment the same way, so nothing is returned there.
    /// </summary>
    private async Task<(string ReadBack, bool Return)> ReadBackFailedAsync(AppDbContext db, Deployment failed, CancellationToken cancellationToken)
    {
        if (failed.Action != DeploymentAction.Deploy || failed.StartedAt is null)
            return ("not attempted", false);
        var target = await db.SiemTargets.FirstOrDefaultAsync(t => t.Id == failed.TargetId, cancellationToken);
        if (target is null || connectors.FirstOrDefault(c => c.Kind == target.Kind) is not { } connector)
            return ("no connector", false);
        var content = await db.RuleVersions.Where(v => v.RuleId == failed.RuleId && v.Number == failed.RuleVersion).Select(v => v.Content).FirstAsync(cancellationToken);
        Result<DeployedComparison> compared;
        try
        {
            compared = await connector.CompareAsync(target, failed.RuleId, content, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The failure must still be recorded: an unexpected error reading back counts as a passing one.
            return ($"could not be read back: {ex.GetType().Name} (returned to be sure)", true);
        }

        if (!compared.Succeeded)
        {
            var transient = compared.Error is TargetError { Transient: true };
            return ($"could not be read back: {compared.Error.Message}" + (transient ? " (returned to be sure)" : ""), transient);
        }

        return compared.Value!.AsDeployed ? ("held the failed version; returned", true) : ("does not hold the failed version", false);
    }

    /// <summary>Records the operation that gives <paramref name="changed"/>'s target back what ran before (<paramref name="before"/>, or nothing).</summary>
    private static object AddUndo(AppDbContext db, Deployment changed, Deployment? before, string? targetName, DateTime now)
    {
        var id = db.AddWork(DeploymentService.WorkKind, changed.CompanyId, now);
        db.Deployments.Add(new Deployment
        {
            Id = id,
            CompanyId = changed.CompanyId,
            RuleId = changed.RuleId,
            Action = before is null ? DeploymentAction.Remove : DeploymentAction.Deploy,
            RuleVersion = before?.RuleVersion ?? changed.RuleVersion,
            TargetId = changed.TargetId,
            ContentSha256 = before?.ContentSha256 ?? changed.ContentSha256,
            Status = DeploymentStatus.Queued,
            RequestedBy = changed.RequestedBy,
            CreatedAt = now,
            BatchId = changed.BatchId,
            UndoesId = changed.Id,
        });
        return new { deployment = id, target = targetName, back_to = before is null ? "not deployed" : $"version {before.RuleVersion}" };
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

        if (await db.DetectionRules.AnyAsync(r => r.Id == operation.RuleId && r.Lifecycle == RuleLifecycle.Killed, cancellationToken))
            return new TargetRefused("The rule was killed after this deployment was requested: it is not deployed.");
        var content = await db.RuleVersions
            .Where(v => v.RuleId == operation.RuleId && v.Number == operation.RuleVersion).Select(v => v.Content).FirstOrDefaultAsync(cancellationToken);
        if (content is null)
            return new TargetRefused("The rule version no longer exists.");
        var deployed = await connector.DeployAsync(target, operation.RuleId, content, operation.Id, cancellationToken);
        return deployed.Succeeded ? deployed.Value : deployed.Error;
    }
}
