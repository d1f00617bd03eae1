using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Deployments;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Domain.Testing;
using CraftedSignal.Tests.Targets.Splunk;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CraftedSignal.E2E;

/// <summary>An approved rule goes to three sandboxes at once, all or nothing, and the deployment history shows each change.</summary>
public sealed class DeploymentJourneyTests(BrowserApp shared) : SharedAppTest(shared)
{
    private const string Whoami = """
        title: Whoami Execution
        status: test
        description: Detects whoami.exe, often run right after initial access.
        logsource:
            category: process_creation
            product: windows
        detection:
            selection:
                Image|endswith: '\whoami.exe'
            condition: selection
        level: high
        """;

    [Fact]
    public async Task AnApprovedRule_GoesToSeveralTargetsAtOnce_AndTheHistoryShowsEveryChange()
    {
        var team = await NewTeamAsync();
        var olivia = await team.PageAsync(CompanyRole.Owner, height: 900);

        // Before anything is deployed, the history says where deployments start.
        await olivia.GetByRole(AriaRole.Link, new() { Name = "Deployments", Exact = true }).ClickAsync();
        await Assertions.Expect(olivia.GetByText("Nothing deployed yet")).ToBeVisibleAsync();
        await Browser.ShotAsync(olivia, "70-deployments-empty");

        var rule = await ApprovedRuleAsync(team);
        foreach (var name in new[] { "EU sandbox", "US sandbox", "APAC sandbox" })
            Assert.True((await As(team, CompanyRole.Owner, s => s.GetRequiredService<TargetService>().CreateAsync(name, TargetKind.Sandbox))).Succeeded);
        Assert.True((await As(team, CompanyRole.Owner, s => s.GetRequiredService<TargetService>().CreateAsync("Production Splunk (watched)", TargetKind.Sandbox, readOnly: true))).Succeeded);

        await olivia.GotoAsync($"/rules/{rule}");
        await Browser.WaitForInteractiveAsync(olivia);
        await olivia.GetByRole(AriaRole.Tab, new() { Name = "Deploy" }).ClickAsync();
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Deploy to several…" }).ClickAsync();
        var dialog = olivia.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog.GetByLabel("Targets to deploy to")).ToContainTextAsync("read-only");
        await dialog.GetByText("All or nothing", new() { Exact = false }).ClickAsync();
        await Browser.ShotAsync(olivia, "71-deploy-several");

        // A dry run first: each target would get the rule for the first time, and nothing is recorded yet.
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Dry run" }).ClickAsync();
        await Assertions.Expect(dialog.GetByLabel("Dry run")).ToContainTextAsync("new · v1");
        await Assertions.Expect(dialog.GetByLabel("Plan for EU sandbox")).ToContainTextAsync("Would run");
        await Browser.ShotAsync(olivia, "71a-deploy-dry-run");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Deploy v1 to 3 targets" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);

        // Each target runs the version once the one before it succeeded; the panel follows live.
        await Assertions.Expect(olivia.GetByLabel("Targets", new() { Exact = true })).ToContainTextAsync("APAC sandbox");
        await Assertions.Expect(olivia.GetByLabel("Deployments").GetByText("Running")).ToHaveCountAsync(3, new() { Timeout = 30_000 });
        await Browser.ShotAsync(olivia, "72-editor-deployed-several");

        await olivia.GetByRole(AriaRole.Link, new() { Name = "Deployments", Exact = true }).ClickAsync();
        var history = olivia.GetByLabel("Deployments", new() { Exact = true });
        await Assertions.Expect(history.GetByText("atomic")).ToHaveCountAsync(3);
        await Assertions.Expect(history).ToContainTextAsync(team[CompanyRole.Owner].Email);
        await Browser.ShotAsync(olivia, "73-deployments");

        // A Viewer reads the same history; on a phone it stacks.
        var vera = await team.PageAsync(CompanyRole.Viewer, width: 390, height: 844);
        await vera.GotoAsync("/deployments");
        await Assertions.Expect(vera.GetByText("Whoami Execution")).ToHaveCountAsync(3);
        await Browser.ShotAsync(vera, "74-deployments-viewer-phone");
        AssertNoContentSecurityPolicyViolations();
    }

    [Fact]
    public async Task AnAtomicDeploymentThatSplunkRefuses_ReturnsTheSandboxesToTheVersionTheyRan_AndTheHistoryShowsEachStep()
    {
        await using var splunk = await SplunkTestServer.StartAsync();
        var team = await NewTeamAsync();
        var rule = await ApprovedRuleAsync(team);
        var eu = (await As(team, CompanyRole.Owner, s => s.GetRequiredService<TargetService>().CreateAsync("EU sandbox", TargetKind.Sandbox))).Value;
        var us = (await As(team, CompanyRole.Owner, s => s.GetRequiredService<TargetService>().CreateAsync("US sandbox", TargetKind.Sandbox))).Value;
        var production = (await As(team, CompanyRole.Owner, s => s.GetRequiredService<TargetService>().CreateAsync(splunk.TargetInput()))).Value;
        var first = await As(team, CompanyRole.Owner, s => s.GetRequiredService<DeploymentService>().DeployAsync(new DeployRequest(rule, [eu, us])));
        Assert.True(first.Succeeded, first.Error?.Message);
        await ApproveNewVersionAsync(team, rule, Whoami.Replace("level: high", "level: critical", StringComparison.Ordinal));
        // The app Splunk was set up with is gone: Splunk refuses the saved search.
        splunk.Apps.Remove("search");

        var olivia = await team.PageAsync(CompanyRole.Owner, height: 1000);
        await olivia.GotoAsync($"/rules/{rule}");
        await Browser.WaitForInteractiveAsync(olivia);
        await olivia.GetByRole(AriaRole.Tab, new() { Name = "Deploy" }).ClickAsync();
        await Assertions.Expect(olivia.GetByLabel("Deployments").GetByText("Running")).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Deploy to several…" }).ClickAsync();
        var dialog = olivia.GetByRole(AriaRole.Dialog);
        await dialog.GetByText("All or nothing", new() { Exact = false }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Dry run" }).ClickAsync();
        await Assertions.Expect(dialog.GetByLabel("Plan for EU sandbox")).ToContainTextAsync("update · v1 → v2");
        await Assertions.Expect(dialog.GetByLabel("Plan for EU sandbox").GetByLabel("Semantic changes")).ToContainTextAsync("level");
        await Browser.ShotAsync(olivia, "71b-deploy-dry-run-update");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Deploy v2 to 3 targets" }).ClickAsync();

        // The dialog lists targets by name, so Splunk comes second: it fails, the EU sandbox gets version 1 back, the US
        // sandbox is not attempted (it still runs version 1). The history keeps every step.
        await olivia.GetByRole(AriaRole.Link, new() { Name = "Deployments", Exact = true }).ClickAsync();
        var history = olivia.GetByLabel("Deployments", new() { Exact = true });
        await Assertions.Expect(history.GetByText("undo")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Assertions.Expect(history.GetByText("Running")).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        await Assertions.Expect(history).ToContainTextAsync("Failed");
        await Assertions.Expect(history).ToContainTextAsync("Not attempted");
        await Assertions.Expect(history).ToContainTextAsync("search");
        await Browser.ShotAsync(olivia, "73a-deployments-atomic-undo");
        Assert.Empty(splunk.SavedSearches);

        await using var scope = App.Services.CreateAsyncScope();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        // The undo row shows as soon as it is recorded; it may still be carrying EU back to version 1 for a moment.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var live = await db.Deployments.IgnoreQueryFilters().Where(d => d.RuleId == rule && d.Live).Select(d => new { d.TargetId, d.RuleVersion }).ToListAsync();
        while (live.Any(d => d.TargetId == eu && d.RuleVersion != 1) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            live = await db.Deployments.IgnoreQueryFilters().Where(d => d.RuleId == rule && d.Live).Select(d => new { d.TargetId, d.RuleVersion }).ToListAsync();
        }

        Assert.Equal([(eu, 1), (us, 1)], live.Select(d => (d.TargetId, d.RuleVersion)).OrderBy(d => d.TargetId == us));
        Assert.DoesNotContain(live, d => d.TargetId == production);
    }

    /// <summary>Olivia's rule with a passing test, approved by Adam: through the app's own services (the review has its own journey).</summary>
    private async Task<Guid> ApprovedRuleAsync(Team team)
    {
        var rule = (await As(team, CompanyRole.Owner, s => s.GetRequiredService<RuleService>().CreateAsync(new RuleDraft(RuleFormat.Sigma, Whoami)))).Value!.RuleId;
        await As(team, CompanyRole.Owner, async s =>
        {
            var tests = s.GetRequiredService<RuleTestService>();
            Assert.True((await tests.SaveCaseAsync(rule, null, "whoami runs", TestExpectation.Alert, null, """{"Image": "C:\\Windows\\System32\\whoami.exe"}""")).Succeeded);
            Assert.True((await tests.StartRunAsync(rule)).Succeeded);
            return 0;
        });
        await ApproveLatestAsync(team, rule);
        return rule;
    }

    /// <summary>Olivia saves version 2 on top of version 1 (its tests run on save) and Adam approves it.</summary>
    private async Task ApproveNewVersionAsync(Team team, Guid rule, string content)
    {
        Assert.True((await As(team, CompanyRole.Owner, s => s.GetRequiredService<RuleService>().SaveAsync(rule, content, 1))).Succeeded);
        await ApproveLatestAsync(team, rule);
    }

    private async Task ApproveLatestAsync(Team team, Guid rule)
    {

        // The run is background work in the app's own job system: submitting waits for it to pass.
        var started = DateTime.UtcNow;
        Result<Guid> review;
        while (!(review = await As(team, CompanyRole.Owner, s => s.GetRequiredService<ApprovalService>().SubmitAsync(rule))).Succeeded)
        {
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), review.Error.Message);
            await Task.Delay(200);
        }

        var decided = await As(team, CompanyRole.Admin, s => s.GetRequiredService<ApprovalService>().DecideAsync(review.Value, ReviewDecisionKind.Approve, null));
        Assert.Equal(ApprovalStatus.Approved, decided.Value);
    }

    private async Task<T> As<T>(Team team, CompanyRole role, Func<IServiceProvider, Task<T>> call)
    {
        await using var scope = App.Services.CreateAsyncScope();
        await using (var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var user = await db.Users.SingleAsync(u => u.Email == team[role].Email);
            scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(team.CompanyId, user.Id, user.Email!, role, null);
        }

        return await call(scope.ServiceProvider);
    }
}
