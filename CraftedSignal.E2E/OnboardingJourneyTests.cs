using Microsoft.Playwright;

namespace CraftedSignal.E2E;

/// <summary>
/// The first day of an instance, in a real browser: the first registration claims it, the Owner invites a Viewer,
/// and the Viewer signs in and sees only what a Viewer may.
/// </summary>
public sealed class OnboardingJourneyTests : BrowserTest
{
    private const string OwnerEmail = "olivia@acme.test";
    private const string ViewerEmail = "vera@acme.test";

    [Fact]
    public async Task FirstUserClaims_InvitesViewer_ViewerSeesOnlyViewerPages()
    {
        var owner = await Chromium.NewPageAsync(App.BaseUrl);

        // A fresh instance sends everyone to sign-in, which offers to claim it.
        await owner.GotoAsync("/");
        await Expect(owner).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/Account/Login"));
        await Browser.ShotAsync(owner, "01-login-fresh-instance");
        await owner.GetByRole(AriaRole.Link, new() { Name = "Create the first account" }).ClickAsync();
        await Expect(owner.GetByRole(AriaRole.Heading, new() { Name = "Set up CraftedSignal" })).ToBeVisibleAsync();

        // Bad input is refused with clear messages and nothing is created.
        await owner.GetByLabel("Password", new() { Exact = true }).FillAsync("short");
        await owner.GetByRole(AriaRole.Button, new() { Name = "Create account and company" }).ClickAsync();
        await Expect(owner.GetByText("Enter your name, as your colleagues will see it.")).ToBeVisibleAsync();
        await Expect(owner.GetByText("The password must have between 12 and 256 characters.")).ToBeVisibleAsync();
        await Browser.ShotAsync(owner, "02-register-claim-errors");

        await owner.GetByLabel("Company name").FillAsync("Acme Detection");
        await owner.GetByLabel("Your name").FillAsync("Olivia Owner");
        await owner.GetByLabel("Email").FillAsync(OwnerEmail);
        await owner.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await owner.GetByLabel("Confirm password").FillAsync(Password);
        await owner.GetByRole(AriaRole.Button, new() { Name = "Create account and company" }).ClickAsync();

        await Expect(owner.GetByRole(AriaRole.Heading, new() { Name = "Welcome, Olivia" })).ToBeVisibleAsync();
        await Expect(owner.GetByText("Acme Detection · you are an Owner")).ToBeVisibleAsync();
        await Browser.WaitForInteractiveAsync(owner);
        await Browser.ShotAsync(owner, "03-dashboard-owner");

        // Invite a Viewer: a bad address is refused in the dialog, a good one yields a one-time link.
        await owner.GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
        await Expect(owner.GetByRole(AriaRole.Heading, new() { Name = "Users" })).ToBeVisibleAsync();
        await Expect(owner.GetByText(OwnerEmail)).ToBeVisibleAsync();
        await Browser.WaitForInteractiveAsync(owner);
        await Browser.ShotAsync(owner, "04-users-owner");
        await owner.GetByRole(AriaRole.Button, new() { Name = "Invite" }).ClickAsync();
        var dialog = owner.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Email").FillAsync("not an email");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create invitation" }).ClickAsync();
        await Expect(dialog.GetByText("Enter a valid email address")).ToBeVisibleAsync();
        await Browser.ShotAsync(owner, "05-invite-dialog-error");

        await dialog.GetByLabel("Email").FillAsync(ViewerEmail);
        await dialog.GetByLabel("Role").ClickAsync();
        await owner.GetByRole(AriaRole.Option, new() { Name = "Viewer" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create invitation" }).ClickAsync();
        var link = await dialog.GetByLabel("One-time link").InputValueAsync();
        Assert.Contains("/invite/", link, StringComparison.Ordinal);
        await Browser.ShotAsync(owner, "06-invite-dialog-link");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
        await Expect(owner.GetByRole(AriaRole.Cell, new() { Name = ViewerEmail, Exact = true })).ToBeVisibleAsync();
        await Browser.ShotAsync(owner, "07-users-with-invitation");

        // The Viewer opens the link in their own browser and creates an account.
        var viewer = await Chromium.NewPageAsync(App.BaseUrl);
        await viewer.GotoAsync(link);
        await Expect(viewer.GetByRole(AriaRole.Heading, new() { Name = "Join Acme Detection" })).ToBeVisibleAsync();
        await Browser.ShotAsync(viewer, "08-invitation-landing");
        await viewer.GetByRole(AriaRole.Link, new() { Name = "Create an account" }).ClickAsync();
        await Expect(viewer.GetByRole(AriaRole.Heading, new() { Name = "Join Acme Detection" })).ToBeVisibleAsync();
        await Expect(viewer.GetByText("Create your account to accept.")).ToBeVisibleAsync();
        await Expect(viewer.GetByLabel("Email")).ToHaveValueAsync(ViewerEmail);
        await viewer.GetByLabel("Your name").FillAsync("Vera Viewer");
        await viewer.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await viewer.GetByLabel("Confirm password").FillAsync(Password + "typo");
        await viewer.GetByRole(AriaRole.Button, new() { Name = "Create account and join" }).ClickAsync();
        await Expect(viewer.GetByText("The two passwords are not the same.")).ToBeVisibleAsync();
        await viewer.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await viewer.GetByLabel("Confirm password").FillAsync(Password);
        await viewer.GetByRole(AriaRole.Button, new() { Name = "Create account and join" }).ClickAsync();

        await Expect(viewer.GetByText("Acme Detection · you are a Viewer")).ToBeVisibleAsync();

        // Sign out from the user menu, then sign in again with the new password.
        await Browser.WaitForInteractiveAsync(viewer);
        await viewer.GetByLabel("Your account").ClickAsync();
        await Browser.ShotAsync(viewer, "10a-user-menu");
        await viewer.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await viewer.GotoAsync("/");
        await Expect(viewer).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/Account/Login"));
        await viewer.GetByLabel("Email").FillAsync(ViewerEmail);
        await viewer.GetByLabel("Password").FillAsync(Password);
        await viewer.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(viewer.GetByText("Acme Detection · you are a Viewer")).ToBeVisibleAsync();
        await Browser.WaitForInteractiveAsync(viewer);
        await Expect(viewer.GetByRole(AriaRole.Link, new() { Name = "Users" })).ToHaveCountAsync(0);
        await Expect(viewer.GetByText("Recent activity")).ToBeVisibleAsync();
        await Browser.ShotAsync(viewer, "09-dashboard-viewer");

        // Pages for Owners and Admins are refused on the server, whichever way the Viewer gets there.
        await viewer.GotoAsync("/settings/users");
        await Expect(viewer.GetByRole(AriaRole.Heading, new() { Name = "Access denied" })).ToBeVisibleAsync();
        await Expect(viewer.GetByText(OwnerEmail)).ToHaveCountAsync(0);
        await Browser.ShotAsync(viewer, "10-viewer-access-denied");
        // The job dashboard is for instance operators only: a plain 403.
        var hangfire = await viewer.GotoAsync("/hangfire");
        Assert.Equal(403, hangfire!.Status);

        // The link worked once.
        await viewer.GotoAsync(link);
        await Expect(viewer.GetByText("This invitation has already been used.")).ToBeVisibleAsync();
        await Browser.ShotAsync(viewer, "11-invitation-used");

        // The Owner now sees the Viewer as a member.
        await owner.ReloadAsync();
        await Expect(owner.GetByText(ViewerEmail)).ToBeVisibleAsync();
        await Expect(owner.GetByText("Vera Viewer")).ToBeVisibleAsync();

        AssertNoContentSecurityPolicyViolations();
    }

    [Fact]
    public async Task SignIn_WithWrongPassword_SaysSoWithoutRevealingTheAccount()
    {
        var page = await Chromium.NewPageAsync(App.BaseUrl);
        await page.GotoAsync("/Account/Login");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.GetByText("Enter your email address.")).ToBeVisibleAsync();

        await page.GetByLabel("Email").FillAsync("nobody@acme.test");
        await page.GetByLabel("Password").FillAsync("wrong password here");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.GetByText("The email or password is not right.")).ToBeVisibleAsync();
        await Browser.ShotAsync(page, "12-login-failed");
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    private static IPageAssertions Expect(IPage page) => Assertions.Expect(page);
}
