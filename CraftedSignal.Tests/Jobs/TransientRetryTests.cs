using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Audit;
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

namespace CraftedSignal.Tests.Jobs;

/// <summary>A deployment whose target fails transiently (a 5xx) goes back to the queue with a back-off instead of failing.</summary>
public sealed class TransientRetryTests : IAsyncLifetime
{
    private TestDatabase _db = default!;
    private SplunkTestServer _splunk = default!;
    private Guid _company;
    private string _owner = "";
    private Guid _rule;
    private Guid _target;

    public async Task InitializeAsync()
    {
        _splunk = await SplunkTestServer.StartAsync();
        _db = await TestDatabase.CreateAsync();
        _owner = await _db.AddUserAsync("olivia@acme.test");
        var reviewer = await _db.AddUserAsync("rita@acme.test");
        _company = await _db.AddCompanyAsync("Acme", _owner);
        await _db.AddMemberAsync(_company, reviewer, CompanyRole.User);
        _rule = await _db.ApprovedRuleAsync(_owner, reviewer, _company, RuleServiceTests.Whoami);
        _target = (await Service<TargetService>(_owner).CreateAsync(_splunk.TargetInput())).Value;
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        await _splunk.DisposeAsync();
    }

    [Fact]
    public async Task ATransientFailure_QueuesTheDeploymentAgain_AndTheNextAttemptDeploysItOnce()
    {
        _splunk.Inject(new TargetFault(TargetFaultKind.ServerError) { PathContains = "/saved/searches", Method = "POST" });
        var id = (await Service<DeploymentService>(_owner).DeployAsync(_rule, _target)).Value;

        await _db.RunWorkAsync(id);

        var (work, deployment) = await RowsAsync(id);
        Assert.Equal((WorkStatus.Queued, 1), (work.Status, work.Attempts));
        Assert.Contains("Attempt 1 of 5 failed; trying again in 30 s: Splunk failed with 500", work.Error, StringComparison.Ordinal);
        Assert.Equal((DeploymentStatus.Queued, false), (deployment.Status, deployment.Live));
        Assert.Contains("will try again", deployment.Error, StringComparison.Ordinal);
        Assert.Equal([(id, TimeSpan.FromSeconds(30))], _db.Queue.Deferred);
        Assert.Empty(_splunk.SavedSearches);
        Assert.Contains("is on its way", (await Service<DeploymentService>(_owner).DeployAsync(_rule, _target)).Error!.Message, StringComparison.Ordinal);

        await _db.RunWorkAsync(id);

        (work, deployment) = await RowsAsync(id);
        Assert.Equal((WorkStatus.Succeeded, 2), (work.Status, work.Attempts));
        Assert.Equal((DeploymentStatus.Succeeded, true, null), (deployment.Status, deployment.Live, deployment.Error));
        Assert.Single(_splunk.SavedSearches);
        await using var db = _db.NewContext();
        Assert.Equal(1, await db.AuditEntries.IgnoreQueryFilters().CountAsync(e => e.Action == AuditActions.DeploymentSucceeded));
        Assert.Equal(0, await db.AuditEntries.IgnoreQueryFilters().CountAsync(e => e.Action == AuditActions.DeploymentFailed));
    }

    [Fact]
    public async Task TransientFailuresEveryTime_EndFailedAtTheLastAttempt_WithTheTargetsMessage()
    {
        _splunk.Inject(new TargetFault(TargetFaultKind.ServerError) { PathContains = "/saved/searches", Method = "POST", Times = 100 });
        var id = (await Service<DeploymentService>(_owner).DeployAsync(_rule, _target)).Value;

        for (var attempt = 1; attempt <= WorkRunner.MaxAttempts; attempt++)
            await _db.RunWorkAsync(id);

        var (work, deployment) = await RowsAsync(id);
        Assert.Equal((WorkStatus.Failed, WorkRunner.MaxAttempts), (work.Status, work.Attempts));
        Assert.StartsWith("Splunk failed with 500", work.Error, StringComparison.Ordinal);
        Assert.Equal(DeploymentStatus.Failed, deployment.Status);
        Assert.Equal([30, 60, 120, 240], _db.Queue.Deferred.Select(d => d.Delay.TotalSeconds));
        Assert.Empty(_splunk.SavedSearches);
    }

    [Fact]
    public async Task APermanentFailure_FailsAtOnce_WithoutARetry()
    {
        _splunk.Inject(new TargetFault(TargetFaultKind.Forbidden) { PathContains = "/saved/searches", Method = "POST" });
        var id = (await Service<DeploymentService>(_owner).DeployAsync(_rule, _target)).Value;

        await _db.RunWorkAsync(id);

        var (work, deployment) = await RowsAsync(id);
        Assert.Equal((WorkStatus.Failed, DeploymentStatus.Failed, 1), (work.Status, deployment.Status, work.Attempts));
        Assert.Empty(_db.Queue.Deferred);
    }

    [Fact]
    public async Task ATargetThatAsksToWait_IsLeftAloneAsLongAsItAsked_UpToAnHour()
    {
        // Splunk answers 429 with Retry-After: 600, more than the connector waits inside one call (30 s).
        _splunk.Inject(new TargetFault(TargetFaultKind.TooManyRequests) { PathContains = "/saved/searches", Method = "POST", RetryAfterSeconds = 600, Times = 100 });
        var id = (await Service<DeploymentService>(_owner).DeployAsync(_rule, _target)).Value;

        await _db.RunWorkAsync(id);

        var (work, deployment) = await RowsAsync(id);
        Assert.Equal((WorkStatus.Queued, DeploymentStatus.Queued), (work.Status, deployment.Status));
        Assert.Contains("it asks to wait 600 s", deployment.Error, StringComparison.Ordinal);
        Assert.Equal([(id, TimeSpan.FromSeconds(600))], _db.Queue.Deferred);
        Assert.Equal(TimeSpan.FromHours(1), WorkRunner.RetryDelay(1, TimeSpan.FromDays(3)));
        Assert.Equal(TimeSpan.FromSeconds(60), WorkRunner.RetryDelay(2, TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task TheSameWorkHandedOverTwiceAtOnce_RunsOnce()
    {
        // Splunk holds its answer, so the second hand-over arrives while the first is in the middle of the call.
        _splunk.Inject(new TargetFault(TargetFaultKind.Hang) { PathContains = "/saved/searches", Method = "POST", Delay = TimeSpan.FromSeconds(1) });
        var id = (await Service<DeploymentService>(_owner).DeployAsync(_rule, _target)).Value;

        await Task.WhenAll(_db.RunWorkAsync(id), _db.RunWorkAsync(id));

        var (work, deployment) = await RowsAsync(id);
        Assert.Equal((WorkStatus.Succeeded, 1, DeploymentStatus.Succeeded), (work.Status, work.Attempts, deployment.Status));
        Assert.Single(_splunk.Requests, r => r.Method == "POST" && r.Path.Contains("/saved/searches", StringComparison.Ordinal));
        Assert.Empty(_db.Queue.Deferred);
    }

    [Fact]
    public void TheBackOff_Doubles_UpToFifteenMinutes() =>
        Assert.Equal([30, 60, 120, 240, 480, 900, 900], Enumerable.Range(1, 7).Select(a => WorkRunner.RetryDelay(a).TotalSeconds));

    private async Task<(WorkItem Work, Deployment Deployment)> RowsAsync(Guid id)
    {
        await using var db = _db.NewContext();
        return (await db.WorkItems.IgnoreQueryFilters().SingleAsync(w => w.Id == id), await db.Deployments.IgnoreQueryFilters().SingleAsync(d => d.Id == id));
    }

    private T Service<T>(string userId)
        where T : notnull => _db.As(userId, _company).ServiceProvider.GetRequiredService<T>();
}
