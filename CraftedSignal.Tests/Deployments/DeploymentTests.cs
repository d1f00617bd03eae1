using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Deployments;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Tests.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CraftedSignal.Tests.Deployments;

public sealed class DeploymentTests : IAsyncLifetime
{
    private TestDatabase _db = default!;
    private Guid _company;
    private string _owner = "";
    private string _reviewer = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _owner = await _db.AddUserAsync("olivia@acme.test");
        _reviewer = await _db.AddUserAsync("rita@acme.test");
        _company = await _db.AddCompanyAsync("Acme", _owner);
        await _db.AddMemberAsync(_company, _reviewer, CompanyRole.User);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Targets_AreAddedByAdmins_WithAnInstalledConnector_AndUniqueNames()
    {
        Assert.True((await Service<TargetService>(_owner).CreateAsync("Sandbox", TargetKind.Sandbox)).Succeeded);

        Assert.IsType<NotPermitted>((await Service<TargetService>(_reviewer).CreateAsync("Mine", TargetKind.Sandbox)).Error);
        Assert.Contains("already a target named", (await Service<TargetService>(_owner).CreateAsync(" Sandbox ", TargetKind.Sandbox)).Error!.Message, StringComparison.Ordinal);
        // Every SIEM connector is installed, so its targets are creatable with their settings (Targets/TargetSettingsTests, CloudTargetSettingsTests).
        Assert.Equal([TargetKind.Sandbox, TargetKind.Splunk, TargetKind.Sentinel, TargetKind.Elastic], Service<TargetService>(_owner).AvailableKinds);
        Assert.Equal("Settings", Assert.IsType<Invalid>((await Service<TargetService>(_owner).CreateAsync("Prod Splunk", TargetKind.Splunk)).Error).Field);
        Assert.Equal("Settings", Assert.IsType<Invalid>((await Service<TargetService>(_owner).CreateAsync("Prod Sentinel", TargetKind.Sentinel)).Error).Field);
        Assert.Equal("Name", Assert.IsType<Invalid>((await Service<TargetService>(_owner).CreateAsync("  ", TargetKind.Sandbox)).Error).Field);
        Assert.Single((await Service<TargetService>(_reviewer).ListAsync()).Value!);
    }

    [Fact]
    public async Task Deploy_WithoutAnApprovedVersion_IsRefused()
    {
        var rule = await CreateRuleAsync();
        var target = (await Service<TargetService>(_owner).CreateAsync("Sandbox", TargetKind.Sandbox)).Value;

        var deployed = await Service<DeploymentService>(_owner).DeployAsync(rule, target);

        Assert.Contains("No version of this rule is approved", deployed.Error!.Message, StringComparison.Ordinal);
        await using var db = _db.NewContext();
        Assert.False(await db.Deployments.IgnoreQueryFilters().AnyAsync());
        Assert.False(await db.WorkItems.IgnoreQueryFilters().AnyAsync(w => w.Kind == DeploymentService.WorkKind));
    }

    [Fact]
    public async Task ApprovedVersion_DeploysToTheSandbox_AndTheLibraryFiltersByTarget()
    {
        var rule = await CreateRuleAsync();
        await ApproveAsync(rule);
        var sandbox = (await Service<TargetService>(_owner).CreateAsync("Sandbox", TargetKind.Sandbox)).Value;
        var other = (await Service<TargetService>(_owner).CreateAsync("Second sandbox", TargetKind.Sandbox)).Value;

        var before = _db.Queue.Enqueued.Count;
        var id = (await Service<DeploymentService>(_owner).DeployAsync(rule, sandbox)).Value;
        Assert.Equal([id], _db.Queue.Enqueued.Skip(before));
        Assert.Contains("is on its way", (await Service<DeploymentService>(_owner).DeployAsync(rule, sandbox)).Error!.Message, StringComparison.Ordinal);
        await RunAsync(id);

        var deployment = Assert.Single((await Service<DeploymentService>(_owner).ListForRuleAsync(rule)).Value!);
        Assert.Equal((DeploymentStatus.Succeeded, true, 1, "Sandbox"), (deployment.Status, deployment.Live, deployment.RuleVersion, deployment.TargetName));
        var library = Service<RuleLibraryService>(_reviewer);
        Assert.Equal(1, (await library.ListAsync(new RuleQuery { DeployedTo = sandbox })).Value!.TotalCount);
        Assert.Equal(0, (await library.ListAsync(new RuleQuery { DeployedTo = other })).Value!.TotalCount);
        Assert.Equal(1, (await Service<TargetService>(_owner).ListAsync()).Value!.Single(t => t.Id == sandbox).DeployedRules);
        await using var db = _db.NewContext();
        Assert.Equal(RuleServiceTests.Whoami, (await db.Deployments.IgnoreQueryFilters().SingleAsync()).CompiledQuery);
        Assert.True(await db.AuditEntries.IgnoreQueryFilters().AnyAsync(e => e.Action == AuditActions.DeploymentSucceeded));
    }

    [Fact]
    public async Task TheSandbox_ReadsBackItsLiveVersion_ForItsOwnCompanyOnly()
    {
        var rule = await CreateRuleAsync();
        await ApproveAsync(rule);
        var sandboxId = (await Service<TargetService>(_owner).CreateAsync("Sandbox", TargetKind.Sandbox)).Value;
        await RunAsync((await Service<DeploymentService>(_owner).DeployAsync(rule, sandboxId)).Value);
        await using var scope = _db.As(_owner, _company);
        var connector = scope.ServiceProvider.GetServices<ITargetConnector>().Single(c => c.Kind == TargetKind.Sandbox);
        await using var db = _db.NewContext();
        var target = await db.SiemTargets.IgnoreQueryFilters().SingleAsync(t => t.Id == sandboxId);

        var read = await connector.ReadAsync(target, rule, CancellationToken.None);
        var same = await connector.CompareAsync(target, rule, RuleServiceTests.Whoami, CancellationToken.None);
        var other = await connector.CompareAsync(target, rule, RuleServiceTests.Whoami.Replace("level: high", "level: low", StringComparison.Ordinal), CancellationToken.None);
        var listed = await connector.ListAsync(target, CancellationToken.None);
        var foreign = await connector.ListAsync(new SiemTarget { Id = sandboxId, CompanyId = Guid.NewGuid(), Name = "Sandbox" }, CancellationToken.None);
        var health = await connector.HealthAsync(target, CancellationToken.None);

        Assert.Equal((rule, RuleServiceTests.Whoami), (read.Value!.RuleId, read.Value.Query));
        Assert.True(same.Value!.AsDeployed);
        Assert.Equal("content", Assert.Single(other.Value!.Differences).Field);
        Assert.Equal([rule], listed.Value!.Select(r => r.RuleId));
        Assert.Empty(foreign.Value!);
        Assert.Equal(("Sandbox", "0 sample events"), (health.Value!.Service, health.Value.Status));
    }

    [Fact]
    public async Task ANewApprovedVersion_ReplacesTheOldOneOnTheTarget()
    {
        var rule = await CreateRuleAsync();
        await ApproveAsync(rule);
        var sandbox = (await Service<TargetService>(_owner).CreateAsync("Sandbox", TargetKind.Sandbox)).Value;
        await RunAsync((await Service<DeploymentService>(_owner).DeployAsync(rule, sandbox)).Value);
        await Service<RuleService>(_owner).SaveAsync(rule, RuleServiceTests.Whoami.Replace("level: high", "level: critical", StringComparison.Ordinal), 1);
        await _db.RunQueuedWorkAsync();
        await ApproveAsync(rule);
        _db.Clock.Advance(TimeSpan.FromMinutes(1));

        await RunAsync((await Service<DeploymentService>(_owner).DeployAsync(rule, sandbox)).Value);

        var deployments = (await Service<DeploymentService>(_owner).ListForRuleAsync(rule)).Value!;
        Assert.Equal([(2, true), (1, false)], deployments.Select(d => (d.RuleVersion, d.Live)));
        Assert.Equal(1, (await Service<RuleLibraryService>(_owner).ListAsync(new RuleQuery { DeployedTo = sandbox })).Value!.TotalCount);
    }

    [Fact]
    public async Task Rollback_RedeploysAnOlderApprovedVersion_NeverAnUnapprovedOne()
    {
        var rule = await CreateRuleAsync();
        await ApproveAsync(rule);
        var sandbox = (await Service<TargetService>(_owner).CreateAsync("Sandbox", TargetKind.Sandbox)).Value;
        await Service<RuleService>(_owner).SaveAsync(rule, RuleServiceTests.Whoami.Replace("level: high", "level: critical", StringComparison.Ordinal), 1);
        await _db.RunQueuedWorkAsync();
        await ApproveAsync(rule);
        await Service<RuleService>(_owner).SaveAsync(rule, RuleServiceTests.Whoami.Replace("level: high", "level: low", StringComparison.Ordinal), 2);
        await _db.RunQueuedWorkAsync();
        await RunAsync((await Service<DeploymentService>(_owner).DeployAsync(rule, sandbox)).Value);
        Assert.Contains("already runs", (await Service<DeploymentService>(_owner).DeployAsync(rule, sandbox, 2)).Error!.Message, StringComparison.Ordinal);

        Assert.Contains("Version 3 is not approved", (await Service<DeploymentService>(_owner).DeployAsync(rule, sandbox, 3)).Error!.Message, StringComparison.Ordinal);
        await RunAsync((await Service<DeploymentService>(_owner).DeployAsync(rule, sandbox, 1)).Value);

        var live = Assert.Single((await Service<DeploymentService>(_owner).ListForRuleAsync(rule)).Value!, d => d.Live);
        Assert.Equal(1, live.RuleVersion);
        await using var db = _db.NewContext();
        var requests = await db.AuditEntries.IgnoreQueryFilters().Where(a => a.Action == AuditActions.DeploymentRequested).OrderBy(a => a.Id).Select(a => a.Details!).ToListAsync();
        Assert.Contains("\"rollback\":false", requests[0], StringComparison.Ordinal);
        Assert.Contains("\"replaces\":2,\"rollback\":true", requests[1], StringComparison.Ordinal);
        Assert.Equal([2, 1], (await Service<ApprovalService>(_reviewer).ApprovedVersionsAsync(rule)).Value!);
    }

    [Fact]
    public async Task Remove_TakesTheRuleOffTheTarget_AndOnlyThenCanItBeArchived()
    {
        var rule = await CreateRuleAsync();
        await ApproveAsync(rule);
        var sandbox = (await Service<TargetService>(_owner).CreateAsync("Sandbox", TargetKind.Sandbox)).Value;
        Assert.Contains("nothing to remove", (await Service<DeploymentService>(_owner).RemoveAsync(rule, sandbox)).Error!.Message, StringComparison.Ordinal);
        await RunAsync((await Service<DeploymentService>(_owner).DeployAsync(rule, sandbox)).Value);
        Assert.Contains("still runs on 1 target", (await Service<RuleService>(_owner).ArchiveAsync(rule)).Error!.Message, StringComparison.Ordinal);

        var removal = (await Service<DeploymentService>(_owner).RemoveAsync(rule, sandbox)).Value;
        Assert.Contains("on its way", (await Service<DeploymentService>(_owner).RemoveAsync(rule, sandbox)).Error!.Message, StringComparison.Ordinal);
        await RunAsync(removal);

        Assert.Equal(0, (await Service<RuleLibraryService>(_owner).ListAsync(new RuleQuery { DeployedTo = sandbox })).Value!.TotalCount);
        Assert.All((await Service<DeploymentService>(_owner).ListForRuleAsync(rule)).Value!, d => Assert.False(d.Live));
        Assert.True((await Service<RuleService>(_owner).ArchiveAsync(rule)).Succeeded);
        await using var db = _db.NewContext();
        Assert.True(await db.AuditEntries.IgnoreQueryFilters().AnyAsync(e => e.Action == AuditActions.RemovalSucceeded));
    }

    [Fact]
    public async Task KillingARule_RemovesItFromEveryTargetItRunsOn()
    {
        var rule = await CreateRuleAsync();
        await ApproveAsync(rule);
        var first = (await Service<TargetService>(_owner).CreateAsync("Sandbox", TargetKind.Sandbox)).Value;
        var second = (await Service<TargetService>(_owner).CreateAsync("Second sandbox", TargetKind.Sandbox)).Value;
        await RunAsync((await Service<DeploymentService>(_owner).DeployAsync(rule, first)).Value);
        await RunAsync((await Service<DeploymentService>(_owner).DeployAsync(rule, second)).Value);
        var deployed = _db.Queue.Enqueued.Count;

        Assert.True((await Service<RuleService>(_owner).ChangeLifecycleAsync(rule, RuleLifecycle.Killed, "noisy")).Succeeded);

        var removals = _db.Queue.Enqueued.Skip(deployed).ToList();
        Assert.Equal(2, removals.Count);
        foreach (var removal in removals)
            await RunAsync(removal);
        Assert.All((await Service<DeploymentService>(_owner).ListForRuleAsync(rule)).Value!, d => Assert.False(d.Live));
        Assert.True((await Service<RuleService>(_owner).ArchiveAsync(rule)).Succeeded);
    }

    [Fact]
    public async Task ReadOnlyTarget_IsNeverWrittenTo_AndATargetInUseCannotBeRemoved()
    {
        var rule = await CreateRuleAsync();
        await ApproveAsync(rule);
        var watched = (await Service<TargetService>(_owner).CreateAsync("Watched", TargetKind.Sandbox, readOnly: true)).Value;
        var sandbox = (await Service<TargetService>(_owner).CreateAsync("Sandbox", TargetKind.Sandbox)).Value;

        Assert.Contains("read-only", (await Service<DeploymentService>(_owner).DeployAsync(rule, watched)).Error!.Message, StringComparison.Ordinal);
        await RunAsync((await Service<DeploymentService>(_owner).DeployAsync(rule, sandbox)).Value);

        Assert.Contains("1 rule(s) are deployed", (await Service<TargetService>(_owner).DeleteAsync(sandbox)).Error!.Message, StringComparison.Ordinal);
        Assert.True((await Service<TargetService>(_owner).DeleteAsync(watched)).Succeeded);
    }

    [Fact]
    public async Task AnotherCompany_CannotDeployToAcmesTarget_NorSeeIt()
    {
        var sandbox = (await Service<TargetService>(_owner).CreateAsync("Sandbox", TargetKind.Sandbox)).Value;
        var eve = await _db.AddUserAsync("eve@globex.test");
        var globex = await _db.AddCompanyAsync("Globex", eve);
        await using var scope = _db.As(eve, globex);
        var theirRule = (await scope.ServiceProvider.GetRequiredService<RuleService>().CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;

        Assert.IsType<NotFound>((await scope.ServiceProvider.GetRequiredService<DeploymentService>().DeployAsync(theirRule, sandbox)).Error);
        Assert.Empty((await scope.ServiceProvider.GetRequiredService<TargetService>().ListAsync()).Value!);
        Assert.IsType<NotFound>((await scope.ServiceProvider.GetRequiredService<TargetService>().DeleteAsync(sandbox)).Error);
    }

    [Fact]
    public async Task Sandbox_RefusesARuleTheEngineCannotCompile()
    {
        await using var scope = _db.As(_owner, _company);
        var sandbox = scope.ServiceProvider.GetServices<ITargetConnector>().Single(c => c.Kind == TargetKind.Sandbox);
        var result = await sandbox.DeployAsync(new SiemTarget { Name = "Sandbox" }, Guid.NewGuid(), "title: x\ndetection:\n  sel:\n    a|nope: b\n  condition: sel\n", Guid.NewGuid(), CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.NotNull(result.Error);
    }

    private async Task<Guid> CreateRuleAsync()
    {
        var rule = (await Service<RuleService>(_owner).CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;
        await _db.PassTestsAsync(_owner, _company, rule);
        return rule;
    }

    private async Task ApproveAsync(Guid rule)
    {
        var request = await Service<ApprovalService>(_owner).SubmitAsync(rule);
        Assert.True(request.Succeeded, request.Error?.Message);
        Assert.Equal(ApprovalStatus.Approved, (await Service<ApprovalService>(_reviewer).DecideAsync(request.Value, ReviewDecisionKind.Approve, null)).Value);
    }

    private async Task RunAsync(Guid id)
    {
        await _db.RunWorkAsync(id);
        await using var db = _db.NewContext();
        var item = await db.WorkItems.IgnoreQueryFilters().SingleAsync(w => w.Id == id);
        Assert.True(item.Status == WorkStatus.Succeeded, item.Error);
    }

    private T Service<T>(string userId)
        where T : notnull => _db.As(userId, _company).ServiceProvider.GetRequiredService<T>();
}
