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

    /// <summary>Nothing a page needed was refused by the content security policy.</summary>
    protected void AssertNoContentSecurityPolicyViolations() =>
        Assert.DoesNotContain(Chromium.ConsoleErrors, e => e.Contains("Content Security Policy", StringComparison.Ordinal));
}
