using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Tests.Targets;

/// <summary>A plain http server on "localhost" that records every request it gets: the other host a redirect points to.</summary>
public sealed class RecordingServer : IAsyncDisposable
{
    private readonly List<(string Path, string? Authorization)> _requests = [];
    private WebApplication _app = default!;

    public Uri Url { get; private set; } = default!;

    public IReadOnlyList<(string Path, string? Authorization)> Requests
    {
        get
        {
            lock (_requests)
                return [.. _requests];
        }
    }

    public static async Task<RecordingServer> StartAsync()
    {
        var server = new RecordingServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        server._app = builder.Build();
        server._app.Run(context =>
        {
            lock (server._requests)
                server._requests.Add((context.Request.Path.Value ?? "", context.Request.Headers.Authorization is { Count: > 0 } a ? a.ToString() : null));
            context.Response.StatusCode = 200;
            return context.Response.WriteAsync("{\"entry\":[]}");
        });
        await server._app.StartAsync();
        var address = LoopbackHttps.Address(server._app);
        server.Url = new Uri($"http://localhost:{address.Port}/");
        return server;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
