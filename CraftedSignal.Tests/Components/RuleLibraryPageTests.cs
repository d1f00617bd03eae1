using Bunit;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Rules;
using CraftedSignal.Web.Components.Pages.Rules;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Components;

public sealed class RuleLibraryPageTests : IAsyncLifetime
{
    private readonly ComponentTestContext _test = new();
    private string _author = "";
    private Guid _company;

    public async Task InitializeAsync()
    {
        await _test.InitializeAsync();
        _author = await _test.Database.AddUserAsync("uma@acme.test");
        _company = await _test.Database.AddCompanyAsync("Acme", _author);
        await using var scope = _test.Database.As(_author, _company, "uma@acme.test");
        var rules = scope.ServiceProvider.GetRequiredService<RuleService>();
        for (var i = 0; i < 30; i++)
            await rules.CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleLibraryServiceTests.Sigma($"Rule {i:00}", i % 2 == 0 ? "high" : "low", "process_creation", "attack.execution", "attack.t1059", $"tool{i}.exe")));
        await rules.CreateAsync(new RuleDraft(RuleFormat.Sigma, "title: Broken\ndetection:\n  sel:\n    a|nope: b\n  condition: sel\n"));
    }

    public Task DisposeAsync() => _test.DisposeAsync();

    [Fact]
    public void Grid_ShowsTheFirstPageAndTheTotal()
    {
        _test.SignIn(_author, "uma@acme.test", _company, CompanyRole.User);

        var page = _test.Context.Render<RuleLibraryPage>();

        page.WaitForAssertion(() => Assert.Equal(25, page.FindAll("tbody tr.mud-table-row").Count));
        Assert.Contains("1-25 of 31", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Search_NarrowsTheGridOnTheServer()
    {
        _test.SignIn(_author, "uma@acme.test", _company, CompanyRole.User);
        var page = _test.Context.Render<RuleLibraryPage>();
        page.WaitForAssertion(() => Assert.Contains("of 31", page.Markup, StringComparison.Ordinal));

        page.Find("input").Input("tool17.exe");
        page.Find("input").Blur();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("tbody tr.mud-table-row")), TimeSpan.FromSeconds(15));
        Assert.Contains("Rule 17", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void RuleWithErrors_IsFlagged()
    {
        _test.SignIn(_author, "uma@acme.test", _company, CompanyRole.User);
        var page = _test.Context.Render<RuleLibraryPage>();
        page.WaitForAssertion(() => Assert.Contains("of 31", page.Markup, StringComparison.Ordinal));

        page.Find("input").Input("broken");
        page.Find("input").Blur();

        page.WaitForAssertion(() => Assert.Contains("Broken", Assert.Single(page.FindAll("tbody tr.mud-table-row")).TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(15));
        Assert.Contains("mud-error-text", page.Find("tbody tr.mud-table-row").InnerHtml, StringComparison.Ordinal);
    }
}
