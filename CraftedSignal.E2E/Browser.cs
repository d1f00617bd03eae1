using Microsoft.Playwright;

namespace CraftedSignal.E2E;

/// <summary>Debian's Chromium, driven by Playwright, with screenshots saved as test artifacts.</summary>
public sealed class Browser : IAsyncDisposable
{
    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic",
    ];

    private IPlaywright? _playwright;

    public IBrowser Instance { get; private set; } = default!;

    /// <summary>Errors and warnings the pages wrote to the browser console (CSP violations show up here).</summary>
    public System.Collections.Concurrent.ConcurrentBag<string> ConsoleErrors { get; } = [];

    public static string ScreenshotDirectory { get; } = FindScreenshotDirectory();

    public async Task StartAsync()
    {
        const string executable = "/usr/bin/chromium";
        if (!File.Exists(executable))
            throw new InvalidOperationException("Debian's chromium is not installed: run ./test.sh, which installs it with apt-get.");
        // A loaded 2-core machine can take a while to bring up a circuit; expectations wait as long as actions do.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Instance = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = executable, Headless = true, Args = ChromiumArgs });
    }

    /// <param name="storageStatePath">Browser state (cookies, local storage) a sign-in stored, for a page that starts signed in.</param>
    public async Task<IPage> NewPageAsync(string baseUrl, int width = 1366, int height = 860, string colorScheme = "light", string? storageStatePath = null)
    {
        var context = await Instance.NewContextAsync(new()
        {
            BaseURL = baseUrl,
            StorageStatePath = storageStatePath,
            ViewportSize = new() { Width = width, Height = height },
            ColorScheme = colorScheme == "dark" ? ColorScheme.Dark : ColorScheme.Light,
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
                ConsoleErrors.Add($"{message.Type}: {message.Text}");
        };
        return page;
    }

    /// <summary>Waits until the Blazor circuit is connected and has rendered, so clicks reach the server.</summary>
    public static Task WaitForInteractiveAsync(IPage page) =>
        page.WaitForSelectorAsync("#app-ready[data-ready='true']", new() { State = WaitForSelectorState.Attached, Timeout = 30_000 });

    public static async Task ShotAsync(IPage page, string name)
    {
        // Callers wait for what they need to see; here only the page's own load must be complete.
        await page.WaitForLoadStateAsync(LoadState.Load);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        if (Instance is not null)
            await Instance.DisposeAsync();
        _playwright?.Dispose();
    }

    private static string FindScreenshotDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CraftedSignal.sln")))
            directory = directory.Parent;
        var path = Path.Combine(directory?.FullName ?? Path.GetTempPath(), "artifacts", "screenshots");
        Directory.CreateDirectory(path);
        return path;
    }
}
