using System.Net;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Web.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Web;

/// <summary>
/// Sign-in as a stranger attacks it: guessing, locking others out, flooding the audit trail, flooding the server. The
/// in-memory host has no peer address, so a startup filter gives each request the one its <c>X-Test-Peer</c> header
/// names, as Kestrel would from the connection: the product reads it from the connection, as always.
/// </summary>
public sealed class SignInProtectionTests : IAsyncLifetime
{
    private const string Stranger = "203.0.113.7";
    private const string OwnersDesk = "198.51.100.2";

    private readonly AppFactory _app = new(configureServices: services => services.AddSingleton<IStartupFilter, PeerFromHeader>());

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task AStranger_CannotLockAnOwnerOut_OnlyThemselves()
    {
        var owner = await _app.AddUserAsync("owner@acme.test", "Owner");
        await _app.AddCompanyAsync("Acme", owner);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 8; i++)
            answers.Add(await SignInAsync(Stranger, "owner@acme.test", "wrong password " + i));
        var strangerWithThePassword = await SignInAsync(Stranger, "owner@acme.test", AppFactory.Password);
        var ownerAtTheirDesk = await SignInAsync(OwnersDesk, "owner@acme.test", AppFactory.Password);

        Assert.All(answers.Take(5), a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.All(answers.Skip(5), a => Assert.Equal(HttpStatusCode.TooManyRequests, a.StatusCode));
        Assert.InRange(int.Parse(answers[^1].Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 15 * 60);
        Assert.Contains("Too many failed sign-ins from your address", WebUtility.HtmlDecode(await answers[^1].Content.ReadAsStringAsync()), StringComparison.Ordinal);
        // The source is refused even with the right password; the owner elsewhere is not.
        Assert.Equal(HttpStatusCode.TooManyRequests, strangerWithThePassword.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, ownerAtTheirDesk.StatusCode);
        await using var db = _app.NewContext();
        Assert.False(await db.Users.AnyAsync(u => u.LockoutEnd != null || u.AccessFailedCount > 0));
    }

    [Fact]
    public async Task AFlood_OfFailures_IsOneAuditEntry_AndOneCountWhenItsWindowEnds()
    {
        var owner = await _app.AddUserAsync("owner@acme.test", "Owner");
        var acme = await _app.AddCompanyAsync("Acme", owner);

        for (var i = 0; i < 12; i++)
            await SignInAsync(Stranger, "owner@acme.test", "wrong password " + i);
        await using (var db = _app.NewContext())
            Assert.Equal(1, await db.AuditEntries.IgnoreQueryFilters().CountAsync(e => e.CompanyId == acme && e.Action == AuditActions.SignInFailed));

        // As the server does every minute for ended windows, and for all of them when it stops.
        await _app.Services.GetRequiredService<SignInThrottleAuditor>().AuditAsync(all: true, CancellationToken.None);

        await using var after = _app.NewContext();
        var entries = await after.AuditEntries.IgnoreQueryFilters().Where(e => e.CompanyId == acme).ToListAsync();
        Assert.Equal(1, entries.Count(e => e.Action == AuditActions.SignInFailed));
        var counted = Assert.Single(entries, e => e.Action == AuditActions.SignInFailuresCounted);
        Assert.Contains("\"attempts\":12", counted.Details, StringComparison.Ordinal);
        Assert.Contains("\"refused_without_checking\":7", counted.Details, StringComparison.Ordinal);
        Assert.Equal(Stranger, counted.IpAddress);
        Assert.Equal(owner, counted.ActorUserId);
    }

    [Fact]
    public async Task ManyAccounts_FromOneAddress_AreRefusedAfterTwentyFailures_AndUnknownOnesCostTheSameHash()
    {
        for (var i = 0; i < 20; i++)
            Assert.Equal(HttpStatusCode.OK, (await SignInAsync(Stranger, $"guess{i}@nowhere.test", "whatever password")).StatusCode);

        var refused = await SignInAsync(Stranger, "another@nowhere.test", "whatever password");
        var elsewhere = await SignInAsync(OwnersDesk, "another@nowhere.test", "whatever password");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, elsewhere.StatusCode);
        await using var db = _app.NewContext();
        Assert.Equal(21, await db.AuditEntries.IgnoreQueryFilters().CountAsync(e => e.CompanyId == null && e.Action == AuditActions.SignInFailed));
    }

    private async Task<HttpResponseMessage> SignInAsync(string peer, string email, string password)
    {
        var client = _app.NewClient();
        client.DefaultRequestHeaders.Add(PeerFromHeader.Header, peer);
        return await AppFactory.PostFormAsync(client, "/Account/Login", "login", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });
    }

    /// <summary>Sets the connection's peer address, as Kestrel does, from a header only tests send.</summary>
    internal sealed class PeerFromHeader : IStartupFilter
    {
        public const string Header = "X-Test-Peer";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[Header].ToString(), out var address))
                    context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>The request rate limiter, with limits small enough to reach in a test: spent, refused with Retry-After, recovered.</summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private readonly AppFactory _app = new(configureServices: services =>
    {
        services.AddSingleton<IStartupFilter, SignInProtectionTests.PeerFromHeader>();
        services.Configure<CraftedSignal.Web.Security.RateLimitOptions>(o =>
        {
            (o.AccountPermits, o.AccountWindow) = (3, TimeSpan.FromSeconds(5));
            (o.ApiPermits, o.ApiWindow) = (2, TimeSpan.FromSeconds(60));
        });
    });

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task TheAccountEndpoints_AreLimitedPerAddress_AnswerTooManyWithRetryAfter_AndRecover()
    {
        // Posts without a form are refused by antiforgery right after the limiter counted them: quick enough that four
        // land in one window however busy the machine is.
        var client = Client("203.0.113.9");
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
            answers.Add((await client.PostAsync("/Account/Login", null)).StatusCode);
        var refused = await client.PostAsync("/Account/Register", null);
        var otherAddress = await Client("203.0.113.10").PostAsync("/Account/Login", null);
        var pages = await client.GetAsync("/Account/Login");
        await Task.Delay(TimeSpan.FromSeconds(5.5));
        var recovered = await client.PostAsync("/Account/Login", null);

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], answers);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 5);
        Assert.Contains("Too many requests from your address", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, otherAddress.StatusCode);
        Assert.Equal(HttpStatusCode.OK, pages.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, recovered.StatusCode);
    }

    [Fact]
    public async Task TheApi_IsLimitedPerAddress()
    {
        var client = Client("203.0.113.11");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
            statuses.Add((await client.GetAsync("/api/v1/attack/techniques")).StatusCode);

        Assert.NotEqual(HttpStatusCode.TooManyRequests, statuses[0]);
        Assert.NotEqual(HttpStatusCode.TooManyRequests, statuses[1]);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[2]);
    }

    private HttpClient Client(string peer)
    {
        var client = _app.NewClient();
        client.DefaultRequestHeaders.Add(SignInProtectionTests.PeerFromHeader.Header, peer);
        return client;
    }
}
