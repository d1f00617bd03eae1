using System.Net;
using CraftedSignal.Domain.Security;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Web.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Tests.Web.Security;

/// <summary>The first-run claim of an instance that others can reach needs the setup token; one on loopback only does not.</summary>
public sealed class SetupTokenTests
{
    [Theory]
    [InlineData(true, "http://127.0.0.1:5000")]
    [InlineData(true, "http://localhost:5000")]
    [InlineData(true, "http://[::1]:5000")]
    [InlineData(true, "https://127.0.0.2:5001", "http://localhost:5000")]
    [InlineData(false, "http://0.0.0.0:5000")]
    [InlineData(false, "http://[::]:5000")]
    [InlineData(false, "http://*:80")]
    [InlineData(false, "http://+:80")]
    [InlineData(false, "http://craftedsignal.example.com:80")]
    [InlineData(false, "http://192.168.1.20:5000")]
    [InlineData(false, "http://127.0.0.1:5000", "http://10.0.0.7:5000")]
    [InlineData(false, "http://unix:/run/craftedsignal.sock")]
    public void ListensOnLoopbackOnly_IsTrueOnlyWhenEveryAddressIsLoopback(bool expected, params string[] addresses) =>
        Assert.Equal(expected, SetupTokenGate.ListensOnLoopbackOnly(addresses));

    [Fact]
    public async Task OnEveryInterface_TheClaimNeedsTheToken_WhichTheLogShows()
    {
        var logs = new CapturedLogs();
        await using var app = new AppFactory(configureServices: s => s.AddLogging(b => b.AddProvider(logs))).StartOnKestrel(IPAddress.Any);
        var token = app.Services.GetRequiredService<SetupToken>().Value;
        Assert.Equal(SetupToken.FromMasterSecret(System.Text.Encoding.UTF8.GetBytes(AppFactory.MasterSecret)).Value, token);
        using var client = app.NewKestrelClient();

        var form = WebUtility.HtmlDecode(await client.GetStringAsync("/Account/Register"));
        var missing = await ClaimAsync(client, token: null);
        var wrong = await ClaimAsync(client, token: "0123abcd-0123abcd-0123abcd-0123abcd");

        Assert.Contains("Setup token", form, StringComparison.Ordinal);
        Assert.Contains("claiming it needs its setup token", missing, StringComparison.Ordinal);
        Assert.Contains("That is not this instance's setup token.", wrong, StringComparison.Ordinal);
        await using (var db = app.NewContext())
        {
            Assert.False(await db.Users.AnyAsync());
            Assert.False(await db.InstanceClaims.AnyAsync());
        }

        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Text.Contains($"one-time setup token: {token}", StringComparison.Ordinal));

        var claimed = await ClaimResponseAsync(client, token.ToUpperInvariant());

        Assert.Equal(HttpStatusCode.Redirect, claimed.StatusCode);
        await using (var db = app.NewContext())
            Assert.True(await db.InstanceClaims.AnyAsync());
        var closed = WebUtility.HtmlDecode(await app.NewKestrelClient().GetStringAsync("/Account/Register"));
        Assert.Contains("Registration is by invitation", closed, StringComparison.Ordinal);
        Assert.DoesNotContain("Setup token", closed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnLoopbackOnly_TheClaimNeedsNoToken_AndNoneIsLogged()
    {
        var logs = new CapturedLogs();
        await using var app = new AppFactory(configureServices: s => s.AddLogging(b => b.AddProvider(logs))).StartOnKestrel(IPAddress.Loopback);
        using var client = app.NewKestrelClient();

        var form = WebUtility.HtmlDecode(await client.GetStringAsync("/Account/Register"));
        var claimed = await ClaimResponseAsync(client, token: null);

        Assert.DoesNotContain("Setup token", form, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, claimed.StatusCode);
        Assert.DoesNotContain(logs.Entries, e => e.Text.Contains("setup token", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task OnLoopbackBehindAConfiguredProxy_TheClaimNeedsTheToken()
    {
        await using var app = new AppFactory(settings: new Dictionary<string, string> { ["Security:KnownProxies:0"] = "10.0.0.5" }).StartOnKestrel(IPAddress.Loopback);
        using var client = app.NewKestrelClient();

        var missing = await ClaimAsync(client, token: null);

        Assert.Contains("claiming it needs its setup token", missing, StringComparison.Ordinal);
    }

    [Fact]
    public void Token_IsDerivedFromTheMasterSecret_AndMatchesWhateverItsSpelling()
    {
        var token = SetupToken.FromMasterSecret("one master secret for this test, 32+ bytes long"u8);
        var other = SetupToken.FromMasterSecret("another master secret for this test, 32+ bytes"u8);

        Assert.Matches("^[0-9a-f]{8}(-[0-9a-f]{8}){3}$", token.Value);
        Assert.Equal(token.Value, SetupToken.FromMasterSecret("one master secret for this test, 32+ bytes long"u8).Value);
        Assert.NotEqual(token.Value, other.Value);
        Assert.True(token.Matches($"  {token.Value.ToUpperInvariant().Replace("-", " ", StringComparison.Ordinal)} "));
        Assert.False(token.Matches(other.Value));
        Assert.False(token.Matches(token.Value[..^1]));
        Assert.False(token.Matches(null));
    }

    private static async Task<string> ClaimAsync(HttpClient client, string? token) =>
        WebUtility.HtmlDecode(await (await ClaimResponseAsync(client, token)).Content.ReadAsStringAsync());

    private static Task<HttpResponseMessage> ClaimResponseAsync(HttpClient client, string? token)
    {
        var fields = new Dictionary<string, string>
        {
            ["Input.CompanyName"] = "Acme",
            ["Input.DisplayName"] = "Olivia",
            ["Input.Email"] = "olivia@acme.test",
            ["Input.Password"] = AppFactory.Password,
            ["Input.ConfirmPassword"] = AppFactory.Password,
        };
        if (token is not null)
            fields["Input.SetupToken"] = token;
        return AppFactory.PostFormAsync(client, "/Account/Register", "register", fields);
    }
}
