using AngleSharp.Dom;
using Bunit;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Settings;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Targets.Elastic;
using CraftedSignal.Tests.Targets.Sentinel;
using CraftedSignal.Tests.Targets.Splunk;
using CraftedSignal.Web.Components.Pages.Settings;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CraftedSignal.Tests.Components;

public sealed class TargetsPageTests : IAsyncLifetime
{
    private const string Token = "eyJraWQiOiJzcGx1bmsuc2VjcmV0IiwiYWxnIjoiSFM1MTIifQ.bunit-0f1e2d3c4b5a6978";
    private const string HecToken = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

    private readonly ComponentTestContext _test = new();
    private string _owner = "";
    private string _admin = "";
    private string _viewer = "";
    private Guid _company;

    public async Task InitializeAsync()
    {
        await _test.InitializeAsync();
        _owner = await _test.Database.AddUserAsync("olivia@acme.test", "Olivia");
        _admin = await _test.Database.AddUserAsync("alice@acme.test", "Alice");
        _viewer = await _test.Database.AddUserAsync("victor@acme.test", "Victor");
        _company = await _test.Database.AddCompanyAsync("Acme", _owner);
        await _test.Database.AddMemberAsync(_company, _admin, CompanyRole.Admin);
        await _test.Database.AddMemberAsync(_company, _viewer, CompanyRole.Viewer);
    }

    public Task DisposeAsync() => _test.DisposeAsync();

    [Fact]
    public void AddingWithoutAName_SaysSoNextToTheName_ThenAddingListsIt()
    {
        _test.SignIn(_owner, "olivia@acme.test", _company, CompanyRole.Owner);
        var dialogs = _test.Context.Render<MudDialogProvider>();
        var page = _test.Context.Render<TargetsPage>();
        page.WaitForAssertion(() => Assert.Contains("No targets yet", page.Markup, StringComparison.Ordinal));

        page.FindAll("button").First(b => b.TextContent.Trim() == "Add target").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Read-only", dialogs.Markup, StringComparison.Ordinal));
        Assert.DoesNotContain("Processing pipeline", dialogs.Markup, StringComparison.Ordinal);
        Button(dialogs, "Save").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Name the target", Control(dialogs, "Name").TextContent, StringComparison.Ordinal));

        Field(dialogs, "Name").Change("Detection sandbox");
        Button(dialogs, "Save").Click();

        page.WaitForAssertion(() => Assert.Contains("Detection sandbox", page.Find("[aria-label='Targets']").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain("Name the target", dialogs.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EditingASplunkTarget_ShowsItsSecretsAsSetOnly_AndReplaceRevealsAnEmptyPasswordField()
    {
        var id = await CreateSplunkAsync(new Uri("https://splunk.acme.test:8089"));
        _test.Database.Clock.Advance(TimeSpan.FromHours(2));
        _test.SignIn(_owner, "olivia@acme.test", _company, CompanyRole.Owner);
        var dialogs = _test.Context.Render<MudDialogProvider>();
        var page = _test.Context.Render<TargetsPage>();

        page.WaitForAssertion(() => page.Find("[aria-label='Edit Production Splunk']").Click());
        dialogs.WaitForAssertion(() => Assert.Equal("https://splunk.acme.test:8089/", Field(dialogs, "Management URL").GetAttribute("value")));
        Assert.Contains("set · replaced by Alice 2 h ago", dialogs.Find("[aria-label='Management token status']").TextContent, StringComparison.Ordinal);
        // The HEC token is not set, so it is an empty field; the management token is set, so it has no field at all.
        Assert.Single(dialogs.FindAll("input[type=password]"));
        Assert.Equal("", Field(dialogs, "HEC token").GetAttribute("value") ?? "");
        AssertNoSecret(dialogs.Markup);

        dialogs.Find("[aria-label='Replace Management token']").Click();

        var password = Field(dialogs, "New management token");
        Assert.Equal(("password", "", "new-password"), (password.GetAttribute("type"), password.GetAttribute("value") ?? "", password.GetAttribute("autocomplete")));
        Assert.Equal(2, dialogs.FindAll("input[type=password]").Count);
        AssertNoSecret(dialogs.Markup);

        // Saving with an empty replacement and a bad URL: the URL's error sits under the URL, and the stored token is kept.
        Field(dialogs, "Management URL").Change("splunk.acme.test");
        Button(dialogs, "Save").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("absolute https URL", Control(dialogs, "Management URL").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain("absolute https URL", Control(dialogs, "Name").TextContent, StringComparison.Ordinal);
        var details = (await Service<TargetService>(_owner).GetAsync(id)).Value!;
        Assert.Equal((true, "Alice", false), (details.Secrets[0].IsSet, details.Secrets[0].ReplacedBy, details.Secrets[1].IsSet));
    }

    [Fact]
    public async Task MovingATargetToAnotherHost_AsksForTheTokenAgain_NextToTheTokenField()
    {
        var id = await CreateSplunkAsync(new Uri("https://splunk.acme.test:8089"));
        _test.SignIn(_owner, "olivia@acme.test", _company, CompanyRole.Owner);
        var dialogs = _test.Context.Render<MudDialogProvider>();
        var page = _test.Context.Render<TargetsPage>();
        page.WaitForAssertion(() => page.Find("[aria-label='Edit Production Splunk']").Click());
        dialogs.WaitForAssertion(() => Assert.Equal("https://splunk.acme.test:8089/", Field(dialogs, "Management URL").GetAttribute("value")));

        Field(dialogs, "Management URL").Change("https://collector.attacker.test:8089");
        Button(dialogs, "Save").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("enter the management token again", Control(dialogs, "Management token").TextContent, StringComparison.Ordinal));
        Assert.Equal("https://splunk.acme.test:8089/", ((SplunkTargetSettings)(await Service<TargetService>(_owner).GetAsync(id)).Value!.Settings!).ManagementUrl);
    }

    [Fact]
    public async Task AViewer_SeesTargetsAndTheirSettings_WithoutAnyEditControl()
    {
        await CreateSplunkAsync(new Uri("https://splunk.acme.test:8089"));
        _test.SignIn(_viewer, "victor@acme.test", _company, CompanyRole.Viewer);
        var dialogs = _test.Context.Render<MudDialogProvider>();
        var page = _test.Context.Render<TargetsPage>();

        page.WaitForAssertion(() => Assert.Contains("Production Splunk", page.Find("[aria-label='Targets']").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain(page.FindAll("button"), b => b.TextContent.Contains("Add target", StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[aria-label^='Edit '], [aria-label^='Remove ']"));

        page.Find("[aria-label='View Production Splunk']").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Splunk connection", dialogs.Markup, StringComparison.Ordinal));
        Assert.Contains("set · replaced by Alice", dialogs.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain(dialogs.FindAll("button"), b => b.TextContent.Trim() is "Save" or "Replace" or "Test connection");
        Assert.Empty(dialogs.FindAll("input[type=password]"));
        Assert.True(Field(dialogs, "Management URL").HasAttribute("readonly"));
        AssertNoSecret(dialogs.Markup + page.Markup);
    }

    [Fact]
    public async Task TestConnection_ShowsEachStep_WithACheckOrACross_AndTheExactMessage()
    {
        await using var splunk = await SplunkTestServer.StartAsync();
        await CreateSplunkAsync(splunk.ManagementUrl, SplunkTestServer.ReaderToken);
        _test.SignIn(_admin, "alice@acme.test", _company, CompanyRole.Admin);
        var dialogs = _test.Context.Render<MudDialogProvider>();
        var page = _test.Context.Render<TargetsPage>();

        page.WaitForAssertion(() => page.Find("[aria-label='Edit Production Splunk']").Click());
        dialogs.WaitForAssertion(() => Button(dialogs, "Test connection").Click());

        dialogs.WaitForAssertion(() => Assert.Contains("The connection test failed.", dialogs.Find("[aria-label='Connection test']").TextContent, StringComparison.Ordinal),
            TimeSpan.FromSeconds(20));
        var checks = dialogs.FindAll(".connection-check");
        Assert.Equal(["true", "true", "true", "false", "true"], checks.Select(c => c.GetAttribute("data-passed")));
        var failed = checks.Single(c => c.GetAttribute("data-passed") == "false");
        Assert.Contains("capabilities", failed.TextContent, StringComparison.Ordinal);
        Assert.Contains("lacks the capability 'schedule_search'", failed.TextContent, StringComparison.Ordinal);
        Assert.Single(dialogs.FindAll("[aria-label='failed']"));
        AssertNoSecret(dialogs.Markup);
        Assert.DoesNotContain(SplunkTestServer.ReaderToken, dialogs.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EditingASentinelTarget_ShowsItsFields_AndItsSecretAsSetOnly_AndAWrongWorkspaceIsNamedUnderIt()
    {
        var id = await CreateAsync(new TargetInput("Production Sentinel", TargetKind.Sentinel)
        {
            Settings = new SentinelTargetSettings
            {
                TenantId = SentinelTestServer.TenantId,
                ClientId = SentinelTestServer.ContributorClientId,
                SubscriptionId = SentinelTestServer.SubscriptionId,
                ResourceGroup = SentinelTestServer.ResourceGroup,
                WorkspaceName = SentinelTestServer.Workspace,
            },
            Secrets = new Dictionary<string, string> { [SentinelTargetSettings.ClientSecretField] = SentinelTestServer.ContributorSecret },
        });
        _test.SignIn(_owner, "olivia@acme.test", _company, CompanyRole.Owner);
        var dialogs = _test.Context.Render<MudDialogProvider>();
        var page = _test.Context.Render<TargetsPage>();

        page.WaitForAssertion(() => page.Find("[aria-label='Edit Production Sentinel']").Click());
        dialogs.WaitForAssertion(() => Assert.Equal(SentinelTestServer.Workspace, Field(dialogs, "Log Analytics workspace").GetAttribute("value")));
        Assert.Equal(SentinelTestServer.TenantId, Field(dialogs, "Tenant").GetAttribute("value"));
        Assert.Equal("https://management.azure.com/", Field(dialogs, "Resource Manager endpoint").GetAttribute("value"));
        Assert.Contains("set · replaced by Alice", dialogs.Find("[aria-label='Client secret status']").TextContent, StringComparison.Ordinal);
        Assert.Empty(dialogs.FindAll("input[type=password]"));
        Assert.DoesNotContain("Allow plain http", dialogs.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain(SentinelTestServer.ContributorSecret, dialogs.Markup, StringComparison.Ordinal);

        Field(dialogs, "Log Analytics workspace").Change("../law");
        Button(dialogs, "Save").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("Log Analytics workspace name", Control(dialogs, "Log Analytics workspace").TextContent, StringComparison.Ordinal));
        Assert.Equal(SentinelTestServer.Workspace, ((SentinelTargetSettings)(await Service<TargetService>(_owner).GetAsync(id)).Value!.Settings!).WorkspaceName);
    }

    [Fact]
    public async Task EditingAnElasticTarget_SavesTheSpaceRuleTypeAndPatterns_AndKeepsTheStoredKey()
    {
        var id = await CreateAsync(new TargetInput("Production Elastic", TargetKind.Elastic)
        {
            Settings = new ElasticTargetSettings { KibanaUrl = "https://kibana.acme.test:5601" },
            Secrets = new Dictionary<string, string> { [ElasticTargetSettings.ApiKeyField] = KibanaTestServer.ManagerKey },
        });
        _test.SignIn(_owner, "olivia@acme.test", _company, CompanyRole.Owner);
        var dialogs = _test.Context.Render<MudDialogProvider>();
        var page = _test.Context.Render<TargetsPage>();

        page.WaitForAssertion(() => page.Find("[aria-label='Edit Production Elastic']").Click());
        dialogs.WaitForAssertion(() => Assert.Equal("https://kibana.acme.test:5601", Field(dialogs, "Kibana URL").GetAttribute("value")));
        Assert.Equal("logs-*, winlogbeat-*", Field(dialogs, "Index patterns").GetAttribute("value"));
        Assert.Contains("set · replaced by Alice", dialogs.Find("[aria-label='API key status']").TextContent, StringComparison.Ordinal);

        Field(dialogs, "Space").Change("SOC team");
        Button(dialogs, "Save").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Kibana space id", Control(dialogs, "Space").TextContent, StringComparison.Ordinal));

        Field(dialogs, "Space").Change("soc");
        Field(dialogs, "Index patterns").Change("logs-endpoint.*, auditbeat-*");
        Button(dialogs, "Save").Click();

        page.WaitForAssertion(() => Assert.Empty(dialogs.FindAll(".mud-dialog")));
        var details = (await Service<TargetService>(_owner).GetAsync(id)).Value!;
        var settings = Assert.IsType<ElasticTargetSettings>(details.Settings);
        Assert.Equal("soc", settings.Space);
        Assert.Equal(["logs-endpoint.*", "auditbeat-*"], settings.IndexPatterns);
        Assert.Equal("Alice", details.Secrets.Single().ReplacedBy);
    }

    private async Task<Guid> CreateAsync(TargetInput input)
    {
        var created = await Service<TargetService>(_admin, "Alice").CreateAsync(input);
        Assert.True(created.Succeeded, created.Error?.Message);
        return created.Value;
    }

    private async Task<Guid> CreateSplunkAsync(Uri managementUrl, string token = Token)
    {
        var created = await Service<TargetService>(_admin, "Alice").CreateAsync(new TargetInput("Production Splunk", TargetKind.Splunk)
        {
            Settings = new SplunkTargetSettings { ManagementUrl = managementUrl.ToString(), TrustedCaPem = SplunkTestServer.CaPem },
            Pipeline = "splunk-windows",
            Secrets = new Dictionary<string, string> { [SplunkTargetSettings.TokenField] = token },
        });
        Assert.True(created.Succeeded, created.Error?.Message);
        return created.Value;
    }

    private static void AssertNoSecret(string markup)
    {
        Assert.DoesNotContain(Token, markup, StringComparison.Ordinal);
        Assert.DoesNotContain(HecToken, markup, StringComparison.Ordinal);
    }

    /// <summary>The input control (label, input, helper or error text) whose label reads <paramref name="label"/>.</summary>
    private static IElement Control(IRenderedComponent<MudDialogProvider> dialogs, string label) =>
        dialogs.FindAll(".mud-input-control").First(c => c.QuerySelector("label")?.TextContent.Trim() == label);

    private static IElement Field(IRenderedComponent<MudDialogProvider> dialogs, string label) =>
        Control(dialogs, label).QuerySelector("input, textarea")!;

    private static IElement Button(IRenderedComponent<MudDialogProvider> dialogs, string text) =>
        dialogs.FindAll("button").First(b => b.TextContent.Trim() == text);

    private T Service<T>(string userId, string? name = null)
        where T : notnull => _test.Database.As(userId, _company, name).ServiceProvider.GetRequiredService<T>();
}
