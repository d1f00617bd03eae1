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

/// <summary>A deployment of one rule to one or several targets.</summary>
/// <param name="TargetIds">The targets, in the order an atomic deployment changes them.</param>
public sealed record DeployRequest(Guid RuleId, IReadOnlyList<Guid> TargetIds)
{
    /// <summary>An approved version; the latest approved one when null.</summary>
    public int? Version { get; init; }

    /// <summary>If one target fails, the targets already changed return to what they ran before, and the rest are not attempted.</summary>
    public bool Atomic { get; init; }
}

public enum PlannedChange
{
    /// <summary>The rule does not run there yet: it would be created.</summary>
    New,

    /// <summary>Another version runs there: it would be replaced.</summary>
    Update,

    /// <summary>That version runs there already: nothing would change.</summary>
    Unchanged,

    /// <summary>The deployment would be refused before reaching the target (the rule does not convert, the settings are wrong).</summary>
    Refused,
}

/// <summary>What deploying a version would change on one target, from a dry run.</summary>
/// <param name="QueryBefore">The query the target runs now, read back from it (the one deployed last when it cannot be read); null when nothing runs there.</param>
/// <param name="QueryAfter">The query the target would run; null when refused or the connector cannot tell in advance.</param>
/// <param name="Changes">What changes in the rule's meaning between the running version and the new one (Sigma rules).</param>
/// <param name="Problem">Why the deployment would be refused, or would have to wait.</param>
/// <param name="TargetState">What the target holds when it is not what was deployed there (edited or deleted in the SIEM), or why it could not be read; null when it is as deployed.</param>
public sealed record DeploymentPlan(Guid TargetId, string TargetName, TargetKind TargetKind, PlannedChange Change, int? FromVersion, int ToVersion,
    string? QueryBefore, string? QueryAfter, IReadOnlyList<SemanticChange> Changes, string? Problem, string? TargetState = null);

/// <summary>The operations recorded, one per target in the request's order; the batch that groups them when there are several.</summary>
public sealed record DeployResult(Guid? BatchId, IReadOnlyList<Guid> Deployments);

/// <summary>One operation on one target, as the rule page and the deployment history show it.</summary>
public sealed record DeploymentView(Guid Id, Guid RuleId, string RuleTitle, Guid TargetId, string TargetName, TargetKind TargetKind, DeploymentAction Action,
    int RuleVersion, DeploymentStatus Status, bool Live, string RequestedBy, DateTime CreatedAt, DateTime? StartedAt, DateTime? FinishedAt, string? Error,
    Guid? BatchId, bool Atomic, Guid? UndoesId)
{
    /// <summary>From the first attempt's start to the end; null until it ends (or for one never attempted).</summary>
    public TimeSpan? Duration => StartedAt is { } started && FinishedAt is { } finished ? finished - started : null;
}

/// <summary>Which deployments the history lists: all filters optional; newest first, a page at a time.</summary>
public sealed record DeploymentQuery
{
    public const int MaxTake = 200;

    public Guid? RuleId { get; init; }

    public Guid? TargetId { get; init; }

    public DeploymentStatus? Status { get; init; }

    /// <summary>Part of the rule's title or of the requester's name.</summary>
    public string? Text { get; init; }

    public int Skip { get; init; }

    public int Take { get; init; } = 50;
}

public sealed record DeploymentPage(IReadOnlyList<DeploymentView> Items, int Total);

/// <summary>Deploying approved rule versions to targets and removing rules from them, as durable background work.</summary>
public sealed class DeploymentService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, IWorkQueue queue, TimeProvider time, IEnumerable<ITargetConnector> connectors)
{
    public const string WorkKind = "rule.deploy";

    /// <summary>How many targets one request may deploy to.</summary>
    public const int MaxTargetsPerRequest = 20;

    /// <summary>Deploys the rule's latest approved version (or <paramref name="version"/>) to one target; see <see cref="DeployAsync(DeployRequest, CancellationToken)"/>.</summary>
    public async Task<Result<Guid>> DeployAsync(Guid ruleId, Guid targetId, int? version = null, CancellationToken cancellationToken = default)
    {
        var deployed = await DeployAsync(new DeployRequest(ruleId, [targetId]) { Version = version }, cancellationToken);
        return deployed.Succeeded ? deployed.Value!.Deployments[0] : deployed.Error;
    }

    /// <summary>
    /// Records a deployment of an approved version of the rule (the latest approved one unless the request names an older
    /// approved one: a rollback) to each of the request's targets, then hands the work to the job system: one operation per
    /// target, each its own unit of work. Nothing is recorded unless every target can take it. An atomic request runs its
    /// targets one after another in the order given; if one fails, the targets already changed get back what they ran before.
    /// </summary>
    public async Task<Result<DeployResult>> DeployAsync(DeployRequest request, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var checkedRequest = await CheckAsync(db, request, forPlan: false, cancellationToken);
        if (!checkedRequest.Succeeded)
            return checkedRequest.Error;
        var (rule, targets, chosen, sha) = checkedRequest.Value;

        // What runs there now, so the audit trail says which requests are rollbacks (an older version replacing a newer one).
        var running = await db.Deployments.Where(d => d.RuleId == rule.Id && d.Live && request.TargetIds.Contains(d.TargetId))
            .ToDictionaryAsync(d => d.TargetId, d => d.RuleVersion, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var batch = targets.Count > 1 ? Guid.CreateVersion7(new DateTimeOffset(now, TimeSpan.Zero)) : (Guid?)null;
        var atomic = request.Atomic && targets.Count > 1;
        var ids = new List<Guid>();
        for (var i = 0; i < targets.Count; i++)
        {
            // An atomic request's later targets get their work when the one before them succeeds.
            var id = !atomic || i == 0 ? db.AddWork(WorkKind, rule.CompanyId, now) : Guid.CreateVersion7(new DateTimeOffset(now, TimeSpan.Zero));
            ids.Add(id);
            db.Deployments.Add(new Deployment
            {
                Id = id,
                CompanyId = rule.CompanyId,
                RuleId = rule.Id,
                Action = DeploymentAction.Deploy,
                RuleVersion = chosen,
                TargetId = targets[i].Id,
                ContentSha256 = sha,
                Status = DeploymentStatus.Queued,
                RequestedBy = tenant.UserName,
                CreatedAt = now,
                BatchId = batch,
                Atomic = atomic,
                Sequence = i,
            });
            db.Audit(tenant.ToActor(), rule.CompanyId, AuditActions.DeploymentRequested, now, "rule", rule.Id.ToString(),
                new
                {
                    deployment = id,
                    title = rule.Title,
                    version = chosen,
                    target = targets[i].Name,
                    kind = targets[i].Kind.ToString(),
                    batch,
                    atomic,
                    replaces = running.TryGetValue(targets[i].Id, out var live) ? live : (int?)null,
                    rollback = live > chosen,
                });
        }

        await db.SaveChangesAsync(cancellationToken);
        queue.Enqueue(ids[0]);
        if (!atomic)
            queue.EnqueueAll(ids.Skip(1));
        return new DeployResult(batch, ids);
    }

    /// <summary>
    /// A dry run of the request: for each target, what a deployment would change there (new, updated, unchanged, or
    /// refused before reaching it), with the query as the target would run it next to the one deployed last, and what
    /// changes in the rule's meaning. Checked as a deployment is, then nothing is recorded and no target is written to.
    /// </summary>
    public async Task<Result<IReadOnlyList<DeploymentPlan>>> PlanAsync(DeployRequest request, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var checkedRequest = await CheckAsync(db, request, forPlan: true, cancellationToken);
        if (!checkedRequest.Succeeded)
            return checkedRequest.Error;
        var (rule, targets, chosen, _) = checkedRequest.Value;

        var content = await db.RuleVersions.Where(v => v.RuleId == rule.Id && v.Number == chosen).Select(v => v.Content).FirstAsync(cancellationToken);
        var live = await db.Deployments.Where(d => d.RuleId == rule.Id && d.Live && request.TargetIds.Contains(d.TargetId)).ToListAsync(cancellationToken);
        var liveVersions = live.Select(d => d.RuleVersion).Distinct().ToList();
        var contents = await db.RuleVersions.Where(v => v.RuleId == rule.Id && liveVersions.Contains(v.Number)).ToDictionaryAsync(v => v.Number, v => v.Content, cancellationToken);
        var busy = await BusyTargetsAsync(db, rule.Id, cancellationToken);

        var plans = new List<DeploymentPlan>();
        foreach (var target in targets)
        {
            var running = live.FirstOrDefault(d => d.TargetId == target.Id);
            var connector = connectors.FirstOrDefault(c => c.Kind == target.Kind);
            var preview = connector is null ? new TargetRefused($"No {target.Kind} connector is installed.") : await connector.PreviewAsync(target, rule.Id, content, cancellationToken);
            var change = !preview.Succeeded ? PlannedChange.Refused
                : running is null ? PlannedChange.New
                : running.RuleVersion == chosen ? PlannedChange.Unchanged
                : PlannedChange.Update;
            var meaning = running is not null && running.RuleVersion != chosen && rule.Format == RuleFormat.Sigma
                ? SemanticDiff.Compare(contents[running.RuleVersion], content) : [];
            var problem = !preview.Succeeded ? preview.Error.Message
                : busy.Contains(target.Id) ? "Another change to this target is on its way: a deployment now would be refused until it ends."
                : null;
            var (queryBefore, state) = running is null || connector is null
                ? (running?.CompiledQuery, null)
                : await TargetStateAsync(connector, target, rule.Id, running, contents[running.RuleVersion], cancellationToken);
            plans.Add(new DeploymentPlan(target.Id, target.Name, target.Kind, change, running?.RuleVersion, chosen, queryBefore,
                preview.Succeeded ? preview.Value : null, meaning, problem, state));
        }

        return plans;
    }

    /// <summary>
    /// What the target runs now for a dry run, read back from it: the query it holds, and a sentence when that is not what
    /// was deployed (edited or deleted there) or cannot be read. Reading sends nothing that changes the target.
    /// </summary>
    private static async Task<(string? Query, string? State)> TargetStateAsync(ITargetConnector connector, SiemTarget target, Guid ruleId, Deployment running, string runningContent, CancellationToken cancellationToken)
    {
        var compared = await connector.CompareAsync(target, ruleId, runningContent, cancellationToken);
        if (!compared.Succeeded)
            return (running.CompiledQuery, $"What the target holds now could not be read ({compared.Error.Message}); this compares with version {running.RuleVersion} as it was deployed.");
        if (compared.Value!.Deployed is not { } deployed)
            return (null, $"Version {running.RuleVersion} is no longer on the target: it was deleted there. Deploying puts the rule back.");
        if (compared.Value.AsDeployed)
            return (deployed.Query ?? running.CompiledQuery, null);
        var fields = string.Join(", ", compared.Value.Differences.Select(d => d.Field));
        return (deployed.Query, $"Changed on the target since version {running.RuleVersion} was deployed ({fields}); deploying replaces those changes.");
    }

    /// <summary>The rule, the request's targets in its order, the chosen version and its content's SHA-256, or why the request cannot be carried out.</summary>
    /// <param name="forPlan">A dry run: a target already running the version, or with a change on its way, is reported by the plan instead of refused.</param>
    private async Task<Result<(DetectionRule Rule, IReadOnlyList<SiemTarget> Targets, int Version, string Sha)>> CheckAsync(AppDbContext db, DeployRequest request, bool forPlan, CancellationToken cancellationToken)
    {
        if (request.TargetIds.Count == 0)
            return new Invalid("Targets", "Choose at least one target to deploy to.");
        if (request.TargetIds.Count > MaxTargetsPerRequest)
            return new Invalid("Targets", $"A deployment goes to at most {MaxTargetsPerRequest} targets at once; this one names {request.TargetIds.Count}.");
        if (request.TargetIds.Distinct().Count() != request.TargetIds.Count)
            return new Invalid("Targets", "A target is named twice.");

        var found = await FindAsync(db, request.RuleId, request.TargetIds, cancellationToken);
        if (!found.Succeeded)
            return found.Error;
        var (rule, targets) = found.Value;
        if (rule.Lifecycle == RuleLifecycle.Killed)
            return new Conflict("The rule is killed: it is not deployed anywhere. Move it back to Draft, then through review, to deploy it again.");
        if (rule.Format != RuleFormat.Sigma && targets.FirstOrDefault(t => t.Kind == TargetKind.Sandbox) is not null)
            return new Conflict("The sandbox runs Sigma rules; a native query goes to the SIEM whose language it is written in.");

        var approved = await ApprovalService.ApprovedVersionsAsync(db, request.RuleId, cancellationToken);
        if (approved.Count == 0)
            return new Conflict("No version of this rule is approved. Submit it for review; only approved versions are deployed.");
        var chosen = request.Version ?? approved[0];
        if (!approved.Contains(chosen))
            return new Conflict($"Version {chosen} is not approved; only approved versions are deployed (approved: {string.Join(", ", approved)}).");

        var sha = await db.RuleVersions.Where(v => v.RuleId == request.RuleId && v.Number == chosen).Select(v => v.ContentSha256).FirstAsync(cancellationToken);
        if (forPlan)
            return (rule, targets, chosen, sha);
        var busy = await BusyTargetsAsync(db, request.RuleId, cancellationToken);
        if (targets.FirstOrDefault(t => busy.Contains(t.Id)) is { } waiting)
            return new Conflict($"Another change to '{waiting.Name}' is on its way; wait for it to finish.");
        var running = await db.Deployments.Where(d => d.RuleId == request.RuleId && d.Live && d.RuleVersion == chosen && request.TargetIds.Contains(d.TargetId))
            .Select(d => d.TargetId).ToListAsync(cancellationToken);
        if (targets.FirstOrDefault(t => running.Contains(t.Id)) is { } current)
            return new Conflict($"Version {chosen} already runs on '{current.Name}'.");
        return (rule, targets, chosen, sha);
    }

    /// <summary>The targets the rule has an operation on its way to (queued, running, or waiting its turn in an atomic deployment).</summary>
    private static Task<List<Guid>> BusyTargetsAsync(AppDbContext db, Guid ruleId, CancellationToken cancellationToken) =>
        db.Deployments.Where(d => d.RuleId == ruleId && (d.Status == DeploymentStatus.Queued || d.Status == DeploymentStatus.Running))
            .Select(d => d.TargetId).ToListAsync(cancellationToken);

    /// <summary>Records the removal of the rule from the target, then hands it to the job system.</summary>
    public async Task<Result<Guid>> RemoveAsync(Guid ruleId, Guid targetId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var found = await FindAsync(db, ruleId, [targetId], cancellationToken);
        if (!found.Succeeded)
            return found.Error;
        var (rule, target) = (found.Value.Rule, found.Value.Targets[0]);
        var live = await db.Deployments.FirstOrDefaultAsync(d => d.RuleId == ruleId && d.TargetId == targetId && d.Live, cancellationToken);
        if (live is null)
            return new Conflict($"The rule does not run on '{target.Name}': there is nothing to remove.");
        if ((await BusyTargetsAsync(db, ruleId, cancellationToken)).Contains(targetId))
            return new Conflict($"Another change to '{target.Name}' is on its way; wait for it to finish.");
        var id = AddRemoval(db, tenant.ToActor(), rule.Title, live, target.Name, time.GetUtcNow().UtcDateTime, "requested");
        await db.SaveChangesAsync(cancellationToken);
        queue.Enqueue(id);
        return id;
    }

    /// <summary>
    /// Adds, to the caller's unit of work, what killing a rule means for its targets: deployments still waiting (queued,
    /// waiting their turn in an atomic deployment, or waiting to retry) are cancelled, and the rule is removed from every
    /// writable target it runs on that has nothing else on its way. A deployment already running at that moment removes
    /// the rule itself when it ends (<see cref="DeploymentWork"/>). Returns the operations to enqueue once the caller has saved.
    /// </summary>
    internal static async Task<IReadOnlyList<Guid>> AddRemovalsEverywhereAsync(AppDbContext db, Actor actor, DetectionRule rule, DateTime now, CancellationToken cancellationToken)
    {
        var onTheirWay = await db.Deployments.Where(d => d.RuleId == rule.Id && (d.Status == DeploymentStatus.Queued || d.Status == DeploymentStatus.Running))
            .ToListAsync(cancellationToken);
        foreach (var waiting in onTheirWay.Where(d => d is { Status: DeploymentStatus.Queued, Action: DeploymentAction.Deploy }))
            (waiting.Status, waiting.Error, waiting.FinishedAt) = (DeploymentStatus.Cancelled, "Not attempted: the rule was killed.", now);
        var busy = onTheirWay.Where(d => d.Status != DeploymentStatus.Cancelled).Select(d => d.TargetId).ToHashSet();

        var live = await db.Deployments.Where(d => d.RuleId == rule.Id && d.Live)
            .Join(db.SiemTargets.Where(t => !t.ReadOnly), d => d.TargetId, t => t.Id, (d, t) => new { Deployment = d, t.Name })
            .ToListAsync(cancellationToken);
        return live.Where(d => !busy.Contains(d.Deployment.TargetId)).Select(d => AddRemoval(db, actor, rule.Title, d.Deployment, d.Name, now, "rule killed")).ToList();
    }

    /// <summary>Adds, to the caller's unit of work, the removal of <paramref name="live"/>'s rule from its target, audited with the reason.</summary>
    internal static Guid AddRemoval(AppDbContext db, Actor actor, string title, Deployment live, string? targetName, DateTime now, string reason)
    {
        var id = db.AddWork(WorkKind, live.CompanyId, now);
        db.Deployments.Add(new Deployment
        {
            Id = id,
            CompanyId = live.CompanyId,
            RuleId = live.RuleId,
            Action = DeploymentAction.Remove,
            RuleVersion = live.RuleVersion,
            TargetId = live.TargetId,
            ContentSha256 = live.ContentSha256,
            Status = DeploymentStatus.Queued,
            RequestedBy = actor.Name,
            CreatedAt = now,
        });
        db.Audit(actor, live.CompanyId, AuditActions.RemovalRequested, now, "rule", live.RuleId.ToString(),
            new { deployment = id, title, version = live.RuleVersion, target = targetName, reason });
        return id;
    }

    /// <summary>The rule's latest 100 deployments and removals, newest first.</summary>
    public async Task<Result<IReadOnlyList<DeploymentView>>> ListForRuleAsync(Guid ruleId, CancellationToken cancellationToken = default)
    {
        var page = await ListAsync(new DeploymentQuery { RuleId = ruleId, Take = 100 }, cancellationToken);
        if (!page.Succeeded)
            return page.Error;
        return page.Value.Items.ToList();
    }

    /// <summary>The company's deployments and removals matching the query, newest first; everyone in the company may read them.</summary>
    public async Task<Result<DeploymentPage>> ListAsync(DeploymentQuery query, CancellationToken cancellationToken = default)
    {
        if (query.Skip < 0 || query.Take is < 1 or > DeploymentQuery.MaxTake)
            return new Invalid("Take", $"A page holds 1 to {DeploymentQuery.MaxTake} deployments, from an offset of 0 or more.");
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;

        var rows = from d in db.Deployments
                   join r in db.DetectionRules on d.RuleId equals r.Id
                   join t in db.SiemTargets on d.TargetId equals t.Id
                   select new { d, r.Title, t.Name, t.Kind };
        if (query.RuleId is { } ruleId)
            rows = rows.Where(x => x.d.RuleId == ruleId);
        if (query.TargetId is { } targetId)
            rows = rows.Where(x => x.d.TargetId == targetId);
        if (query.Status is { } status)
            rows = rows.Where(x => x.d.Status == status);
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            var text = query.Text.Trim().ToLower();
            rows = rows.Where(x => x.Title.ToLower().Contains(text) || x.d.RequestedBy.ToLower().Contains(text));
        }

        var total = await rows.CountAsync(cancellationToken);
        var items = await rows.OrderByDescending(x => x.d.CreatedAt).ThenByDescending(x => x.d.Id).Skip(query.Skip).Take(query.Take)
            .Select(x => new DeploymentView(x.d.Id, x.d.RuleId, x.Title, x.d.TargetId, x.Name, x.Kind, x.d.Action, x.d.RuleVersion, x.d.Status, x.d.Live,
                x.d.RequestedBy, x.d.CreatedAt, x.d.StartedAt, x.d.FinishedAt, x.d.Error, x.d.BatchId, x.d.Atomic, x.d.UndoesId))
            .ToListAsync(cancellationToken);
        return new DeploymentPage(items, total);
    }

    /// <summary>The rule (not archived) and the targets in the order named (all of the company's, none read-only), for an Author.</summary>
    private async Task<Result<(DetectionRule Rule, IReadOnlyList<SiemTarget> Targets)>> FindAsync(AppDbContext db, Guid ruleId, IReadOnlyList<Guid> targetIds, CancellationToken cancellationToken)
    {
        var access = await Access.RequireAsync(db, tenant, Permission.Author, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var rule = await db.DetectionRules.FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        if (rule is null)
            return new NotFound("The rule");
        if (rule.ArchivedAt is not null)
            return new RuleArchived(rule.Title);
        var found = await db.SiemTargets.Where(t => targetIds.Contains(t.Id)).ToListAsync(cancellationToken);
        if (found.Count != targetIds.Count)
            return new NotFound("The target");
        var targets = targetIds.Select(id => found.First(t => t.Id == id)).ToList();
        if (targets.FirstOrDefault(t => t.ReadOnly) is { } watched)
            return new Conflict($"'{watched.Name}' is read-only: CraftedSignal watches it but never writes to it.");
        return (rule, targets);
    }
}
