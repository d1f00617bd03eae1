using System.Net;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Tests.Web.Security;

/// <summary>Every cookie the app sets is Secure outside Development, whatever the request's scheme; Development serves plain http.</summary>
public sealed class CookieSecurityTests
{
    public static TheoryData<string> Schemes() =>
    [
        IdentityConstants.ApplicationScheme,
        IdentityConstants.ExternalScheme,
        IdentityConstants.TwoFactorUserIdScheme,
        IdentityConstants.TwoFactorRememberMeScheme,
    ];

    [Theory]
    [MemberData(nameof(Schemes))]
    public async Task OutsideDevelopment_EveryIdentityCookie_IsAlwaysSecure(string scheme)
    {
        await using var app = new AppFactory(environment: "Production");

        var options = app.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(scheme);

        Assert.Equal(CookieSecurePolicy.Always, options.Cookie.SecurePolicy);
        Assert.Equal(CookieSecurePolicy.Always, app.Services.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.Cookie.SecurePolicy);
    }

    [Fact]
    public async Task OutsideDevelopment_OverPlainHttp_PagesSayTheyNeedHttps_AndTheHealthCheckAnswers()
    {
        await using var app = new AppFactory(environment: "Production");
        using var client = app.NewClient();

        var page = await client.GetAsync("/Account/Login");
        var health = await client.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.StartsWith("CraftedSignal serves its pages over https only outside Development.", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(page.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task OutsideDevelopment_OverHttps_TheSignInPageSetsASecureAntiforgeryCookie()
    {
        await using var app = new AppFactory(environment: "Production");

        var response = await HttpsClient(app).GetAsync("/Account/Login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var antiforgery = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Antiforgery.", StringComparison.Ordinal));
        Assert.Contains("; secure", antiforgery, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task OutsideDevelopment_OverHttps_SignInSetsASecureSessionCookie()
    {
        await using var app = new AppFactory(environment: "Production");
        await app.AddUserAsync("olivia@acme.test", "Olivia");

        var response = await AppFactory.PostFormAsync(HttpsClient(app), "/Account/Login", "login", new()
        {
            ["Input.Email"] = "olivia@acme.test",
            ["Input.Password"] = AppFactory.Password,
        });

        var session = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("craftedsignal.auth=", StringComparison.Ordinal));
        Assert.Contains("; secure", session, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task InDevelopment_OverPlainHttp_CookiesAreNotSecure_SoThatTheyWork()
    {
        await using var app = new AppFactory();

        var response = await app.NewClient().GetAsync("/Account/Login");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.All(response.Headers.GetValues("Set-Cookie"), c => Assert.DoesNotContain("; secure", c, StringComparison.OrdinalIgnoreCase));
    }

    private static HttpClient HttpsClient(AppFactory app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });
}
