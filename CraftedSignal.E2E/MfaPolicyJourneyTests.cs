using CraftedSignal.Domain.Tenancy;
using Microsoft.Playwright;

namespace CraftedSignal.E2E;

/// <summary>An Owner requires a second factor of everyone; a Viewer without one signs in and is led to add it.</summary>
public sealed class MfaPolicyJourneyTests(BrowserApp shared) : SharedAppTest(shared)
{
    [Fact]
    public async Task AnOwnerRequiresASecondFactor_AndAViewerWithoutOneIsLedToAddItFirst()
    {
        var team = await NewTeamAsync("Initech Detection");
        var owner = await team.PageAsync(CompanyRole.Owner);
        await owner.GotoAsync("/settings/company");
        await Browser.WaitForInteractiveAsync(owner);
        await owner.GetByLabel("Second factor required for").ClickAsync();
        await owner.GetByRole(AriaRole.Option, new() { Name = "Everyone" }).ClickAsync();
        await Browser.ShotAsync(owner, "22b-company-settings-mfa");
        await owner.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(owner.GetByText("Settings saved.")).ToBeVisibleAsync();

        var viewer = await Chromium.NewPageAsync(App.BaseUrl, 390, 844);
        await viewer.GotoAsync("/Account/Login");
        await viewer.GetByLabel("Email").FillAsync(team[CompanyRole.Viewer].Email);
        await viewer.GetByLabel("Password").FillAsync(Password);
        await viewer.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Assertions.Expect(viewer.GetByLabel("Second factor required")).ToContainTextAsync("Your company requires a second factor.");
        await Browser.ShotAsync(viewer, "22c-second-factor-required-phone");

        // Every other page sends them back until they have one.
        await viewer.GotoAsync("/rules");
        await Assertions.Expect(viewer.GetByLabel("Second factor required")).ToBeVisibleAsync();
        AssertNoContentSecurityPolicyViolations();
    }
}
