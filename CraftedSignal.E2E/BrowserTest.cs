using Microsoft.Playwright;

namespace CraftedSignal.E2E;

/// <summary>A fresh app (its own database) and a Chromium for each test.</summary>
public abstract class BrowserTest : IAsyncLifetime
{
    protected const string Password = "correct horse battery staple";

    protected AppHost App { get; } = new();

    protected Browser Chromium { get; } = new();

    public async Task InitializeAsync()
    {
        App.Start();
        await Chromium.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Chromium.DisposeAsync();
        await App.DisposeAsync();
    }

    /// <summary>Registers the first user, who claims the instance, and lands on the dashboard.</summary>
    protected static async Task ClaimAsync(Microsoft.Playwright.IPage page, string email = "olivia@acme.test", string name = "Olivia Owner", string company = "Acme Detection")
    {
        await page.GotoAsync("/Account/Register");
        await Microsoft.Playwright.Assertions.Expect(page.GetByRole(Microsoft.Playwright.AriaRole.Heading, new() { Name = "Set up CraftedSignal" })).ToBeVisibleAsync();
        await page.GetByLabel("Company name").FillAsync(company);
        await page.GetByLabel("Your name").FillAsync(name);
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await page.GetByLabel("Confirm password").FillAsync(Password);
        await page.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Create account and company" }).ClickAsync();
        await Microsoft.Playwright.Assertions.Expect(page.GetByRole(Microsoft.Playwright.AriaRole.Heading, new() { Name = $"Welcome, {name.Split(' ')[0]}" })).ToBeVisibleAsync();
        await Browser.WaitForInteractiveAsync(page);
    }

    /// <summary>Nothing a page needed was refused by the content security policy.</summary>
    /// <summary>Adds a test case from the editor's Tests tab (which must be open).</summary>
    protected static async Task AddTestAsync(IPage page, string name, bool mustAlert, string events)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Add test" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await dialog.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        if (!mustAlert)
            await dialog.GetByText("Must not alert").ClickAsync();
        var editor = dialog.Locator("#test-events-editor").GetByRole(AriaRole.Code);
        await Assertions.Expect(editor).ToBeVisibleAsync();
        await editor.ClickAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.PressAsync("Delete");
        await page.Keyboard.InsertTextAsync(events);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save test" }).ClickAsync();
        await Assertions.Expect(dialog).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByText(name, new() { Exact = true })).ToBeVisibleAsync();
    }

    protected void AssertNoContentSecurityPolicyViolations() =>
        Assert.DoesNotContain(Chromium.ConsoleErrors, e => e.Contains("Content Security Policy", StringComparison.Ordinal));
}
