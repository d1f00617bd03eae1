using Microsoft.Playwright;

namespace CraftedSignal.E2E;

/// <summary>What every browser test has: the app, a Chromium, the one password, and the helpers of several journeys.</summary>
public abstract class BrowserTestBase
{
    public const string Password = "correct horse battery staple";

    protected abstract AppHost App { get; }

    protected abstract Browser Chromium { get; }

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

    /// <summary>Nothing a page needed was refused by the content security policy.</summary>
    protected void AssertNoContentSecurityPolicyViolations() =>
        Assert.DoesNotContain(Chromium.ConsoleErrors, e => e.Contains("Content Security Policy", StringComparison.Ordinal));
}

/// <summary>A fresh app (its own database) and a Chromium, for a test that needs an instance nobody has claimed yet.</summary>
public abstract class BrowserTest : BrowserTestBase, IAsyncLifetime
{
    private readonly BrowserApp _fresh = new();

    protected override AppHost App => _fresh.App;

    protected override Browser Chromium => _fresh.Chromium;

    public Task InitializeAsync() => _fresh.InitializeAsync();

    public Task DisposeAsync() => _fresh.DisposeAsync();

    /// <summary>A company of this fresh instance with its four members; the first one made is the instance's first company.</summary>
    protected Task<Team> NewTeamAsync(string company) => _fresh.NewTeamAsync(company);
}

/// <summary>A test on the shared <see cref="BrowserApp"/>, with a company of its own whose members sign in once each.</summary>
[Collection(SharedAppCollection.Name)]
public abstract class SharedAppTest : BrowserTestBase
{
    private readonly BrowserApp _shared;

    protected SharedAppTest(BrowserApp shared)
    {
        _shared = shared;
        // The browser is shared: what earlier tests wrote to its console is theirs.
        shared.Chromium.ConsoleErrors.Clear();
    }

    protected override AppHost App => _shared.App;

    protected override Browser Chromium => _shared.Chromium;

    protected Task<Team> NewTeamAsync(string company = "Acme Detection") => _shared.NewTeamAsync(company);
}
