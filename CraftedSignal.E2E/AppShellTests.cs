using CraftedSignal.Domain.Tenancy;
using Microsoft.Playwright;

namespace CraftedSignal.E2E;

/// <summary>The app shell and account pages in both themes and a phone-sized window, with screenshots to look at.</summary>
public sealed class AppShellTests(BrowserApp shared) : SharedAppTest(shared)
{
    [Fact]
    public async Task Shell_InDarkModeAndOnAPhone_ShowsTheSamePages()
    {
        var team = await NewTeamAsync();
        var page = await team.PageAsync(CompanyRole.Owner);

        await page.GetByRole(AriaRole.Button, new() { Name = "Toggle dark mode" }).ClickAsync();
        await Assertions.Expect(page.Locator("body")).ToHaveCSSAsync("background-color", "rgb(11, 17, 32)");
        await Browser.ShotAsync(page, "20-dashboard-dark");

        // The choice survives a reload.
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Welcome, Olivia" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("body")).ToHaveCSSAsync("background-color", "rgb(11, 17, 32)");
        await page.GotoAsync("/settings/users");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Users" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("body")).ToHaveCSSAsync("background-color", "rgb(11, 17, 32)");
        await Browser.ShotAsync(page, "21-users-dark");
        await page.GotoAsync("/settings/company");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Company settings" })).ToBeVisibleAsync();
        await Browser.WaitForInteractiveAsync(page);
        await Browser.ShotAsync(page, "22-company-settings-dark");

        // Company settings refuse bad input and keep what was saved.
        await page.GetByLabel("Company name").FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Enter a company name.")).ToBeVisibleAsync();
        await page.GetByLabel("Company name").FillAsync("Acme Blue Team");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Settings saved.")).ToBeVisibleAsync();

        // An Owner creates a second company from the switcher, lands in it, and switches back.
        await page.GotoAsync("/");
        await Browser.WaitForInteractiveAsync(page);
        await page.GetByLabel("Switch company").ClickAsync();
        await Browser.ShotAsync(page, "22a-company-switcher");
        await page.GetByText("Create a company…").ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByLabel("Company name").FillAsync("Globex Red Team");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create company" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Globex Red Team · you are an Owner")).ToBeVisibleAsync();
        await Browser.WaitForInteractiveAsync(page);
        await page.GetByLabel("Switch company").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Acme Blue Team" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Acme Blue Team · you are an Owner")).ToBeVisibleAsync();

        // Olivia on her phone: the browser state her sign-in stored, no second sign-in.
        var phone = await team.PageAsync(CompanyRole.Owner, width: 390, height: 844);
        var scrollWidth = await phone.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(scrollWidth <= 390, $"The dashboard scrolls sideways on a phone ({scrollWidth}px wide).");
        await Browser.ShotAsync(phone, "23-dashboard-phone");
        await phone.GotoAsync("/settings/users");
        await Assertions.Expect(phone.GetByRole(AriaRole.Heading, new() { Name = "Users" })).ToBeVisibleAsync();
        await Browser.ShotAsync(phone, "24-users-phone");

        await phone.GotoAsync("/Account/Manage");
        await Assertions.Expect(phone.GetByRole(AriaRole.Heading, new() { Name = "Account & security" })).ToBeVisibleAsync();
        await Browser.ShotAsync(phone, "25-account-phone");

        await page.GotoAsync("/Account/Manage/TwoFactorAuthentication");
        await Browser.ShotAsync(page, "26-account-two-factor");
        await page.GotoAsync("/Account/Manage/Passkeys");
        await Browser.ShotAsync(page, "27-account-passkeys");
        await page.GotoAsync("/Account/Manage/ChangePassword");
        await Browser.ShotAsync(page, "28-account-password");
        await page.GotoAsync("/no/such/page");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This page does not exist" })).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "29-not-found");

        AssertNoContentSecurityPolicyViolations();
    }
}
