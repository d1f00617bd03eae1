using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Deployments;

public sealed record DeploymentView(Guid Id, Guid TargetId, string TargetName, DeploymentAction Action, int RuleVersion, DeploymentStatus Status, bool Live,
    string RequestedBy, DateTime CreatedAt, DateTime? FinishedAt, string? Error);

/// <summary>Deploying approved rule versions to targets and removing rules from them, as durable background work.</summary>
public sealed class DeploymentService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, IWorkQueue queue, TimeProvider time)
{
    public const string WorkKind = "rule.deploy";

    /// <summary>
    /// Records a deployment to the target of an approved version of the rule (the latest approved one unless
    /// <paramref name="version"/> names an older approved one: a rollback), then hands it to the job system.
    /// </summary>
    public async Task<Result<Guid>> DeployAsync(Guid ruleId, Guid targetId, int? version = null, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var found = await FindAsync(db, ruleId, targetId, cancellationToken);
        if (!found.Succeeded)
            return found.Error;
        var (rule, target) = found.Value;
        if (rule.Format != RuleFormat.Sigma && target.Kind == TargetKind.Sandbox)
            return new Conflict("The sandbox runs Sigma rules; a native query goes to the SIEM whose language it is written in.");
        var approved = await ApprovalService.ApprovedVersionsAsync(db, ruleId, cancellationToken);
        if (approved.Count == 0)
            return new Conflict("No version of this rule is approved. Submit it for review; only approved versions are deployed.");
        var chosen = version ?? approved[0];
        if (!approved.Contains(chosen))
            return new Conflict($"Version {chosen} is not approved; only approved versions are deployed (approved: {string.Join(", ", approved)}).");
        if (await db.Deployments.AnyAsync(d => d.RuleId == ruleId && d.TargetId == targetId && (d.Status == DeploymentStatus.Queued || d.Status == DeploymentStatus.Running), cancellationToken))
            return new Conflict($"Another change to '{target.Name}' is on its way; wait for it to finish.");
        if (await db.Deployments.AnyAsync(d => d.RuleId == ruleId && d.TargetId == targetId && d.Live && d.RuleVersion == chosen, cancellationToken))
            return new Conflict($"Version {chosen} already runs on '{target.Name}'.");

        var sha = await db.RuleVersions.Where(v => v.RuleId == ruleId && v.Number == chosen).Select(v => v.ContentSha256).FirstAsync(cancellationToken);
        return await RecordAsync(db, rule, target, DeploymentAction.Deploy, chosen, sha, cancellationToken);
    }

    /// <summary>Records the removal of the rule from the target, then hands it to the job system.</summary>
    public async Task<Result<Guid>> RemoveAsync(Guid ruleId, Guid targetId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var found = await FindAsync(db, ruleId, targetId, cancellationToken);
        if (!found.Succeeded)
            return found.Error;
        var (rule, target) = found.Value;
        var live = await db.Deployments.FirstOrDefaultAsync(d => d.RuleId == ruleId && d.TargetId == targetId && d.Live, cancellationToken);
        if (live is null)
            return new Conflict($"The rule does not run on '{target.Name}': there is nothing to remove.");
        if (await db.Deployments.AnyAsync(d => d.RuleId == ruleId && d.TargetId == targetId && (d.Status == DeploymentStatus.Queued || d.Status == DeploymentStatus.Running), cancellationToken))
            return new Conflict($"Another change to '{target.Name}' is on its way; wait for it to finish.");
        return await RecordAsync(db, rule, target, DeploymentAction.Remove, live.RuleVersion, live.ContentSha256, cancellationToken);
    }

    /// <summary>
    /// Adds, to the caller's unit of work, the removal of the rule from every writable target it runs on and has nothing
    /// else on its way to: what killing a rule means. Returns the operations to enqueue once the caller has saved.
    /// </summary>
    internal static async Task<IReadOnlyList<Guid>> AddRemovalsEverywhereAsync(AppDbContext db, Actor actor, DetectionRule rule, DateTime now, CancellationToken cancellationToken)
    {
        var live = await db.Deployments.Where(d => d.RuleId == rule.Id && d.Live)
            .Join(db.SiemTargets.Where(t => !t.ReadOnly), d => d.TargetId, t => t.Id, (d, t) => new { d.TargetId, d.RuleVersion, d.ContentSha256, t.Name })
            .ToListAsync(cancellationToken);
        var busy = await db.Deployments.Where(d => d.RuleId == rule.Id && (d.Status == DeploymentStatus.Queued || d.Status == DeploymentStatus.Running))
            .Select(d => d.TargetId).ToListAsync(cancellationToken);
        var ids = new List<Guid>();
        foreach (var deployment in live.Where(d => !busy.Contains(d.TargetId)))
        {
            var id = db.AddWork(WorkKind, rule.CompanyId, now);
            ids.Add(id);
            db.Deployments.Add(new Deployment
            {
                Id = id,
                CompanyId = rule.CompanyId,
                RuleId = rule.Id,
                Action = DeploymentAction.Remove,
                RuleVersion = deployment.RuleVersion,
                TargetId = deployment.TargetId,
                ContentSha256 = deployment.ContentSha256,
                Status = DeploymentStatus.Queued,
                RequestedBy = actor.Name,
                CreatedAt = now,
            });
            db.Audit(actor, rule.CompanyId, AuditActions.RemovalRequested, now, "rule", rule.Id.ToString(),
                new { deployment = id, title = rule.Title, version = deployment.RuleVersion, target = deployment.Name, reason = "rule killed" });
        }

        return ids;
    }

    /// <summary>The rule's deployments and removals, newest first.</summary>
    public async Task<Result<IReadOnlyList<DeploymentView>>> ListForRuleAsync(Guid ruleId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        return await db.Deployments.Where(d => d.RuleId == ruleId).OrderByDescending(d => d.CreatedAt)
            .Join(db.SiemTargets, d => d.TargetId, t => t.Id, (d, t) => new DeploymentView(d.Id, t.Id, t.Name, d.Action, d.RuleVersion, d.Status, d.Live,
                d.RequestedBy, d.CreatedAt, d.FinishedAt, d.Error))
            .Take(100).ToListAsync(cancellationToken);
    }

    private async Task<Result<(DetectionRule Rule, SiemTarget Target)>> FindAsync(AppDbContext db, Guid ruleId, Guid targetId, CancellationToken cancellationToken)
    {
        var access = await Access.RequireAsync(db, tenant, Permission.Author, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var rule = await db.DetectionRules.FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        if (rule is null)
            return new NotFound("The rule");
        if (rule.ArchivedAt is not null)
            return new RuleArchived(rule.Title);
        var target = await db.SiemTargets.FirstOrDefaultAsync(t => t.Id == targetId, cancellationToken);
        if (target is null)
            return new NotFound("The target");
        if (target.ReadOnly)
            return new Conflict($"'{target.Name}' is read-only: CraftedSignal watches it but never writes to it.");
        return (rule, target);
    }

    private async Task<Result<Guid>> RecordAsync(AppDbContext db, DetectionRule rule, SiemTarget target, DeploymentAction action, int version, string sha, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var id = db.AddWork(WorkKind, rule.CompanyId, now);
        db.Deployments.Add(new Deployment
        {
            Id = id,
            CompanyId = rule.CompanyId,
            RuleId = rule.Id,
            Action = action,
            RuleVersion = version,
            TargetId = target.Id,
            ContentSha256 = sha,
            Status = DeploymentStatus.Queued,
            RequestedBy = tenant.UserName,
            CreatedAt = now,
        });
        db.Audit(tenant.ToActor(), rule.CompanyId, action == DeploymentAction.Deploy ? AuditActions.DeploymentRequested : AuditActions.RemovalRequested, now,
            "rule", rule.Id.ToString(), new { deployment = id, title = rule.Title, version, target = target.Name, kind = target.Kind.ToString() });
        await db.SaveChangesAsync(cancellationToken);
        queue.Enqueue(id);
        return id;
    }
}
