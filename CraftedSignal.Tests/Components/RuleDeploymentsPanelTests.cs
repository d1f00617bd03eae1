using Bunit;
using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Deployments;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Rules;
using CraftedSignal.Web.Components.Pages.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CraftedSignal.Tests.Components;

public sealed class RuleDeploymentsPanelTests : IAsyncLifetime
{
    private readonly ComponentTestContext _test = new();
    private string _owner = "";
    private string _reviewer = "";
    private Guid _company;

    public async Task InitializeAsync()
    {
        await _test.InitializeAsync();
        _owner = await _test.Database.AddUserAsync("olivia@acme.test", "Olivia");
        _reviewer = await _test.Database.AddUserAsync("rita@acme.test", "Rita");
        _company = await _test.Database.AddCompanyAsync("Acme", _owner);
        await _test.Database.AddMemberAsync(_company, _reviewer, CompanyRole.User);
    }

    public Task DisposeAsync() => _test.DisposeAsync();

    [Fact]
    public async Task WithoutAnApprovedVersion_SaysToSubmitIt_AndOffersNoDeploy()
    {
        var rule = await Service<RuleService>(_owner).CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami));
        await Service<TargetService>(_owner).CreateAsync("Sandbox", TargetKind.Sandbox);
        _test.SignIn(_owner, "olivia@acme.test", _company, CompanyRole.Owner);

        var panel = _test.Context.Render<RuleDeploymentsPanel>(p => p.Add(x => x.RuleId, rule.Value!.RuleId).Add(x => x.CanEdit, true));

        panel.WaitForAssertion(() => Assert.Contains("No version is approved yet", panel.Markup, StringComparison.Ordinal));
        Assert.Empty(panel.FindAll("button:contains('Deploy')"));
    }

    [Fact]
    public async Task LiveVersion_CanBeRolledBackToAnOlderApprovedOne()
    {
        var rule = (await Service<RuleService>(_owner).CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;
        await _test.Database.PassTestsAsync(_owner, _company, rule);
        await ApproveAsync(rule);
        await Service<RuleService>(_owner).SaveAsync(rule, RuleServiceTests.Whoami.Replace("level: high", "level: critical", StringComparison.Ordinal), 1);
        await _test.Database.RunQueuedWorkAsync();
        await ApproveAsync(rule);
        var target = (await Service<TargetService>(_owner).CreateAsync("Sandbox", TargetKind.Sandbox)).Value;
        var deployed = (await Service<DeploymentService>(_owner).DeployAsync(rule, target)).Value;
        await _test.Database.RunWorkAsync(deployed);
        _test.SignIn(_owner, "olivia@acme.test", _company, CompanyRole.Owner);
        var popovers = _test.Context.Render<MudPopoverProvider>();

        var panel = _test.Context.Render<RuleDeploymentsPanel>(p => p.Add(x => x.RuleId, rule).Add(x => x.CanEdit, true));
        panel.WaitForAssertion(() => Assert.Contains("version 2 running", panel.Find("[aria-label='Targets']").TextContent, StringComparison.Ordinal));
        panel.Find("button:contains('Roll back')").Click();
        popovers.WaitForAssertion(() => popovers.FindAll(".mud-menu-item").Single(i => i.TextContent.Contains("Roll back to v1", StringComparison.Ordinal)).Click());

        await panel.WaitForAssertionAsync(async () =>
        {
            await using var db = _test.Database.NewContext();
            var queued = await db.Deployments.IgnoreQueryFilters().SingleAsync(d => d.Status == DeploymentStatus.Queued);
            Assert.Equal((DeploymentAction.Deploy, 1), (queued.Action, queued.RuleVersion));
        });
    }

    [Fact]
    public async Task DeployToSeveral_OffersTheWritableTargets_AndRecordsAnAtomicDeploymentInTheOrderShown()
    {
        var rule = (await Service<RuleService>(_owner).CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;
        await _test.Database.PassTestsAsync(_owner, _company, rule);
        await ApproveAsync(rule);
        var eu = (await Service<TargetService>(_owner).CreateAsync("EU sandbox", TargetKind.Sandbox)).Value;
        var us = (await Service<TargetService>(_owner).CreateAsync("US sandbox", TargetKind.Sandbox)).Value;
        await Service<TargetService>(_owner).CreateAsync("Watched", TargetKind.Sandbox, readOnly: true);
        _test.SignIn(_owner, "olivia@acme.test", _company, CompanyRole.Owner);
        var dialogs = _test.Context.Render<MudDialogProvider>();

        var panel = _test.Context.Render<RuleDeploymentsPanel>(p => p.Add(x => x.RuleId, rule).Add(x => x.CanEdit, true));
        panel.WaitForAssertion(() => panel.Find("button:contains('Deploy to several')").Click());

        dialogs.WaitForAssertion(() => Assert.Contains("Watched", dialogs.Find("[aria-label='Targets to deploy to']").TextContent, StringComparison.Ordinal));
        var boxes = dialogs.FindAll("[aria-label='Targets to deploy to'] input[type=checkbox]");
        Assert.Equal([true, true, false], boxes.Select(b => b.HasAttribute("checked")));
        Assert.True(boxes[2].HasAttribute("disabled"));
        Assert.Contains("read-only", dialogs.Markup, StringComparison.Ordinal);
        dialogs.Find("input[type=checkbox][role=switch], .mud-switch input").Change(true);
        dialogs.Find("button:contains('Deploy v1 to 2 targets')").Click();

        await dialogs.WaitForAssertionAsync(async () =>
        {
            await using var db = _test.Database.NewContext();
            var recorded = await db.Deployments.IgnoreQueryFilters().OrderBy(d => d.Sequence).ToListAsync();
            Assert.Equal([eu, us], recorded.Select(d => d.TargetId));
            Assert.All(recorded, d => Assert.True(d.Atomic && d.BatchId == recorded[0].BatchId && d.BatchId is not null));
        });
        panel.WaitForAssertion(() => Assert.Contains("Waiting its turn", panel.Find("[aria-label='Deployments']").TextContent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AViewer_SeesTheHistory_ButNoDeployButtons()
    {
        var viewer = await _test.Database.AddUserAsync("victor@acme.test", "Victor");
        await _test.Database.AddMemberAsync(_company, viewer, CompanyRole.Viewer);
        var rule = (await Service<RuleService>(_owner).CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;
        await _test.Database.PassTestsAsync(_owner, _company, rule);
        await ApproveAsync(rule);
        var first = (await Service<TargetService>(_owner).CreateAsync("EU sandbox", TargetKind.Sandbox)).Value;
        var second = (await Service<TargetService>(_owner).CreateAsync("US sandbox", TargetKind.Sandbox)).Value;
        await Service<DeploymentService>(_owner).DeployAsync(new DeployRequest(rule, [first, second]));
        await _test.Database.RunQueuedWorkAsync();
        _test.SignIn(viewer, "victor@acme.test", _company, CompanyRole.Viewer);

        var panel = _test.Context.Render<RuleDeploymentsPanel>(p => p.Add(x => x.RuleId, rule).Add(x => x.CanEdit, false));

        panel.WaitForAssertion(() => Assert.Equal(2, panel.FindAll("[aria-label='Deployments'] tr").Count(r => r.TextContent.Contains("Running", StringComparison.Ordinal))));
        Assert.Empty(panel.FindAll("button"));
    }

    private async Task ApproveAsync(Guid rule)
    {
        var request = (await Service<ApprovalService>(_owner).SubmitAsync(rule)).Value;
        Assert.Equal(ApprovalStatus.Approved, (await Service<ApprovalService>(_reviewer).DecideAsync(request, ReviewDecisionKind.Approve, null)).Value);
    }

    private T Service<T>(string userId)
        where T : notnull => _test.Database.As(userId, _company).ServiceProvider.GetRequiredService<T>();
}
