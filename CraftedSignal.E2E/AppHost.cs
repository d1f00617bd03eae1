using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.E2E;

/// <summary>The real app on a loopback port with its own SQLite file, for the browser to drive.</summary>
public sealed class AppHost : WebApplicationFactory<Program>
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "craftedsignal-e2e-" + Guid.NewGuid().ToString("N"));

    public string BaseUrl { get; private set; } = "";

    public void Start()
    {
        UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        // WebAuthn refuses IP addresses as relying-party ids, so browse by name.
        BaseUrl = address.Replace("127.0.0.1", "localhost", StringComparison.Ordinal).TrimEnd('/');
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Database:DataDirectory", _dataDirectory);
        builder.UseSetting("Security:MasterSecret", "browser-tests-only master secret: 9d1f4b7e2a6c8e0f3b5d7a9c1e4f6b8d");
        builder.UseEnvironment("Development");
        // Every browser of the suite signs in from one loopback address, far more often than one person would; the limits
        // themselves are proven by CraftedSignal.Tests (RateLimitTests, SignInProtectionTests).
        builder.UseSetting("Security:RateLimits:AccountPermits", "10000");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by SQLite's pool; the temp folder is cleaned by the OS.
        }
    }
}
