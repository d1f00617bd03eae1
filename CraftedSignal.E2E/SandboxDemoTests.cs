using CraftedSignal.Domain.Tenancy;
using Microsoft.Playwright;

namespace CraftedSignal.E2E;

/// <summary>A fresh team's Owner creates the demo from the dashboard and sees its rules fire on the sandbox; a Viewer only looks.</summary>
public sealed class SandboxDemoTests(BrowserApp shared) : SharedAppTest(shared)
{
    [Fact]
    public async Task AnOwnerCreatesTheDemo_AndSeesItsAlerts_AViewerSeesThemWithoutUpload()
    {
        var team = await NewTeamAsync("Demo Detection");
        var owner = await team.PageAsync(CompanyRole.Owner, height: 900);

        await owner.GetByRole(AriaRole.Link, new() { Name = "Alerts", Exact = true }).ClickAsync();
        await Assertions.Expect(owner.GetByText("No alerts yet")).ToBeVisibleAsync();
        await Browser.WaitForInteractiveAsync(owner);
        await Browser.ShotAsync(owner, "60-alerts-empty");

        await owner.GotoAsync("/");
        await Browser.WaitForInteractiveAsync(owner);
        await owner.GetByRole(AriaRole.Button, new() { Name = "Create a demo" }).ClickAsync();
        await owner.WaitForURLAsync("**/targets/*/alerts", new() { Timeout = 60_000 });
        await Assertions.Expect(owner.GetByLabel("Stored events", new() { Exact = true })).ToContainTextAsync("3,012 of 50,000 events");

        // The demo's deployments and its alert runs are background work: the list fills in when they end.
        var rows = owner.Locator("[aria-label^='Show event']");
        await Assertions.Expect(rows.First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(owner.GetByRole(AriaRole.Link, new() { Name = "Demo - Office application starts a shell" }).First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(owner.GetByRole(AriaRole.Link, new() { Name = "Demo - LSASS memory dumped with comsvcs" }).First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        // Every rule fires: 2 Office shells, 2 encoded commands, 1 download, 1 dump, 6 failed Administrator logons.
        await Assertions.Expect(owner.GetByText("1-12 of 12")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(owner.GetByLabel("Stored events", new() { Exact = true })).ToContainTextAsync("12 alert(s)");
        await Browser.ShotAsync(owner, "61-demo-alerts");

        await rows.First.ClickAsync();
        await Assertions.Expect(owner.Locator("pre.alert-event").First).ToContainTextAsync("\"EventData\"");
        await Browser.ShotAsync(owner, "62-demo-alert-event");

        await owner.SetViewportSizeAsync(400, 860);
        await Browser.ShotAsync(owner, "63-demo-alerts-narrow");

        await owner.SetViewportSizeAsync(1366, 900);
        await owner.GotoAsync("/");
        await Assertions.Expect(owner.GetByRole(AriaRole.Link, new() { Name = "See the demo's alerts" })).ToBeVisibleAsync();
        await Browser.ShotAsync(owner, "64-dashboard-after-demo");

        var viewer = await team.PageAsync(CompanyRole.Viewer);
        await viewer.GetByRole(AriaRole.Link, new() { Name = "Alerts", Exact = true }).ClickAsync();
        await Assertions.Expect(viewer.Locator("[aria-label^='Show event']").First).ToBeVisibleAsync();
        await viewer.GetByRole(AriaRole.Link, new() { Name = "Demo sandbox" }).First.ClickAsync();
        await Assertions.Expect(viewer.GetByText("Owners and Admins upload sample events.")).ToBeVisibleAsync();
        await Assertions.Expect(viewer.GetByRole(AriaRole.Button, new() { Name = "Upload events" })).ToHaveCountAsync(0);
        await Browser.WaitForInteractiveAsync(viewer);
        await Browser.ShotAsync(viewer, "65-demo-alerts-viewer");
        AssertNoContentSecurityPolicyViolations();
    }
}
