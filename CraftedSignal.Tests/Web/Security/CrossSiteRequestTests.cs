using System.Net;
using CraftedSignal.Tests.Infrastructure;

namespace CraftedSignal.Tests.Web.Security;

/// <summary>
/// The Sec-Fetch-Site check in front of antiforgery, through the real sign-in form: each request carries a valid
/// antiforgery token and the right password, so a refusal can only be the origin check, and a pass signs in (302).
/// </summary>
public sealed class CrossSiteRequestTests(CrossSiteRequestTests.Fixture app) : IClassFixture<CrossSiteRequestTests.Fixture>
{
    private const string TrustedOrigin = "https://sso.example.com";

    [Theory]
    [InlineData("cross-site", null, null)]
    [InlineData("same-site", null, null)]
    [InlineData("same-site", "https://app.example.com", null)]
    [InlineData("cross-site", "https://evil.example", null)]
    [InlineData(null, "https://evil.example", null)]
    [InlineData(null, "null", null)]
    [InlineData(null, "http://localhost:8080", null)]
    [InlineData(null, "https://localhost", null)]
    [InlineData(null, null, "https://evil.example/page")]
    public async Task SignInPost_FromAnotherSite_IsRefusedWith403(string? site, string? origin, string? referer)
    {
        var response = await app.PostSignInAsync(site, origin, referer);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.StartsWith("Cross-site request refused:", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("craftedsignal.auth=", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("same-origin", null, null)]
    [InlineData("none", null, null)]
    [InlineData("same-origin", "http://localhost", null)]
    [InlineData("cross-site", TrustedOrigin, null)]
    [InlineData("same-site", TrustedOrigin, null)]
    [InlineData(null, "http://localhost", null)]
    [InlineData(null, "HTTP://LOCALHOST:80", null)]
    [InlineData(null, TrustedOrigin, null)]
    [InlineData(null, null, "http://localhost/Account/Login")]
    [InlineData(null, null, TrustedOrigin + "/callback")]
    [InlineData(null, null, null)]
    public async Task SignInPost_FromThisSiteATrustedOneOrNoBrowser_SignsIn(string? site, string? origin, string? referer)
    {
        var response = await app.PostSignInAsync(site, origin, referer);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("craftedsignal.auth=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CrossSitePost_WithoutAnAntiforgeryToken_Gets403NotAntiforgerys400()
    {
        // What an attacker's page can send: the form's fields, none of this site's tokens.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/Account/Login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["Input.Email"] = "olivia@acme.test", ["Input.Password"] = "guess", ["_handler"] = "login" }),
        };
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        request.Headers.Add("Origin", "https://evil.example");

        var response = await app.Factory.NewClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Sec-Fetch-Site: cross-site", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrossSiteGet_IsServed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/Account/Login");
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        request.Headers.Add("Origin", "https://evil.example");

        var response = await app.Factory.NewClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("sso.example.com", "Security:TrustedOrigins:0 ('sso.example.com') is not an origin")]
    [InlineData("https://sso.example.com/callback", "Security:TrustedOrigins:0 ('https://sso.example.com/callback') is not an origin")]
    [InlineData("ftp://sso.example.com", "Security:TrustedOrigins:0")]
    public async Task TrustedOrigin_ThatIsNotAnOrigin_StopsTheStartNamingIt(string origin, string message)
    {
        await using var factory = new AppFactory(settings: new Dictionary<string, string> { ["Security:TrustedOrigins:0"] = origin });

        var failure = Assert.ThrowsAny<Exception>(() => factory.Server);

        Assert.Contains(message, failure.ToString(), StringComparison.Ordinal);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public AppFactory Factory { get; } = new(settings: new Dictionary<string, string> { ["Security:TrustedOrigins:0"] = TrustedOrigin });

        public async Task InitializeAsync() => await Factory.AddUserAsync("olivia@acme.test", "Olivia");

        /// <summary>The sign-in form's post, as a browser sends it, with the given origin headers (null: not sent).</summary>
        public async Task<HttpResponseMessage> PostSignInAsync(string? site, string? origin, string? referer)
        {
            using var client = Factory.NewClient();
            var token = await AppFactory.AntiforgeryTokenAsync(client, "/Account/Login");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/Account/Login")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["Input.Email"] = "olivia@acme.test",
                    ["Input.Password"] = AppFactory.Password,
                    ["__RequestVerificationToken"] = token,
                    ["_handler"] = "login",
                }),
            };
            if (site is not null)
                request.Headers.Add("Sec-Fetch-Site", site);
            if (origin is not null)
                request.Headers.Add("Origin", origin);
            if (referer is not null)
                request.Headers.Referrer = new Uri(referer);
            return await client.SendAsync(request);
        }

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }
}
