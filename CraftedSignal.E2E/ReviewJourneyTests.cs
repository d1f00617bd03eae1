using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CraftedSignal.E2E;

/// <summary>Four eyes in the browser: the author submits a version, cannot approve it, and a colleague does.</summary>
public sealed class ReviewJourneyTests(BrowserApp shared) : SharedAppTest(shared)
{
    private const string Whoami = """
        title: Whoami Execution
        status: test
        description: Detects whoami.exe, often run right after initial access.
        tags:
            - attack.discovery
            - attack.t1033
        logsource:
            category: process_creation
            product: windows
        detection:
            selection:
                Image|endswith: '\whoami.exe'
            condition: selection
        falsepositives:
            - Admin scripts
        level: high
        """;

    [Fact]
    public async Task AuthorSubmits_CannotApproveTheirOwn_ColleagueApproves()
    {
        var team = await NewTeamAsync();
        var olivia = await team.PageAsync(CompanyRole.Owner, height: 900);
        var rule = await AddRuleAsync(team);

        // Olivia invites Rita as a User.
        await olivia.GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
        await Browser.WaitForInteractiveAsync(olivia);
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Invite" }).ClickAsync();
        var invite = olivia.GetByRole(AriaRole.Dialog);
        await invite.GetByLabel("Email").FillAsync("rita@acme.test");
        await invite.GetByRole(AriaRole.Button, new() { Name = "Create invitation" }).ClickAsync();
        var link = await invite.GetByLabel("One-time link").InputValueAsync();
        await invite.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();

        // Nothing waits for review yet, and the rule cannot be deployed before it is approved.
        await olivia.GetByRole(AriaRole.Link, new() { Name = "Reviews" }).ClickAsync();
        await Assertions.Expect(olivia.GetByText("Nothing waiting for review")).ToBeVisibleAsync();
        await Browser.ShotAsync(olivia, "34a-reviews-empty");
        await olivia.GotoAsync($"/rules/{rule}");
        await Browser.WaitForInteractiveAsync(olivia);
        await olivia.GetByRole(AriaRole.Tab, new() { Name = "Deploy" }).ClickAsync();
        await Assertions.Expect(olivia.GetByText("No version is approved yet.", new() { Exact = false })).ToBeVisibleAsync();
        await Assertions.Expect(olivia.GetByText("No targets", new() { Exact = true })).ToBeVisibleAsync();
        await Browser.ShotAsync(olivia, "34b-editor-deploy-empty");

        // A review needs a finished, passing test run: the button says so, and opens by itself when the run ends.
        await Assertions.Expect(olivia.GetByRole(AriaRole.Button, new() { Name = "Submit for review" })).ToBeDisabledAsync();
        await olivia.GetByRole(AriaRole.Tab, new() { Name = "Tests" }).ClickAsync();
        await AddTestAsync(olivia, "whoami from cmd", mustAlert: true, """{"Image": "C:\\Windows\\System32\\whoami.exe"}""");
        await Assertions.Expect(olivia.GetByRole(AriaRole.Button, new() { Name = "Submit for review" })).ToBeDisabledAsync();
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Run tests" }).ClickAsync();
        await Assertions.Expect(olivia.GetByLabel("Test run status")).ToContainTextAsync("Passed · version 1 · 1 passed, 0 failed");
        await Assertions.Expect(olivia.GetByRole(AriaRole.Tab, new() { Name = "Tests ✓" })).ToBeVisibleAsync();

        // Olivia submits the rule for review from the editor.
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Submit for review" }).ClickAsync();
        var submit = olivia.GetByRole(AriaRole.Dialog);
        await submit.GetByLabel("Note to reviewers (optional)").FillAsync("First cut of the whoami rule.");
        await submit.GetByRole(AriaRole.Button, new() { Name = "Submit for review" }).ClickAsync();
        await Assertions.Expect(olivia.GetByLabel("Review status")).ToHaveTextAsync("In review · 0 of 1");
        await Assertions.Expect(olivia.GetByRole(AriaRole.Button, new() { Name = "Submit for review" })).ToBeDisabledAsync();

        // She cannot approve her own change.
        await olivia.GetByLabel("Review status").ClickAsync();
        await Assertions.Expect(olivia.GetByLabel("Why you cannot decide")).ToContainTextAsync("Authors never approve their own changes");
        await Assertions.Expect(olivia.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0);
        await Browser.WaitForInteractiveAsync(olivia);
        await Browser.ShotAsync(olivia, "36-review-author");

        // Rita joins, finds the review in the queue, reads the risk and approves.
        var rita = await Chromium.NewPageAsync(App.BaseUrl, height: 900);
        await rita.GotoAsync(link);
        await rita.GetByRole(AriaRole.Link, new() { Name = "Create an account" }).ClickAsync();
        await rita.GetByLabel("Your name").FillAsync("Rita Reviewer");
        await rita.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await rita.GetByLabel("Confirm password").FillAsync(Password);
        await rita.GetByRole(AriaRole.Button, new() { Name = "Create account and join" }).ClickAsync();
        await Assertions.Expect(rita.GetByText("Acme Detection · you are a User")).ToBeVisibleAsync();
        await Browser.WaitForInteractiveAsync(rita);
        await rita.GetByRole(AriaRole.Link, new() { Name = "Reviews" }).ClickAsync();
        await Assertions.Expect(rita.GetByRole(AriaRole.Link, new() { Name = "Whoami Execution" })).ToBeVisibleAsync();
        await Browser.ShotAsync(rita, "35-reviews-queue");
        await rita.GetByRole(AriaRole.Link, new() { Name = "Whoami Execution" }).ClickAsync();
        await Assertions.Expect(rita.GetByLabel("Risk reasons")).ToContainTextAsync("Level high");
        await Assertions.Expect(rita.GetByText("First cut of the whoami rule.")).ToBeVisibleAsync();
        await Assertions.Expect(rita.Locator("#rule-diff .monaco-diff-editor")).ToBeVisibleAsync();
        await Browser.WaitForInteractiveAsync(rita);
        await Browser.ShotAsync(rita, "37-review-reviewer");
        await rita.GetByLabel("Comment (needed to reject or ask for changes)").FillAsync("Matches what we saw in the incident.");
        await rita.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Assertions.Expect(rita.GetByLabel("Review status")).ToHaveTextAsync("Approved");
        await Assertions.Expect(rita.GetByLabel("Decisions")).ToContainTextAsync("Matches what we saw in the incident.");
        await Browser.ShotAsync(rita, "38-review-approved");

        // The same review on a phone.
        await rita.SetViewportSizeAsync(390, 844);
        await Browser.ShotAsync(rita, "38a-review-phone");

        // Olivia's editor now says the version is approved.
        await olivia.GotoAsync($"/rules/{rule}");
        await Assertions.Expect(olivia.GetByLabel("Review status")).ToHaveTextAsync("Approved");

        // She adds the sandbox as a target, deploys the approved version, and finds the rule by where it runs.
        await olivia.GetByRole(AriaRole.Link, new() { Name = "Targets", Exact = true }).ClickAsync();
        await Assertions.Expect(olivia.GetByText("No targets yet")).ToBeVisibleAsync();
        await Browser.WaitForInteractiveAsync(olivia);
        await Browser.ShotAsync(olivia, "43-targets-empty");
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Add target" }).ClickAsync();
        var addTarget = olivia.GetByRole(AriaRole.Dialog);
        await addTarget.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(addTarget.GetByText("Name the target")).ToBeVisibleAsync();
        await addTarget.GetByLabel("Name").FillAsync("Detection sandbox");
        await addTarget.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(olivia.GetByRole(AriaRole.Cell, new() { Name = "Detection sandbox", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(olivia.Locator(".mud-input-error")).ToHaveCountAsync(0);
        await Browser.ShotAsync(olivia, "44-targets");

        await olivia.GotoAsync($"/rules/{rule}");
        await Browser.WaitForInteractiveAsync(olivia);
        await olivia.GetByRole(AriaRole.Tab, new() { Name = "Deploy" }).ClickAsync();
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Deploy to Detection sandbox" }).ClickAsync();
        await Assertions.Expect(olivia.GetByLabel("Targets")).ToContainTextAsync("version 1 running");
        await Assertions.Expect(olivia.GetByLabel("Deployments")).ToContainTextAsync("Running");
        await Browser.ShotAsync(olivia, "45-editor-deploy");

        await olivia.GetByRole(AriaRole.Link, new() { Name = "Targets", Exact = true }).ClickAsync();
        await olivia.GetByRole(AriaRole.Link, new() { Name = "1", Exact = true }).ClickAsync();
        await Assertions.Expect(olivia.GetByRole(AriaRole.Link, new() { Name = "Whoami Execution" })).ToBeVisibleAsync();
        await Assertions.Expect(olivia.GetByText("1-1 of 1")).ToBeVisibleAsync();
        await Browser.ShotAsync(olivia, "46-rules-deployed-to");

        // The new pages in dark mode.
        await Browser.WaitForInteractiveAsync(olivia);
        await olivia.GetByRole(AriaRole.Button, new() { Name = "Toggle dark mode" }).ClickAsync();
        await olivia.GetByRole(AriaRole.Link, new() { Name = "Reviews" }).ClickAsync();
        await olivia.GetByText("All", new() { Exact = true }).ClickAsync();
        await Assertions.Expect(olivia.GetByLabel("Reviews", new() { Exact = true })).ToContainTextAsync("Approved");
        await Browser.ShotAsync(olivia, "47-reviews-all-dark");
        await olivia.GetByRole(AriaRole.Link, new() { Name = "Targets", Exact = true }).ClickAsync();
        await Assertions.Expect(olivia.GetByRole(AriaRole.Cell, new() { Name = "Detection sandbox", Exact = true })).ToBeVisibleAsync();
        await Browser.ShotAsync(olivia, "48-targets-dark");
        AssertNoContentSecurityPolicyViolations();
    }

    /// <summary>Olivia's rule, written through the app's own service (the editor has its own journey).</summary>
    private async Task<Guid> AddRuleAsync(Team team)
    {
        await using var scope = App.Services.CreateAsyncScope();
        await using (var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var olivia = await db.Users.SingleAsync(u => u.Email == team[CompanyRole.Owner].Email);
            scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(team.CompanyId, olivia.Id, olivia.Email, CompanyRole.Owner, null);
        }

        var saved = await scope.ServiceProvider.GetRequiredService<RuleService>().CreateAsync(new RuleDraft(RuleFormat.Sigma, Whoami));
        Assert.True(saved.Succeeded, saved.Error?.Message);
        return saved.Value.RuleId;
    }
}
