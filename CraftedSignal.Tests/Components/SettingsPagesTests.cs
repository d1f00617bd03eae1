using Bunit;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Web.Components.Pages.Settings;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using MudBlazor.Extensions;

namespace CraftedSignal.Tests.Components;

public sealed class SettingsPagesTests : IAsyncLifetime
{
    private readonly ComponentTestContext _test = new();
    private string _owner = "";
    private string _admin = "";
    private Guid _company;

    public async Task InitializeAsync()
    {
        await _test.InitializeAsync();
        _owner = await _test.Database.AddUserAsync("olivia@acme.test", "Olivia Owner");
        _admin = await _test.Database.AddUserAsync("adam@acme.test", "Adam Admin");
        _company = await _test.Database.AddCompanyAsync("Acme", _owner);
        await _test.Database.AddMemberAsync(_company, _admin, CompanyRole.Admin);
    }

    public Task DisposeAsync() => _test.DisposeAsync();

    [Fact]
    public async Task CompanySettings_SavingAnEmptyName_ShowsWhyAndKeepsTheSavedName()
    {
        _test.SignIn(_admin, "adam@acme.test", _company, CompanyRole.Admin);
        var page = _test.Context.Render<CompanySettingsPage>();
        page.WaitForAssertion(() => Assert.Equal("Acme", page.Find("input").GetAttribute("value")));

        page.Find("input").Input("");
        await page.InvokeAsync(() => page.FindComponents<MudButton>().Single(b => b.Markup.Contains("Save changes", StringComparison.Ordinal)).Find("button").Click());

        page.WaitForAssertion(() => Assert.Contains("Enter a company name.", page.Markup, StringComparison.Ordinal));
        await using var db = _test.Database.NewContext();
        Assert.Equal("Acme", (await db.Companies.SingleAsync()).Name);
    }

    [Fact]
    public async Task CompanySettings_SavingANewName_StoresItAndAuditsBeforeAndAfter()
    {
        _test.SignIn(_admin, "adam@acme.test", _company, CompanyRole.Admin);
        var page = _test.Context.Render<CompanySettingsPage>();
        page.WaitForAssertion(() => Assert.Equal("Acme", page.Find("input").GetAttribute("value")));

        page.Find("input").Input("Acme Blue Team");
        await page.InvokeAsync(() => page.FindComponents<MudButton>().Single(b => b.Markup.Contains("Save changes", StringComparison.Ordinal)).Find("button").Click());

        await using var db = _test.Database.NewContext();
        page.WaitForAssertion(() => Assert.Equal("Acme Blue Team", db.Companies.AsNoTracking().Single().Name));
        var entry = await db.AuditEntries.IgnoreQueryFilters().SingleAsync(e => e.Action == AuditActions.CompanySettingsChanged);
        Assert.Contains("\"before\":{\"name\":\"Acme\"", entry.Details, StringComparison.Ordinal);
        Assert.Contains("\"after\":{\"name\":\"Acme Blue Team\"", entry.Details, StringComparison.Ordinal);
    }

    [Fact]
    public void UsersPage_ForAdmin_ShowsTheOwnerAsAChipNotAChoice()
    {
        _test.SignIn(_admin, "adam@acme.test", _company, CompanyRole.Admin);

        var page = _test.Context.Render<Users>();

        page.WaitForAssertion(() => Assert.Contains("olivia@acme.test", page.Markup, StringComparison.Ordinal));
        var selects = page.FindComponents<MudSelect<CompanyRole>>();
        Assert.Single(selects);
        Assert.Equal(CompanyRole.Admin, selects[0].Instance.GetState(x => x.Value));
        Assert.Single(page.FindComponents<global::CraftedSignal.Web.Components.Shared.RoleChip>(), c => c.Instance.Role == CompanyRole.Owner);
    }

    [Fact]
    public void UsersPage_ForOwner_OffersARoleChoiceForEveryone()
    {
        _test.SignIn(_owner, "olivia@acme.test", _company, CompanyRole.Owner);

        var page = _test.Context.Render<Users>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindComponents<MudSelect<CompanyRole>>().Count));
        Assert.Contains("No open invitations", page.Markup, StringComparison.Ordinal);
    }
}
