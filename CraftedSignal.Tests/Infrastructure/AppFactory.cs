using System.Net;
using System.Text.RegularExpressions;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Infrastructure;

/// <summary>The whole web app in memory, on its own SQLite file in a temporary data folder.</summary>
/// <param name="settings">Configuration on top of the test defaults (<c>Security:KnownProxies:0</c>, say).</param>
/// <param name="environment">The host environment; Development unless a test is about another.</param>
public sealed partial class AppFactory(
    string? dataDirectory = null,
    Action<IServiceCollection>? configureServices = null,
    IReadOnlyDictionary<string, string>? settings = null,
    string environment = "Development")
    : WebApplicationFactory<Program>
{
    public const string Password = "correct horse battery staple";

    /// <summary>The master secret of every test app (two apps on one data folder must open each other's tenant keys).</summary>
    public const string MasterSecret = "tests-only master secret: 4c2e9a7f1b3d5e8c0a6f2d4b9e1c7a3f";

    public string DataDirectory { get; } = dataDirectory ?? Path.Combine(Path.GetTempPath(), "craftedsignal-web-" + Guid.NewGuid().ToString("N"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Database:DataDirectory", DataDirectory);
        builder.UseSetting("Security:MasterSecret", MasterSecret);
        builder.UseEnvironment(environment);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            builder.UseSetting(key, value);
        if (configureServices is not null)
            builder.ConfigureTestServices(configureServices);
    }

    public AppDbContext NewContext() =>
        Services.CreateScope().ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext();

    /// <summary>Creates a user with a real (Argon2id-hashed) password.</summary>
    public async Task<string> AddUserAsync(string email, string displayName)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = displayName };
        var result = await users.CreateAsync(user, Password);
        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Select(e => e.Description)));
        return user.Id;
    }

    public async Task<Guid> AddCompanyAsync(string name, string ownerId)
    {
        await using var db = NewContext();
        var company = CompanyService.NewCompany(db, name, ownerId, DateTime.UtcNow);
        await db.SaveChangesAsync();
        return company.Id;
    }

    public async Task AddMemberAsync(Guid companyId, string userId, CompanyRole role)
    {
        await using var db = NewContext();
        db.Memberships.Add(new Membership { Id = Guid.CreateVersion7(), CompanyId = companyId, UserId = userId, Role = role, JoinedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
    }

    /// <summary>
    /// Serves the app on a real Kestrel socket bound to <paramref name="address"/> (port chosen by the system), for tests
    /// that need a real peer address or real bound addresses; <see cref="NewKestrelClient"/> talks to it over loopback.
    /// </summary>
    public AppFactory StartOnKestrel(IPAddress address)
    {
        UseKestrel(options => options.Listen(address, 0));
        StartServer();
        var bound = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        KestrelAddress = new UriBuilder(bound) { Host = "127.0.0.1" }.Uri;
        return this;
    }

    /// <summary>Where <see cref="StartOnKestrel"/> listens, as a loopback URL.</summary>
    public Uri? KestrelAddress { get; private set; }

    /// <summary>A real HTTP client to the Kestrel server, with cookies, not following redirects.</summary>
    public HttpClient NewKestrelClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() })
        {
            BaseAddress = KestrelAddress ?? throw new InvalidOperationException("Call StartOnKestrel first."),
        };

    /// <summary>A client that does not follow redirects, so tests see where the server sends them.</summary>
    public HttpClient NewClient() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Signs in through the real sign-in form and returns the client holding the auth cookie.</summary>
    public async Task<HttpClient> SignInAsync(string email, string password = Password)
    {
        var client = NewClient();
        var response = await PostFormAsync(client, "/Account/Login", "login", new()
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    /// <summary>
    /// Signs in through the form with a client that keeps no cookies itself, and returns the auth cookie it was given
    /// (<c>name=value</c>), for tests that replay it: from another copy of the app, or after the session ended.
    /// </summary>
    public async Task<string> SignInCookieAsync(string email, string password = Password)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        var page = await client.GetAsync("/Account/Login");
        var antiforgery = string.Join("; ", page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        var token = AntiforgeryField().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        using var post = new HttpRequestMessage(HttpMethod.Post, "/Account/Login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["Input.Email"] = email,
                ["Input.Password"] = password,
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
                ["_handler"] = "login",
            }),
        };
        post.Headers.Add("Cookie", antiforgery);
        var signedIn = await client.SendAsync(post);
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return signedIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith("craftedsignal.auth=", StringComparison.Ordinal));
    }

    /// <summary>A GET carrying exactly <paramref name="cookie"/>, not following redirects.</summary>
    public async Task<HttpResponseMessage> GetWithCookieAsync(string path, string cookie)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        return await client.GetAsync(path);
    }

    /// <summary>Posts a static server-rendered form the way a browser does: antiforgery token from the page, then the fields.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, string formName, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = await AntiforgeryTokenAsync(client, path);
        fields["_handler"] = formName;
        return await client.PostAsync(path, new FormUrlEncodedContent(fields));
    }

    /// <summary>The antiforgery request token a form on <paramref name="path"/> carries for this client.</summary>
    public static async Task<string> AntiforgeryTokenAsync(HttpClient client, string path)
    {
        var page = await client.GetStringAsync(path);
        var token = AntiforgeryField().Match(page);
        Assert.True(token.Success, $"No antiforgery token on {path}");
        return WebUtility.HtmlDecode(token.Groups[1].Value);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
