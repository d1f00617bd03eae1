using Bunit;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Sandbox;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Rules;
using CraftedSignal.Web.Components.Pages.Alerts;
using CraftedSignal.Web.Components.Pages.Rules;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Components;

public sealed class AlertsPageTests : IAsyncLifetime
{
    private readonly ComponentTestContext _test = new();
    private string _owner = "";
    private string _viewer = "";
    private Guid _company;
    private Guid _target;
    private Guid _rule;

    public async Task InitializeAsync()
    {
        await _test.InitializeAsync();
        _owner = await _test.Database.AddUserAsync("olivia@acme.test", "Olivia");
        _viewer = await _test.Database.AddUserAsync("victor@acme.test", "Victor");
        _company = await _test.Database.AddCompanyAsync("Acme", _owner);
        await _test.Database.AddMemberAsync(_company, _viewer, CompanyRole.Viewer);
        await using var scope = _test.Database.As(_owner, _company, "Olivia");
        _target = (await scope.ServiceProvider.GetRequiredService<TargetService>().CreateAsync("Lab sandbox", TargetKind.Sandbox)).Value;
        _rule = (await scope.ServiceProvider.GetRequiredService<RuleService>().CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;
    }

    public Task DisposeAsync() => _test.DisposeAsync();

    [Fact]
    public async Task ALongList_IsPaged_AndARowOpensToItsEvent()
    {
        await AddAlertsAsync(60);
        _test.SignIn(_owner, "olivia@acme.test", _company, CompanyRole.Owner);

        var page = _test.Context.Render<AlertsPage>(p => p.Add(x => x.TargetId, _target));

        page.WaitForAssertion(() => Assert.Equal(25, page.FindAll("[aria-label^='Show event']").Count));
        Assert.Contains("1-25 of 60", page.Markup, StringComparison.Ordinal);
        Assert.Contains(page.FindAll("button"), b => b.TextContent.Contains("Upload events", StringComparison.Ordinal));
        Assert.Empty(page.FindAll("pre.alert-event"));

        page.Find("[aria-label='Show event 60']").Click();

        var json = page.WaitForElement("pre.alert-event");
        Assert.Contains("\"CommandLine\": \"whoami /all 59\"", json.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AViewer_SeesTheAlerts_ButNoUpload()
    {
        await AddAlertsAsync(2);
        _test.SignIn(_viewer, "victor@acme.test", _company, CompanyRole.Viewer);

        var page = _test.Context.Render<AlertsPage>(p => p.Add(x => x.TargetId, _target));

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[aria-label^='Show event']").Count));
        Assert.DoesNotContain(page.FindAll("button"), b => b.TextContent.Contains("Upload events", StringComparison.Ordinal));
        Assert.Contains("Owners and Admins upload sample events", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void ARuleWithoutAlerts_SaysHowToGetSome()
    {
        _test.SignIn(_viewer, "victor@acme.test", _company, CompanyRole.Viewer);

        var panel = _test.Context.Render<RuleAlertsPanel>(p => p.Add(x => x.RuleId, _rule));

        panel.WaitForAssertion(() => Assert.Contains("No alerts yet", panel.Markup, StringComparison.Ordinal));
        Assert.Contains("Deploy an approved version to a Sandbox target", panel.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherCompanysTarget_IsNotFound()
    {
        var stranger = await _test.Database.AddUserAsync("mallory@evil.test", "Mallory");
        var theirs = await _test.Database.AddCompanyAsync("Evil", stranger);
        await AddAlertsAsync(3);
        _test.SignIn(stranger, "mallory@evil.test", theirs, CompanyRole.Owner);

        var page = _test.Context.Render<AlertsPage>(p => p.Add(x => x.TargetId, _target));

        page.WaitForAssertion(() => Assert.Contains("Target not found", page.Markup, StringComparison.Ordinal));
        Assert.DoesNotContain("whoami", page.Markup, StringComparison.Ordinal);
    }

    /// <summary>Alerts as a run leaves them (the run itself is tested in Sandbox/SandboxTests).</summary>
    private async Task AddAlertsAsync(int count)
    {
        await using var db = _test.Database.NewContext();
        var now = _test.Database.Clock.GetUtcNow().UtcDateTime;
        db.SandboxAlerts.AddRange(Enumerable.Range(0, count).Select(i => new SandboxAlert
        {
            Id = Guid.CreateVersion7(),
            CompanyId = _company,
            TargetId = _target,
            RuleId = _rule,
            RuleVersion = 1,
            EventIndex = i,
            EventJson = $$"""{"Image":"C:\\Windows\\System32\\whoami.exe","CommandLine":"whoami /all {{i}}"}""",
            Selections = "selection",
            CreatedAt = now.AddSeconds(i),
            RunId = Guid.Empty,
        }));
        await db.SaveChangesAsync();
    }
}
