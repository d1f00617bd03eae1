using System.Net;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Tests.Web.Security;

/// <summary>
/// X-Forwarded-For and X-Forwarded-Proto over a real socket, whose peer is 127.0.0.1: believed only when that peer is a
/// configured proxy. What the app believes shows in the audit (the sign-in's IP), in HSTS and in the cookies.
/// </summary>
public sealed class ForwardedHeadersTests
{
    private const string Client = "203.0.113.9";

    public static TheoryData<string, Dictionary<string, string>, string> Peers() => new()
    {
        { "no proxy configured", new(), "127.0.0.1" },
        { "another proxy configured", new() { ["Security:KnownProxies:0"] = "10.0.0.5" }, "127.0.0.1" },
        { "another network configured", new() { ["Security:KnownNetworks:0"] = "10.0.0.0/8" }, "127.0.0.1" },
        { "the peer is a known proxy", new() { ["Security:KnownProxies:0"] = "10.0.0.5", ["Security:KnownProxies:1"] = "127.0.0.1" }, Client },
        { "the peer is in a known network", new() { ["Security:KnownNetworks:0"] = "127.0.0.0/8" }, Client },
    };

    [Theory]
    [MemberData(nameof(Peers))]
    public async Task SignIn_WithAForwardedFor_IsAuditedWithTheAddressOfWhoeverIsTrusted(string peer, Dictionary<string, string> settings, string audited)
    {
        _ = peer;
        await using var app = new AppFactory(settings: settings).StartOnKestrel(IPAddress.Loopback);
        await app.AddUserAsync("olivia@acme.test", "Olivia");
        using var client = app.NewKestrelClient();
        client.DefaultRequestHeaders.Add("X-Forwarded-For", Client);

        var response = await AppFactory.PostFormAsync(client, "/Account/Login", "login", new()
        {
            ["Input.Email"] = "olivia@acme.test",
            ["Input.Password"] = AppFactory.Password,
        });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        await using var db = app.NewContext();
        var signIn = await db.AuditEntries.IgnoreQueryFilters().SingleAsync(a => a.Action == AuditActions.SignIn);
        Assert.Equal(audited, signIn.IpAddress);
    }

    [Fact]
    public async Task ForwardLimit_BelievesOnlyTheLastHop()
    {
        await using var app = new AppFactory(settings: new Dictionary<string, string> { ["Security:KnownProxies:0"] = "127.0.0.1" }).StartOnKestrel(IPAddress.Loopback);
        await app.AddUserAsync("olivia@acme.test", "Olivia");
        using var client = app.NewKestrelClient();
        // A client that writes its own X-Forwarded-For: the proxy appends the address it saw, the app takes only that one.
        client.DefaultRequestHeaders.Add("X-Forwarded-For", $"198.51.100.66, {Client}");

        await AppFactory.PostFormAsync(client, "/Account/Login", "login", new()
        {
            ["Input.Email"] = "olivia@acme.test",
            ["Input.Password"] = AppFactory.Password,
        });

        await using var db = app.NewContext();
        Assert.Equal(Client, (await db.AuditEntries.IgnoreQueryFilters().SingleAsync(a => a.Action == AuditActions.SignIn)).IpAddress);
    }

    [Fact]
    public async Task Production_BehindATrustedTlsProxy_SendsHstsAndSecureCookies()
    {
        await using var app = new AppFactory(settings: new Dictionary<string, string> { ["Security:KnownProxies:0"] = "127.0.0.1" }, environment: "Production").StartOnKestrel(IPAddress.Loopback);

        var response = await GetSignInPageAsync(app, forwardedProto: "https");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("max-age=", response.Headers.GetValues("Strict-Transport-Security").Single(), StringComparison.Ordinal);
        Assert.All(response.Headers.GetValues("Set-Cookie"), c => Assert.Contains("; secure", c, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Production_ForwardedHttpsFromAnUntrustedPeer_IsNotBelieved()
    {
        await using var app = new AppFactory(environment: "Production").StartOnKestrel(IPAddress.Loopback);

        var response = await GetSignInPageAsync(app, forwardedProto: "https");

        // Still plain http to the app: no HSTS, and the page says it needs https rather than setting a cookie.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    /// <summary>The sign-in page by a public host name (HSTS is never sent to localhost), as a proxy forwards it.</summary>
    private static async Task<HttpResponseMessage> GetSignInPageAsync(AppFactory app, string forwardedProto)
    {
        using var client = app.NewKestrelClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Account/Login");
        request.Headers.Host = "craftedsignal.example.com";
        request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        request.Headers.Add("X-Forwarded-For", Client);
        return await client.SendAsync(request);
    }
}
