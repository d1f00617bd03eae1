using Bunit;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Web.Components.Pages.Settings;

namespace CraftedSignal.Tests.Components;

public sealed class TargetsPageTests : IAsyncLifetime
{
    private readonly ComponentTestContext _test = new();
    private string _owner = "";
    private Guid _company;

    public async Task InitializeAsync()
    {
        await _test.InitializeAsync();
        _owner = await _test.Database.AddUserAsync("olivia@acme.test", "Olivia");
        _company = await _test.Database.AddCompanyAsync("Acme", _owner);
    }

    public Task DisposeAsync() => _test.DisposeAsync();

    [Fact]
    public void AddingWithoutAName_SaysSo_ThenAddingClearsTheError()
    {
        _test.SignIn(_owner, "olivia@acme.test", _company, CompanyRole.Owner);
        var page = _test.Context.Render<TargetsPage>();
        page.WaitForAssertion(() => Assert.Contains("No targets yet", page.Markup, StringComparison.Ordinal));

        page.Find("button:contains('Add target')").Click();
        page.WaitForAssertion(() => Assert.Contains("Name the target", page.Markup, StringComparison.Ordinal));
        Assert.NotEmpty(page.FindAll(".mud-input-error"));

        page.Find("input").Change("Detection sandbox");
        page.Find("button:contains('Add target')").Click();

        page.WaitForAssertion(() => Assert.Contains("Detection sandbox", page.Find("[aria-label='Targets']").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain("Name the target", page.Markup, StringComparison.Ordinal);
        Assert.Empty(page.FindAll(".mud-input-error"));
        Assert.Equal("", page.Find("input").GetAttribute("value") ?? "");
    }
}
