using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Tests.Targets;

/// <summary>The hosts of one loopback target server (e.g. Splunk's management port and HEC), stopped together.</summary>
internal sealed class LoopbackHosts : IAsyncDisposable
{
    private readonly List<WebApplication> _apps = [];

    /// <summary>Starts one more host answering with <paramref name="handler"/>; returns its address.</summary>
    public async Task<Uri> StartAsync(RequestDelegate handler)
    {
        var app = await LoopbackHttps.StartAsync(handler);
        _apps.Add(app);
        return LoopbackHttps.Address(app);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
            await app.DisposeAsync();
    }
}

/// <summary>Kestrel on 127.0.0.1, port 0, over TLS with <see cref="TestCertificates"/>: the host of every loopback target server.</summary>
internal static class LoopbackHttps
{
    public static async Task<WebApplication> StartAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.UseKestrel(o =>
        {
            o.Limits.MaxRequestBodySize = 20 * 1024 * 1024;
            o.Listen(IPAddress.Loopback, 0, l => l.UseHttps(TestCertificates.Shared.Server));
        });
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        return app;
    }

    /// <summary>The address the server listens on, with its port.</summary>
    public static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>A port nothing listens on (bound once, then released).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
