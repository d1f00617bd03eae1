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

    private async Task ApproveAsync(Guid rule)
    {
        var request = (await Service<ApprovalService>(_owner).SubmitAsync(rule)).Value;
        Assert.Equal(ApprovalStatus.Approved, (await Service<ApprovalService>(_reviewer).DecideAsync(request, ReviewDecisionKind.Approve, null)).Value);
    }

    private T Service<T>(string userId)
        where T : notnull => _test.Database.As(userId, _company).ServiceProvider.GetRequiredService<T>();
}
