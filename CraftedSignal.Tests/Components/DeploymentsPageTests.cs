using Bunit;
using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Deployments;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Rules;
using CraftedSignal.Web.Components.Pages.Deployments;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Components;

public sealed class DeploymentsPageTests : IAsyncLifetime
{
    private readonly ComponentTestContext _test = new();
    private string _owner = "";
    private string _viewer = "";
    private Guid _company;

    public async Task InitializeAsync()
    {
        await _test.InitializeAsync();
        _owner = await _test.Database.AddUserAsync("olivia@acme.test", "Olivia");
        _viewer = await _test.Database.AddUserAsync("victor@acme.test", "Victor");
        _company = await _test.Database.AddCompanyAsync("Acme", _owner);
        await _test.Database.AddMemberAsync(_company, _viewer, CompanyRole.Viewer);
    }

    public Task DisposeAsync() => _test.DisposeAsync();

    [Fact]
    public async Task WithNothingDeployed_SaysWhereDeploymentsStart()
    {
        _test.SignIn(_viewer, "victor@acme.test", _company, CompanyRole.Viewer);

        var page = _test.Context.Render<DeploymentsPage>();

        page.WaitForAssertion(() => Assert.Contains("Nothing deployed yet", page.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AViewer_SeesEveryDeployment_WithRuleTargetOutcomeAndRequester_AndFiltersThem()
    {
        var reviewer = await _test.Database.AddUserAsync("rita@acme.test", "Rita");
        await _test.Database.AddMemberAsync(_company, reviewer, CompanyRole.User);
        var rule = (await Service<RuleService>(_owner).CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;
        await _test.Database.PassTestsAsync(_owner, _company, rule);
        var request = (await Service<ApprovalService>(_owner).SubmitAsync(rule)).Value;
        await Service<ApprovalService>(reviewer).DecideAsync(request, ReviewDecisionKind.Approve, null);
        var eu = (await Service<TargetService>(_owner).CreateAsync("EU sandbox", TargetKind.Sandbox)).Value;
        var us = (await Service<TargetService>(_owner).CreateAsync("US sandbox", TargetKind.Sandbox)).Value;
        await _test.Database.As(_owner, _company, "Olivia").ServiceProvider.GetRequiredService<DeploymentService>().DeployAsync(new DeployRequest(rule, [eu, us]));
        await _test.Database.RunQueuedWorkAsync();
        _test.SignIn(_viewer, "victor@acme.test", _company, CompanyRole.Viewer);

        var page = _test.Context.Render<DeploymentsPage>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("tbody tr").Count(r => r.TextContent.Contains("Whoami Execution", StringComparison.Ordinal))));
        var rows = page.FindAll("tbody tr").Select(r => r.TextContent).ToList();
        Assert.Contains(rows, r => r.Contains("EU sandbox", StringComparison.Ordinal) && r.Contains("Running", StringComparison.Ordinal) && r.Contains("Olivia", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("US sandbox", StringComparison.Ordinal) && r.Contains("Deploy v1", StringComparison.Ordinal));

        page.Find("input").Input("no such rule");
        page.Find("input").Blur();
        page.WaitForAssertion(() => Assert.Contains("No deployment matches these filters", page.Markup, StringComparison.Ordinal), TimeSpan.FromSeconds(15));
    }

    private T Service<T>(string userId)
        where T : notnull => _test.Database.As(userId, _company).ServiceProvider.GetRequiredService<T>();
}
