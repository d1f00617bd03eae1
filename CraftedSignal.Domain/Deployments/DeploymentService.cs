using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Deployments;

public sealed record DeploymentView(Guid Id, Guid TargetId, string TargetName, int RuleVersion, DeploymentStatus Status, string RequestedBy, DateTime CreatedAt, DateTime? FinishedAt, string? Error);

/// <summary>Deploying approved rule versions to targets, as durable background work.</summary>
public sealed class DeploymentService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, IWorkQueue queue, TimeProvider time)
{
    public const string WorkKind = "rule.deploy";

    /// <summary>Records a deployment of the rule's latest approved version to the target, then hands it to the job system.</summary>
    public async Task<Result<Guid>> DeployAsync(Guid ruleId, Guid targetId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Author, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var rule = await db.DetectionRules.FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        if (rule is null)
            return new NotFound("The rule");
        var target = await db.SiemTargets.FirstOrDefaultAsync(t => t.Id == targetId, cancellationToken);
        if (target is null)
            return new NotFound("The target");
        if (target.ReadOnly)
            return new Conflict($"'{target.Name}' is read-only: CraftedSignal watches it but never writes to it.");
        if (rule.Format != Rules.RuleFormat.Sigma && target.Kind == Targets.TargetKind.Sandbox)
            return new Conflict("The sandbox runs Sigma rules; a native query goes to the SIEM whose language it is written in.");
        if (await ApprovalService.LatestApprovedAsync(db, ruleId, cancellationToken) is not { } version)
            return new Conflict("No version of this rule is approved. Submit it for review; only approved versions are deployed.");
        var key = $"{ruleId:N}:{version}:{targetId:N}";
        if (await db.Deployments.AnyAsync(d => d.IdempotencyKey == key && d.Status != DeploymentStatus.Failed, cancellationToken))
            return new Conflict($"Version {version} is already deployed, or on its way, to '{target.Name}'.");

        var now = time.GetUtcNow().UtcDateTime;
        var id = Guid.CreateVersion7(time.GetUtcNow());
        var sha = await db.RuleVersions.Where(v => v.RuleId == ruleId && v.Number == version).Select(v => v.ContentSha256).FirstAsync(cancellationToken);
        db.WorkItems.Add(new WorkItem { Id = id, CompanyId = rule.CompanyId, Kind = WorkKind, Status = WorkStatus.Queued, CreatedAt = now });
        db.Deployments.Add(new Deployment
        {
            Id = id,
            CompanyId = rule.CompanyId,
            RuleId = ruleId,
            RuleVersion = version,
            TargetId = targetId,
            ContentSha256 = sha,
            Status = DeploymentStatus.Queued,
            IdempotencyKey = key,
            RequestedBy = tenant.UserName,
            CreatedAt = now,
        });
        db.Audit(tenant.ToActor(), rule.CompanyId, AuditActions.DeploymentRequested, now, "rule", ruleId.ToString(),
            new { deployment = id, title = rule.Title, version, target = target.Name, kind = target.Kind.ToString() });
        await db.SaveChangesAsync(cancellationToken);
        queue.Enqueue(id);
        return id;
    }

    /// <summary>The rule's deployments, newest first.</summary>
    public async Task<Result<IReadOnlyList<DeploymentView>>> ListForRuleAsync(Guid ruleId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        return await db.Deployments.Where(d => d.RuleId == ruleId).OrderByDescending(d => d.CreatedAt)
            .Join(db.SiemTargets, d => d.TargetId, t => t.Id, (d, t) => new DeploymentView(d.Id, t.Id, t.Name, d.RuleVersion, d.Status, d.RequestedBy, d.CreatedAt, d.FinishedAt, d.Error))
            .Take(100).ToListAsync(cancellationToken);
    }
}
