using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Deployments;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Settings;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Tests.Rules;
using CraftedSignal.Tests.Targets;
using CraftedSignal.Tests.Targets.Splunk;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Deployments;

/// <summary>
/// One request, several targets: one operation per target; an atomic request changes them in turn and, when one fails,
/// returns those already changed to what they ran before. Two sandboxes and a Splunk on loopback that can be made to fail.
/// </summary>
public sealed class MultiTargetDeploymentTests : IAsyncLifetime
{
    private TestDatabase _db = default!;
    private SplunkTestServer _splunk = default!;
    private Guid _company;
    private string _owner = "";
    private string _reviewer = "";
    private string _viewer = "";
    private Guid _rule;
    private Guid _first;
    private Guid _second;
    private Guid _splunkTarget;

    public async Task InitializeAsync()
    {
        _splunk = await SplunkTestServer.StartAsync();
        _db = await TestDatabase.CreateAsync();
        _owner = await _db.AddUserAsync("olivia@acme.test");
        _reviewer = await _db.AddUserAsync("rita@acme.test");
        _viewer = await _db.AddUserAsync("victor@acme.test");
        _company = await _db.AddCompanyAsync("Acme", _owner);
        await _db.AddMemberAsync(_company, _reviewer, CompanyRole.User);
        await _db.AddMemberAsync(_company, _viewer, CompanyRole.Viewer);
        _rule = await _db.ApprovedRuleAsync(_owner, _reviewer, _company, RuleServiceTests.Whoami);
        _first = (await Service<TargetService>(_owner).CreateAsync("First sandbox", TargetKind.Sandbox)).Value;
        _second = (await Service<TargetService>(_owner).CreateAsync("Second sandbox", TargetKind.Sandbox)).Value;
        _splunkTarget = (await Service<TargetService>(_owner).CreateAsync(_splunk.TargetInput())).Value;
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        await _splunk.DisposeAsync();
    }

    [Fact]
    public async Task ADeploymentToSeveralTargets_IsOneOperationPerTarget_AllEnqueuedAtOnce_AndOneFailureLeavesTheOthersDeployed()
    {
        _splunk.Apps.Remove("search");
        var enqueuedBefore = _db.Queue.Enqueued.Count;

        var result = (await Service<DeploymentService>(_owner).DeployAsync(new DeployRequest(_rule, [_first, _splunkTarget, _second]))).Value!;

        Assert.Equal(3, result.Deployments.Count);
        Assert.NotNull(result.BatchId);
        Assert.Equal(result.Deployments, _db.Queue.Enqueued.Skip(enqueuedBefore));
        await _db.RunQueuedWorkAsync();
        var history = await HistoryAsync();
        Assert.Equal(3, history.Count);
        Assert.All(history, d => Assert.Equal(result.BatchId, d.BatchId));
        Assert.Equal(DeploymentStatus.Succeeded, Single(history, _first).Status);
        Assert.Equal(DeploymentStatus.Succeeded, Single(history, _second).Status);
        var failed = Single(history, _splunkTarget);
        Assert.Equal(DeploymentStatus.Failed, failed.Status);
        Assert.Contains("search", failed.Error, StringComparison.Ordinal);
        Assert.True(Single(history, _first).Live && Single(history, _second).Live);
    }

    [Fact]
    public async Task AnAtomicDeployment_ChangesItsTargetsInTurn_EachStartingWhenTheOneBeforeSucceeded()
    {
        var enqueuedBefore = _db.Queue.Enqueued.Count;

        var result = (await Service<DeploymentService>(_owner).DeployAsync(new DeployRequest(_rule, [_splunkTarget, _first, _second]) { Atomic = true })).Value!;

        // Only the first target's work exists; the next one's is recorded with the success of the one before it.
        Assert.Equal([result.Deployments[0]], _db.Queue.Enqueued.Skip(enqueuedBefore));
        await using (var db = _db.NewContext())
            Assert.Equal(1, await db.WorkItems.IgnoreQueryFilters().CountAsync(w => result.Deployments.Contains(w.Id)));
        await _db.RunWorkAsync(result.Deployments[0]);
        Assert.Equal(result.Deployments[1], _db.Queue.Enqueued[^1]);
        await _db.RunQueuedWorkAsync();

        var history = await HistoryAsync();
        Assert.All(history, d => Assert.True(d is { Status: DeploymentStatus.Succeeded, Live: true, Atomic: true }, $"{d.TargetName}: {d.Status} {d.Error}"));
        Assert.Single(_splunk.SavedSearches);
        // In the order of the request (each sandbox deployment also enqueues its alert pass: not counted here).
        Assert.Equal(result.Deployments, _db.Queue.Enqueued.Skip(enqueuedBefore).Where(result.Deployments.Contains));
    }

    [Fact]
    public async Task WhenATargetOfAnAtomicDeploymentFails_TheTargetsBeforeItGetBackWhatTheyRan_AndTheOnesAfterAreNotAttempted()
    {
        // Version 1 runs on the second sandbox; version 2 then goes atomically to the first sandbox, the second, Splunk (which fails) and a third.
        await RunDeployAsync(new DeployRequest(_rule, [_second]));
        await Service<RuleService>(_owner).SaveAsync(_rule, RuleServiceTests.Whoami.Replace("level: high", "level: critical", StringComparison.Ordinal), 1);
        await _db.RunQueuedWorkAsync();
        await ApproveAsync();
        var third = (await Service<TargetService>(_owner).CreateAsync("Third sandbox", TargetKind.Sandbox)).Value;
        _splunk.Apps.Remove("search");

        var result = (await Service<DeploymentService>(_owner).DeployAsync(new DeployRequest(_rule, [_first, _second, _splunkTarget, third]) { Atomic = true })).Value!;
        await _db.RunQueuedWorkAsync();

        var history = await HistoryAsync();
        var batch = history.Where(d => d.BatchId == result.BatchId).ToList();
        Assert.Equal(DeploymentStatus.Failed, batch.Single(d => d.Id == result.Deployments[2]).Status);
        var notAttempted = batch.Single(d => d.Id == result.Deployments[3]);
        Assert.Equal(DeploymentStatus.Cancelled, notAttempted.Status);
        Assert.Contains("Production Splunk", notAttempted.Error, StringComparison.Ordinal);
        Assert.Null(notAttempted.StartedAt);

        // The first sandbox ran nothing before: the rule is removed from it. The second ran version 1: it runs version 1 again.
        var undoFirst = batch.Single(d => d.UndoesId == result.Deployments[0]);
        Assert.Equal((DeploymentAction.Remove, DeploymentStatus.Succeeded), (undoFirst.Action, undoFirst.Status));
        var undoSecond = batch.Single(d => d.UndoesId == result.Deployments[1]);
        Assert.Equal((DeploymentAction.Deploy, 1, DeploymentStatus.Succeeded, true), (undoSecond.Action, undoSecond.RuleVersion, undoSecond.Status, undoSecond.Live));
        Assert.DoesNotContain(history, d => d.Live && d.RuleVersion == 2);
        Assert.Equal([_second], history.Where(d => d.Live).Select(d => d.TargetId));
        Assert.Empty(_splunk.SavedSearches);
        // The deployments that were undone stay in the history, succeeded, for inspection.
        Assert.Equal(DeploymentStatus.Succeeded, batch.Single(d => d.Id == result.Deployments[1]).Status);

        await using var db = _db.NewContext();
        var audit = await db.AuditEntries.IgnoreQueryFilters().SingleAsync(a => a.Action == AuditActions.AtomicRollback);
        Assert.Contains("Production Splunk", audit.Details, StringComparison.Ordinal);
        Assert.Contains("Third sandbox", audit.Details, StringComparison.Ordinal);
        Assert.Contains("version 1", audit.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATransientFailureInAnAtomicDeployment_IsRetried_AndTheRestFollowOnceItSucceeds()
    {
        _splunk.Inject(new TargetFault(TargetFaultKind.ServerError) { PathContains = "/saved/searches", Method = "POST", Times = 1 });

        var result = (await Service<DeploymentService>(_owner).DeployAsync(new DeployRequest(_rule, [_first, _splunkTarget, _second]) { Atomic = true })).Value!;
        await _db.RunQueuedWorkAsync();

        var splunk = Single(await HistoryAsync(), _splunkTarget);
        Assert.Equal(DeploymentStatus.Queued, splunk.Status);
        Assert.Contains("will try again", splunk.Error, StringComparison.Ordinal);
        Assert.Equal(DeploymentStatus.Queued, Single(await HistoryAsync(), _second).Status);
        Assert.Contains(_db.Queue.Deferred, d => d.WorkItemId == result.Deployments[1]);

        await _db.RunWorkAsync(result.Deployments[1]);
        await _db.RunQueuedWorkAsync();
        Assert.All(await HistoryAsync(), d => Assert.Equal(DeploymentStatus.Succeeded, d.Status));
        Assert.Single(_splunk.SavedSearches);
    }

    [Fact]
    public async Task ADryRun_SaysWhatWouldChangeOnEachTarget_AndChangesNothing()
    {
        await RunDeployAsync(new DeployRequest(_rule, [_first]));
        await Service<RuleService>(_owner).SaveAsync(_rule, RuleServiceTests.Whoami.Replace("level: high", "level: critical", StringComparison.Ordinal), 1);
        await _db.RunQueuedWorkAsync();
        await ApproveAsync();
        var (deploymentsBefore, workBefore, auditBefore) = await CountsAsync();

        var plans = (await Service<DeploymentService>(_owner).PlanAsync(new DeployRequest(_rule, [_first, _second, _splunkTarget]))).Value!;

        var update = plans[0];
        Assert.Equal((PlannedChange.Update, 1, 2, null), (update.Change, update.FromVersion, update.ToVersion, update.Problem));
        var level = Assert.Single(update.Changes);
        Assert.Equal(("level", "high", "critical"), (level.What, level.Before, level.After));
        Assert.Contains("level: high", update.QueryBefore, StringComparison.Ordinal);
        Assert.Contains("level: critical", update.QueryAfter, StringComparison.Ordinal);
        var created = plans[1];
        Assert.Equal((PlannedChange.New, null, null), (created.Change, created.FromVersion, created.QueryBefore));
        Assert.Empty(created.Changes);
        // Splunk's query is compiled as its deployment would compile it, and Splunk is not called.
        var splunk = plans[2];
        Assert.Equal((PlannedChange.New, null), (splunk.Change, splunk.Problem));
        Assert.Contains("whoami.exe", splunk.QueryAfter, StringComparison.Ordinal);
        Assert.Empty(_splunk.Requests);
        Assert.Equal(PlannedChange.Unchanged, (await Service<DeploymentService>(_owner).PlanAsync(new DeployRequest(_rule, [_first]) { Version = 1 })).Value!.Single().Change);
        Assert.Equal((deploymentsBefore, workBefore, auditBefore), await CountsAsync());

        // A dry run is checked as a deployment is: a Viewer may not, another company's target is not found.
        Assert.IsType<NotPermitted>((await Service<DeploymentService>(_viewer).PlanAsync(new DeployRequest(_rule, [_first]))).Error);
        Assert.IsType<NotFound>((await Service<DeploymentService>(_owner).PlanAsync(new DeployRequest(_rule, [Guid.NewGuid()]))).Error);
    }

    [Fact]
    public async Task AnAtomicDeployment_WhoseFailedTargetTookTheRuleAnyway_ReturnsThatTargetToo()
    {
        // Splunk saves the search, then the connection drops before it answers, every time: the work gives up as failed.
        _splunk.Inject(new TargetFault(TargetFaultKind.DropAfterHandling) { PathContains = "/saved/searches", Method = "POST", Times = 1_000 });
        var result = (await Service<DeploymentService>(_owner).DeployAsync(new DeployRequest(_rule, [_first, _splunkTarget]) { Atomic = true })).Value!;
        await _db.RunWorkAsync(result.Deployments[0]);
        for (var attempt = 0; attempt <= WorkRunner.MaxAttempts && Single(await HistoryAsync(), _splunkTarget).Status != DeploymentStatus.Failed; attempt++)
            await _db.RunWorkAsync(result.Deployments[1]);
        Assert.Equal(DeploymentStatus.Failed, Single(await HistoryAsync(), _splunkTarget).Status);
        Assert.Single(_splunk.SavedSearches);

        await _db.RunQueuedWorkAsync();

        // Both targets are back to what they ran before (nothing): the failed one too, because it was read back holding the rule.
        Assert.Empty(_splunk.SavedSearches);
        var undos = (await HistoryAsync()).Where(d => d.UndoesId is not null).ToList();
        Assert.Equal(2, undos.Count);
        Assert.All(undos, d => Assert.True(d is { Action: DeploymentAction.Remove, Status: DeploymentStatus.Succeeded }, $"{d.TargetName}: {d.Status} {d.Error}"));
        await using var db = _db.NewContext();
        var audit = await db.AuditEntries.IgnoreQueryFilters().SingleAsync(e => e.Action == AuditActions.AtomicRollback);
        Assert.Contains("held the failed version", audit.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADryRun_ReadsWhatTheSiemHoldsNow_EditedThere_DeletedThere_OrUnreadable()
    {
        await RunDeployAsync(new DeployRequest(_rule, [_splunkTarget]));
        var name = Assert.Single(_splunk.SavedSearches).Name;
        var requestsBefore = _splunk.Requests.Count;
        var request = new DeployRequest(_rule, [_splunkTarget]) { Version = 1 };
        var asDeployed = (await Service<DeploymentService>(_owner).PlanAsync(request)).Value!.Single();
        _splunk.Edit("search", name, "search", "index=main | head 1");
        var edited = (await Service<DeploymentService>(_owner).PlanAsync(request)).Value!.Single();
        _splunk.Inject(new TargetFault(TargetFaultKind.MalformedJson) { PathContains = "/saved/searches" });
        var unreadable = (await Service<DeploymentService>(_owner).PlanAsync(request)).Value!.Single();
        _splunk.Delete("search", name);
        var deleted = (await Service<DeploymentService>(_owner).PlanAsync(request)).Value!.Single();

        Assert.Null(asDeployed.TargetState);
        Assert.Equal(PlannedChange.Unchanged, edited.Change);
        Assert.Equal("index=main | head 1", edited.QueryBefore);
        Assert.Contains("Changed on the target since version 1 was deployed (search)", edited.TargetState, StringComparison.Ordinal);
        Assert.Contains("could not be read", unreadable.TargetState, StringComparison.Ordinal);
        Assert.Contains("whoami.exe", unreadable.QueryBefore, StringComparison.Ordinal);
        Assert.Contains("deleted there", deleted.TargetState, StringComparison.Ordinal);
        Assert.Null(deleted.QueryBefore);
        // Reading back only reads: nothing was written to Splunk by the dry runs.
        Assert.DoesNotContain(_splunk.Requests.Skip(requestsBefore), r => r.Method is "POST" or "DELETE" && r.Path.Contains("/saved/searches", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KillingARuleInTheMiddleOfAnAtomicDeployment_CancelsWhatWaits_AndLeavesItRunningNowhere()
    {
        var third = (await Service<TargetService>(_owner).CreateAsync("Third sandbox", TargetKind.Sandbox)).Value;
        var result = (await Service<DeploymentService>(_owner).DeployAsync(new DeployRequest(_rule, [_first, _second, third]) { Atomic = true })).Value!;
        await _db.RunWorkAsync(result.Deployments[0]);

        Assert.True((await Service<RuleService>(_owner).ChangeLifecycleAsync(_rule, RuleLifecycle.Killed, "false positives in production")).Succeeded);
        await _db.RunQueuedWorkAsync();

        var history = await HistoryAsync();
        Assert.DoesNotContain(history, d => d.Live);
        Assert.All(history.Where(d => d.Id != result.Deployments[0] && d.Action == DeploymentAction.Deploy),
            d => Assert.Equal((DeploymentStatus.Cancelled, "Not attempted: the rule was killed."), (d.Status, d.Error)));
        var removal = Assert.Single(history, d => d.Action == DeploymentAction.Remove);
        Assert.Equal((_first, DeploymentStatus.Succeeded), (removal.TargetId, removal.Status));
        Assert.Contains("is killed", (await Service<DeploymentService>(_owner).DeployAsync(_rule, _first)).Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARuleKilledWhileItsDeploymentTalksToTheTarget_IsRemovedFromThatTargetWhenTheCallEnds()
    {
        _splunk.Inject(new TargetFault(TargetFaultKind.Hang) { PathContains = "/saved/searches", Method = "POST", Delay = TimeSpan.FromSeconds(2) });
        var deployment = (await Service<DeploymentService>(_owner).DeployAsync(_rule, _splunkTarget)).Value;
        var running = _db.RunWorkAsync(deployment);
        var started = DateTime.UtcNow;
        while (!_splunk.Requests.Any(r => r.Method == "POST" && r.Path.Contains("/saved/searches", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), "the deployment never called Splunk");
            await Task.Delay(20);
        }

        // The kill cannot remove what is not there yet; the deployment, when it lands, takes the rule off again.
        Assert.True((await Service<RuleService>(_owner).ChangeLifecycleAsync(_rule, RuleLifecycle.Killed, "wrong index")).Succeeded);
        await running;
        await _db.RunQueuedWorkAsync();

        var history = await HistoryAsync();
        Assert.Equal(DeploymentStatus.Succeeded, history.Single(d => d.Id == deployment).Status);
        var removal = Assert.Single(history, d => d.Action == DeploymentAction.Remove);
        Assert.Equal((DeploymentStatus.Succeeded, false), (removal.Status, removal.Live));
        Assert.DoesNotContain(history, d => d.Live);
        Assert.Empty(_splunk.SavedSearches);
    }

    [Fact]
    public async Task ARequestThatOneTargetCannotTake_RecordsNothing_AndSaysWhich()
    {
        var watched = (await Service<TargetService>(_owner).CreateAsync("Watched", TargetKind.Sandbox, readOnly: true)).Value;
        await RunDeployAsync(new DeployRequest(_rule, [_second]));
        var service = Service<DeploymentService>(_owner);

        Assert.Equal("Targets", Assert.IsType<Invalid>((await service.DeployAsync(new DeployRequest(_rule, []))).Error).Field);
        Assert.Contains("named twice", (await service.DeployAsync(new DeployRequest(_rule, [_first, _first]))).Error!.Message, StringComparison.Ordinal);
        var tooMany = Enumerable.Range(0, DeploymentService.MaxTargetsPerRequest + 1).Select(_ => Guid.NewGuid()).ToList();
        Assert.Contains("at most 20 targets", (await service.DeployAsync(new DeployRequest(_rule, tooMany))).Error!.Message, StringComparison.Ordinal);
        Assert.Contains("'Watched' is read-only", (await service.DeployAsync(new DeployRequest(_rule, [_first, watched]))).Error!.Message, StringComparison.Ordinal);
        Assert.Contains("already runs on 'Second sandbox'", (await service.DeployAsync(new DeployRequest(_rule, [_first, _second]))).Error!.Message, StringComparison.Ordinal);
        Assert.IsType<NotFound>((await service.DeployAsync(new DeployRequest(_rule, [_first, Guid.NewGuid()]))).Error);
        Assert.IsType<NotPermitted>((await Service<DeploymentService>(_viewer).DeployAsync(new DeployRequest(_rule, [_first]))).Error);

        await using var db = _db.NewContext();
        Assert.Equal(1, await db.Deployments.IgnoreQueryFilters().CountAsync());
    }

    [Fact]
    public async Task AnotherCompanysTarget_IsNotFound_AndItsAdminSeesNoneOfOurHistory()
    {
        var mallory = await _db.AddUserAsync("mallory@globex.test");
        var globex = await _db.AddCompanyAsync("Globex", mallory);
        await RunDeployAsync(new DeployRequest(_rule, [_first, _second]));
        await using var scope = _db.As(mallory, globex);
        var theirs = scope.ServiceProvider.GetRequiredService<DeploymentService>();

        Assert.IsType<NotFound>((await theirs.DeployAsync(new DeployRequest(_rule, [_first]))).Error);
        var page = (await theirs.ListAsync(new DeploymentQuery())).Value!;
        Assert.Equal(0, page.Total);
        Assert.Empty((await theirs.ListAsync(new DeploymentQuery { RuleId = _rule })).Value!.Items);
    }

    [Fact]
    public async Task TheHistory_FiltersByTargetStatusAndText_PagesNewestFirst_AndEveryoneInTheCompanyReadsIt()
    {
        _splunk.Apps.Remove("search");
        await RunDeployAsync(new DeployRequest(_rule, [_first, _splunkTarget]));
        _db.Clock.Advance(TimeSpan.FromMinutes(5));
        await RunDeployAsync(new DeployRequest(_rule, [_second]));
        var history = Service<DeploymentService>(_viewer);

        var all = (await history.ListAsync(new DeploymentQuery())).Value!;
        Assert.Equal(3, all.Total);
        Assert.Equal("Second sandbox", all.Items[0].TargetName);
        Assert.Equal("Whoami Execution", all.Items[0].RuleTitle);
        Assert.Equal(TimeSpan.Zero, all.Items[0].Duration);
        Assert.Equal([_splunkTarget], (await history.ListAsync(new DeploymentQuery { Status = DeploymentStatus.Failed })).Value!.Items.Select(d => d.TargetId));
        Assert.Single((await history.ListAsync(new DeploymentQuery { TargetId = _first })).Value!.Items);
        Assert.Equal(3, (await history.ListAsync(new DeploymentQuery { Text = "WHOAMI" })).Value!.Total);
        Assert.Equal(0, (await history.ListAsync(new DeploymentQuery { Text = "no such rule" })).Value!.Total);
        var second = (await history.ListAsync(new DeploymentQuery { Skip = 1, Take = 1 })).Value!;
        Assert.Equal((3, 1), (second.Total, second.Items.Count));
        Assert.Equal("Take", Assert.IsType<Invalid>((await history.ListAsync(new DeploymentQuery { Take = 1000 })).Error).Field);
    }

    private async Task<(int Deployments, int Work, int Audit)> CountsAsync()
    {
        await using var db = _db.NewContext();
        return (await db.Deployments.IgnoreQueryFilters().CountAsync(), await db.WorkItems.IgnoreQueryFilters().CountAsync(), await db.AuditEntries.IgnoreQueryFilters().CountAsync());
    }

    private async Task RunDeployAsync(DeployRequest request)
    {
        var deployed = await Service<DeploymentService>(_owner).DeployAsync(request);
        Assert.True(deployed.Succeeded, deployed.Error?.Message);
        await _db.RunQueuedWorkAsync();
    }

    private async Task<IReadOnlyList<DeploymentView>> HistoryAsync() => (await Service<DeploymentService>(_owner).ListForRuleAsync(_rule)).Value!;

    private static DeploymentView Single(IEnumerable<DeploymentView> history, Guid target) => Assert.Single(history, d => d.TargetId == target && d.UndoesId is null);

    private async Task ApproveAsync()
    {
        var request = await Service<ApprovalService>(_owner).SubmitAsync(_rule);
        Assert.True(request.Succeeded, request.Error?.Message);
        Assert.Equal(ApprovalStatus.Approved, (await Service<ApprovalService>(_reviewer).DecideAsync(request.Value, ReviewDecisionKind.Approve, null)).Value);
    }

    private T Service<T>(string userId)
        where T : notnull => _db.As(userId, _company).ServiceProvider.GetRequiredService<T>();
}
