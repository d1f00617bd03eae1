using CraftedSignal.Domain.Tenancy;
using Microsoft.Playwright;

namespace CraftedSignal.E2E;

/// <summary>
/// The Hangfire job dashboard in a real browser, under the app's content security policy: the first company's Owner (an
/// instance operator) sees it render with no violation; another company's Owner is refused.
/// </summary>
public sealed class JobDashboardTests : BrowserTest
{
    [Fact]
    public async Task InstanceOperator_SeesTheDashboardWithoutCspViolations_AnotherCompanysOwnerIsRefused()
    {
        var acme = await NewTeamAsync("Acme Detection");
        var globex = await NewTeamAsync("Globex");
        var operatorPage = await acme.PageAsync(CompanyRole.Owner);

        // The circuit connected over its WebSocket, which connect-src 'self' allows (it is this origin's ws:).
        var sockets = new List<string>();
        operatorPage.WebSocket += (_, socket) => sockets.Add(socket.Url);
        await operatorPage.ReloadAsync();
        await Browser.WaitForInteractiveAsync(operatorPage);
        Assert.Contains(sockets, url => url.StartsWith(App.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/_blazor", StringComparison.Ordinal));

        var dashboard = await operatorPage.GotoAsync("/hangfire");
        Assert.Contains("frame-ancestors 'none'", await dashboard!.HeaderValueAsync("content-security-policy") ?? "", StringComparison.Ordinal);
        await Expect(operatorPage.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await operatorPage.GetByRole(AriaRole.Link, new() { Name = "Recurring Jobs" }).ClickAsync();
        await Expect(operatorPage.GetByRole(AriaRole.Heading, new() { Name = "Recurring Jobs" })).ToBeVisibleAsync();
        // The dashboard polls its statistics every few seconds: give the first poll time to run under the policy.
        await operatorPage.GotoAsync("/hangfire");
        await operatorPage.WaitForResponseAsync(r => r.Url.Contains("/hangfire/stats", StringComparison.Ordinal));
        await Browser.ShotAsync(operatorPage, "60-job-dashboard-operator");

        var stranger = await globex.PageAsync(CompanyRole.Owner);
        var refused = await stranger.GotoAsync("/hangfire");
        Assert.Equal(403, refused!.Status);
        await Expect(stranger.GetByText("Recurring Jobs")).ToHaveCountAsync(0);

        AssertNoContentSecurityPolicyViolations();
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static IPageAssertions Expect(IPage page) => Assertions.Expect(page);
}
