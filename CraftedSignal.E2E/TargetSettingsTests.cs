using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Targets.Elastic;
using CraftedSignal.Tests.Targets.Sentinel;
using CraftedSignal.Tests.Targets.Splunk;
using Microsoft.Playwright;

namespace CraftedSignal.E2E;

/// <summary>Settings → Targets: an Owner adds Splunk, Sentinel and Elastic targets against loopback servers and tests their connections; a Viewer only looks.</summary>
public sealed class TargetSettingsTests(BrowserApp shared) : SharedAppTest(shared)
{
    [Fact]
    public async Task AnOwnerAddsASplunkTarget_TestsTheConnection_AndAViewerSeesItReadOnly()
    {
        await using var splunk = await SplunkTestServer.StartAsync();
        var team = await NewTeamAsync();
        var owner = await team.PageAsync(CompanyRole.Owner, height: 900);

        await owner.GetByRole(AriaRole.Link, new() { Name = "Targets", Exact = true }).ClickAsync();
        await Assertions.Expect(owner.GetByText("No targets yet")).ToBeVisibleAsync();
        await Browser.WaitForInteractiveAsync(owner);
        await Browser.ShotAsync(owner, "50-targets-empty");

        // The reader token lacks schedule_search, so the connection test finds exactly what to fix.
        await owner.GetByRole(AriaRole.Button, new() { Name = "Add target" }).First.ClickAsync();
        var dialog = owner.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Name", new() { Exact = true }).FillAsync("Production Splunk");
        await dialog.GetByLabel("Kind").ClickAsync();
        await owner.GetByRole(AriaRole.Option, new() { Name = "Splunk" }).ClickAsync();
        await dialog.GetByLabel("Management URL").FillAsync(splunk.ManagementUrl.ToString());
        await dialog.GetByLabel("Management token", new() { Exact = true }).FillAsync(SplunkTestServer.ReaderToken);
        await dialog.GetByLabel("Trusted CA (PEM)").FillAsync(SplunkTestServer.CaPem);
        await dialog.GetByText("Built-in", new() { Exact = true }).ClickAsync();
        await dialog.GetByLabel("Built-in pipeline").ClickAsync();
        await owner.GetByRole(AriaRole.Option, new() { Name = "splunk-windows" }).ClickAsync();
        await dialog.GetByLabel("Name", new() { Exact = true }).ScrollIntoViewIfNeededAsync();
        await Browser.ShotAsync(owner, "51-target-form");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        await Assertions.Expect(owner.GetByRole(AriaRole.Cell, new() { Name = "Production Splunk", Exact = true })).ToBeVisibleAsync();

        await owner.GetByRole(AriaRole.Button, new() { Name = "Edit Production Splunk" }).ClickAsync();
        await Assertions.Expect(dialog.GetByLabel("Management token status")).ToContainTextAsync($"set · replaced by {team[CompanyRole.Owner].Email}");
        await Assertions.Expect(dialog.Locator("input[type=password]")).ToHaveCountAsync(1); // the HEC token, not set; the management token has no field
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Test connection" }).ClickAsync();
        var report = dialog.GetByLabel("Connection test");
        await Assertions.Expect(report).ToContainTextAsync("The connection test failed.");
        await Assertions.Expect(report).ToContainTextAsync("lacks the capability 'schedule_search'");
        await Assertions.Expect(report.GetByLabel("failed")).ToHaveCountAsync(1);
        await Assertions.Expect(report.GetByLabel("passed")).ToHaveCountAsync(4);
        Assert.DoesNotContain(SplunkTestServer.ReaderToken, await owner.ContentAsync(), StringComparison.Ordinal);
        await report.ScrollIntoViewIfNeededAsync();
        await Browser.ShotAsync(owner, "52-target-test-connection-failed");

        await owner.SetViewportSizeAsync(400, 860);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Replace Management token" }).ClickAsync();
        await Assertions.Expect(dialog.GetByLabel("New management token")).ToHaveValueAsync("");
        await Browser.ShotAsync(owner, "53-target-dialog-narrow");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Browser.ShotAsync(owner, "54-targets-narrow");

        var viewer = await team.PageAsync(CompanyRole.Viewer);
        await viewer.GetByRole(AriaRole.Link, new() { Name = "Targets", Exact = true }).ClickAsync();
        await Assertions.Expect(viewer.GetByRole(AriaRole.Cell, new() { Name = "Production Splunk", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(viewer.GetByRole(AriaRole.Button, new() { Name = "Add target" })).ToHaveCountAsync(0);
        await Assertions.Expect(viewer.GetByRole(AriaRole.Button, new() { Name = "Edit Production Splunk" })).ToHaveCountAsync(0);
        await Browser.WaitForInteractiveAsync(viewer);
        await Browser.ShotAsync(viewer, "55-targets-viewer");
        await viewer.GetByRole(AriaRole.Button, new() { Name = "View Production Splunk" }).ClickAsync();
        var view = viewer.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(view.GetByLabel("Management token status")).ToContainTextAsync("set · replaced by");
        await Assertions.Expect(view.GetByRole(AriaRole.Button, new() { Name = "Save" })).ToHaveCountAsync(0);
        await Assertions.Expect(view.GetByRole(AriaRole.Button, new() { Name = "Test connection" })).ToHaveCountAsync(0);
        await Browser.ShotAsync(viewer, "56-target-viewer-dialog");
        AssertNoContentSecurityPolicyViolations();
    }

    [Fact]
    public async Task AnOwnerAddsASentinelAndAnElasticTarget_AndBothConnectionTestsPass()
    {
        await using var sentinel = await SentinelTestServer.StartAsync();
        await using var kibana = await KibanaTestServer.StartAsync();
        var team = await NewTeamAsync();
        var owner = await team.PageAsync(CompanyRole.Owner, height: 1400);
        await owner.GetByRole(AriaRole.Link, new() { Name = "Targets", Exact = true }).ClickAsync();
        await Browser.WaitForInteractiveAsync(owner);
        var dialog = owner.GetByRole(AriaRole.Dialog);

        await owner.GetByRole(AriaRole.Button, new() { Name = "Add target" }).First.ClickAsync();
        await dialog.GetByLabel("Name", new() { Exact = true }).FillAsync("Production Sentinel");
        await dialog.GetByLabel("Kind").ClickAsync();
        await owner.GetByRole(AriaRole.Option, new() { Name = "Microsoft Sentinel" }).ClickAsync();
        await dialog.GetByLabel("Tenant").FillAsync(SentinelTestServer.TenantId);
        await dialog.GetByLabel("Application (client) ID").FillAsync(SentinelTestServer.ContributorClientId);
        await dialog.GetByLabel("Client secret", new() { Exact = true }).FillAsync(SentinelTestServer.ContributorSecret);
        await dialog.GetByLabel("Subscription ID").FillAsync(SentinelTestServer.SubscriptionId);
        await dialog.GetByLabel("Resource group").FillAsync(SentinelTestServer.ResourceGroup);
        await dialog.GetByLabel("Log Analytics workspace").FillAsync("../law");
        await dialog.GetByLabel("Entra ID endpoint").FillAsync(sentinel.AuthorityUrl.ToString());
        await dialog.GetByLabel("Resource Manager endpoint").FillAsync(sentinel.ArmUrl.ToString());
        await dialog.GetByLabel("Trusted CA (PEM)").FillAsync(SentinelTestServer.CaPem);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(dialog).ToContainTextAsync("WorkspaceName must be a Log Analytics workspace name");
        await dialog.GetByLabel("Log Analytics workspace").FillAsync(SentinelTestServer.Workspace);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(dialog).ToContainTextAsync("unless custom endpoints are allowed explicitly");
        await dialog.GetByText("Allow endpoints outside the Azure clouds").ClickAsync();
        await dialog.GetByLabel("Name", new() { Exact = true }).ScrollIntoViewIfNeededAsync();
        await Browser.ShotAsync(owner, "57-target-form-sentinel");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);

        await owner.GetByRole(AriaRole.Button, new() { Name = "Edit Production Sentinel" }).ClickAsync();
        await Assertions.Expect(dialog.GetByLabel("Client secret status")).ToContainTextAsync($"set · replaced by {team[CompanyRole.Owner].Email}");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Test connection" }).ClickAsync();
        await Assertions.Expect(dialog.GetByLabel("Connection test")).ToContainTextAsync("Every check passed.");
        await dialog.GetByLabel("Connection test").ScrollIntoViewIfNeededAsync();
        await Browser.ShotAsync(owner, "58-target-test-connection-sentinel");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        await owner.GetByRole(AriaRole.Button, new() { Name = "Add target" }).First.ClickAsync();
        await dialog.GetByLabel("Name", new() { Exact = true }).FillAsync("Production Elastic");
        await dialog.GetByLabel("Kind").ClickAsync();
        await owner.GetByRole(AriaRole.Option, new() { Name = "Elastic Security" }).ClickAsync();
        await dialog.GetByLabel("Kibana URL").FillAsync(kibana.Url.ToString());
        await dialog.GetByLabel("Space").FillAsync("soc");
        await dialog.GetByLabel("API key", new() { Exact = true }).FillAsync(KibanaTestServer.ManagerKey);
        await dialog.GetByLabel("Rule type").ClickAsync();
        await owner.GetByRole(AriaRole.Option, new() { Name = "EQL" }).ClickAsync();
        await dialog.GetByLabel("Trusted CA (PEM)").FillAsync(KibanaTestServer.CaPem);
        await dialog.GetByText("Paste YAML", new() { Exact = true }).ClickAsync();
        await dialog.GetByLabel("Pipeline YAML (pySigma format)").FillAsync("name: acme fields\ntransformations:\n  - type: field_name_mapping\n    mapping:\n      Image: process.executable\n");
        await dialog.GetByLabel("Name", new() { Exact = true }).ScrollIntoViewIfNeededAsync();
        await Browser.ShotAsync(owner, "59-target-form-elastic");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);

        await owner.GetByRole(AriaRole.Button, new() { Name = "Edit Production Elastic" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Test connection" }).ClickAsync();
        await Assertions.Expect(dialog.GetByLabel("Connection test")).ToContainTextAsync("Every check passed.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(owner.GetByRole(AriaRole.Cell, new() { Name = "Elastic Security", Exact = true })).ToBeVisibleAsync();
        await Browser.ShotAsync(owner, "60-targets-sentinel-and-elastic");
        var content = await owner.ContentAsync();
        Assert.DoesNotContain(SentinelTestServer.ContributorSecret, content, StringComparison.Ordinal);
        Assert.DoesNotContain(KibanaTestServer.ManagerKey, content, StringComparison.Ordinal);
        AssertNoContentSecurityPolicyViolations();
    }
}
