using System.Net;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Web;

/// <summary>
/// Every route, as every role, plus a member of another company: who gets the page, who is sent to sign in,
/// who is refused — decided on the server.
/// </summary>
public sealed class AuthorizationMatrixTests(AuthorizationMatrixTests.Fixture app) : IClassFixture<AuthorizationMatrixTests.Fixture>
{
    public enum Outcome
    {
        Page,
        SignIn,
        Denied,
    }

    public static TheoryData<string, string, Outcome> Matrix()
    {
        var data = new TheoryData<string, string, Outcome>();
        string[] everyone = ["Owner", "Admin", "User", "Viewer", "OtherCompanyOwner"];
        foreach (var who in everyone.Append("Anonymous"))
        {
            var signedIn = who != "Anonymous";
            var administers = who is "Owner" or "Admin" or "OtherCompanyOwner";
            data.Add("/", who, signedIn ? Outcome.Page : Outcome.SignIn);
            data.Add("/Account/Manage", who, signedIn ? Outcome.Page : Outcome.SignIn);
            data.Add("/Account/Manage/ChangePassword", who, signedIn ? Outcome.Page : Outcome.SignIn);
            data.Add("/settings/users", who, !signedIn ? Outcome.SignIn : administers ? Outcome.Page : Outcome.Denied);
            data.Add("/settings/company", who, !signedIn ? Outcome.SignIn : administers ? Outcome.Page : Outcome.Denied);
            data.Add("/settings/targets", who, signedIn ? Outcome.Page : Outcome.SignIn);
            // The job dashboard shows every company's work: only the first company's Owner and the listed operator.
            var operates = who is "Owner" or "Viewer";
            data.Add("/hangfire", who, !signedIn ? Outcome.SignIn : operates ? Outcome.Page : Outcome.Denied);
            data.Add("/hangfire/jobs/enqueued", who, !signedIn ? Outcome.SignIn : operates ? Outcome.Page : Outcome.Denied);
            data.Add("/rules", who, signedIn ? Outcome.Page : Outcome.SignIn);
            data.Add("/rules/new", who, signedIn ? Outcome.Page : Outcome.SignIn);
            data.Add("/coverage", who, signedIn ? Outcome.Page : Outcome.SignIn);
            data.Add("/reviews", who, signedIn ? Outcome.Page : Outcome.SignIn);
            data.Add("/healthz", who, Outcome.Page);
            data.Add("/Account/Login", who, Outcome.Page);
            data.Add("/Account/Register", who, Outcome.Page);
            data.Add("/Account/Lockout", who, Outcome.Page);
            data.Add("/Account/AccessDenied", who, Outcome.Page);
            data.Add("/invite/not-a-real-token", who, Outcome.Page);
            data.Add("/not-found", who, Outcome.Page);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Route_AsRole_GetsExpectedOutcome(string route, string who, Outcome expected)
    {
        var client = await app.ClientForAsync(who);

        var response = await client.GetAsync(route);

        var location = response.Headers.Location?.ToString() ?? "";
        var actual = response.StatusCode switch
        {
            HttpStatusCode.OK => Outcome.Page,
            HttpStatusCode.Redirect when location.Contains("/Account/Login", StringComparison.Ordinal) => Outcome.SignIn,
            HttpStatusCode.Redirect when location.Contains("/Account/AccessDenied", StringComparison.Ordinal) => Outcome.Denied,
            HttpStatusCode.Forbidden when route.StartsWith("/hangfire", StringComparison.Ordinal) => Outcome.Denied,
            _ => throw new Xunit.Sdk.XunitException($"{route} as {who}: unexpected {(int)response.StatusCode} {location}"),
        };
        Assert.Equal(expected, actual);
    }

    /// <summary>Every endpoint anyone may use without signing in, by route. A new public endpoint is added here on purpose.</summary>
    private static readonly string[] PublicEndpoints =
    [
        "/Account/AccessDenied",
        "/Account/InvalidUser",
        "/Account/Lockout",
        "/Account/Login",
        "/Account/LoginWith2fa",
        "/Account/LoginWithRecoveryCode",
        "/Account/PasskeyRequestOptions",
        "/Account/Register",
        "/Error",
        "/healthz",
        "/invite/{Token}",
        "/not-found",
    ];

    [Fact]
    public async Task EveryEndpoint_NeedsASignedInUser_UnlessItIsListedAsPublic()
    {
        var policies = app.Services.GetRequiredService<IAuthorizationPolicyProvider>();
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var unlisted = new List<string>();
        var open = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
        {
            var route = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                if (IsFrameworkOrAsset(endpoint, route))
                    continue;
                open.Add(route);
                continue;
            }

            var policy = await AuthorizationPolicy.CombineAsync(policies, endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>(), endpoint.Metadata.GetOrderedMetadata<AuthorizationPolicy>())
                ?? await policies.GetFallbackPolicyAsync();
            if (policy?.Requirements.OfType<DenyAnonymousAuthorizationRequirement>().Any() != true)
                unlisted.Add($"{route} ({endpoint.DisplayName}) needs no signed-in user and is not [AllowAnonymous]");
        }

        Assert.Empty(unlisted);
        Assert.Equal(PublicEndpoints, open);
        // The protected ones are really there: the enumeration saw the app's pages, APIs and the job dashboard.
        Assert.Contains(endpoints, e => e.RoutePattern.RawText == "/settings/users");
        Assert.Contains(endpoints, e => e.RoutePattern.RawText == "/api/v1/rules/export");
        Assert.Contains(endpoints, e => e.RoutePattern.RawText!.StartsWith("/hangfire", StringComparison.Ordinal));
        // The circuit's hub is reachable before sign-in (the not-found page is interactive), and it serves no page itself.
        Assert.Contains(endpoints, e => e.RoutePattern.RawText!.TrimStart('/').StartsWith("_blazor/negotiate", StringComparison.Ordinal) && e.Metadata.GetMetadata<IAllowAnonymous>() is not null);
    }

    /// <summary>The circuit's hub, the framework's scripts, and static files (with their fingerprinted names).</summary>
    private static bool IsFrameworkOrAsset(RouteEndpoint endpoint, string route) =>
        route.StartsWith("/_blazor", StringComparison.Ordinal) || route.StartsWith("/_framework/", StringComparison.Ordinal)
        || endpoint.Metadata.Any(m => m.GetType().Name == "StaticAssetDescriptor");

    [Theory]
    [InlineData("/")]
    [InlineData("/settings/users")]
    [InlineData("/settings/company")]
    public async Task Page_ForAnotherCompanysOwner_ShowsNothingOfAcme(string route)
    {
        var client = await app.ClientForAsync("OtherCompanyOwner");

        var html = await client.GetStringAsync(route);

        Assert.Contains("Globex", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Acme", html, StringComparison.Ordinal);
        Assert.DoesNotContain("@acme.test", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/settings/users")]
    [InlineData("/settings/company")]
    public async Task Page_ForAcmesOwner_ShowsNothingOfGlobex(string route)
    {
        var client = await app.ClientForAsync("Owner");

        var html = await client.GetStringAsync(route);

        Assert.Contains("Acme", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Globex", html, StringComparison.Ordinal);
        Assert.DoesNotContain("@globex.test", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RulePage_OfAnotherCompany_CannotBeOpened()
    {
        var rule = await app.AddRuleAsync();
        var acme = await (await app.ClientForAsync("Viewer")).GetStringAsync($"/rules/{rule}");
        Assert.Contains("Whoami Execution", acme, StringComparison.Ordinal);

        var html = await (await app.ClientForAsync("OtherCompanyOwner")).GetStringAsync($"/rules/{rule}");

        Assert.Contains("This rule cannot be opened", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Whoami Execution", html, StringComparison.Ordinal);
        Assert.DoesNotContain("whoami.exe", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReviewPage_OfAnotherCompany_CannotBeOpened_NorListed()
    {
        await app.AddRuleAsync();
        var acme = WebUtility.HtmlDecode(await (await app.ClientForAsync("User")).GetStringAsync($"/reviews/{app.Review}"));
        Assert.Contains("Whoami Execution · version 1", acme, StringComparison.Ordinal);
        Assert.Contains("please review", acme, StringComparison.Ordinal);

        var globex = await app.ClientForAsync("OtherCompanyOwner");
        var page = await globex.GetStringAsync($"/reviews/{app.Review}");
        var queue = await globex.GetStringAsync("/reviews");

        Assert.Contains("This review cannot be opened", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Whoami", page, StringComparison.Ordinal);
        Assert.DoesNotContain("please review", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Whoami", queue, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_GivesEachCompanyOnlyItsOwnRules()
    {
        await app.AddRuleAsync();

        var acme = await (await app.ClientForAsync("Viewer")).GetAsync("/api/v1/rules/export");
        var globex = await (await app.ClientForAsync("OtherCompanyOwner")).GetAsync("/api/v1/rules/export");
        var anonymous = await app.NewClient().GetAsync("/api/v1/rules/export");

        Assert.Equal("application/zip", acme.Content.Headers.ContentType?.MediaType);
        using var acmeZip = new System.IO.Compression.ZipArchive(await acme.Content.ReadAsStreamAsync());
        Assert.Equal(["rules/whoami_execution.yml", "rules/whoami_execution.tests.json"], acmeZip.Entries.Select(e => e.FullName));
        using var globexZip = new System.IO.Compression.ZipArchive(await globex.Content.ReadAsStreamAsync());
        Assert.Empty(globexZip.Entries);
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
    }

    [Fact]
    public async Task NewRulePage_ForViewer_SaysTheRoleCannotCreate()
    {
        var html = WebUtility.HtmlDecode(await (await app.ClientForAsync("Viewer")).GetStringAsync("/rules/new"));

        Assert.Contains("Your role can view rules but not create them.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsersPage_ForAdmin_ListsEveryAcmeMember()
    {
        var client = await app.ClientForAsync("Admin");

        var html = await client.GetStringAsync("/settings/users");

        foreach (var email in new[] { "owner@acme.test", "admin@acme.test", "user@acme.test", "viewer@acme.test" })
            Assert.Contains(email, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwitchCompany_ToACompanyTheUserIsNotIn_IsRefusedAndChangesNothing()
    {
        var client = await app.ClientForAsync("Viewer");

        var form = new Dictionary<string, string>
        {
            ["companyId"] = app.Globex.ToString(),
            ["__RequestVerificationToken"] = await AppFactory.AntiforgeryTokenAsync(client, "/Account/Manage"),
        };
        var switched = await client.PostAsync("/Account/SwitchCompany", new FormUrlEncodedContent(form));

        Assert.Equal(HttpStatusCode.NotFound, switched.StatusCode);
        var after = await client.GetStringAsync("/");
        Assert.Contains("Acme", after, StringComparison.Ordinal);
        Assert.DoesNotContain("Globex", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwitchCompany_WithoutAntiforgeryToken_IsRejected()
    {
        var client = await app.ClientForAsync("Owner");

        var response = await client.PostAsync("/Account/SwitchCompany",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["companyId"] = app.Acme.ToString() }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Healthz_ReportsTheDatabaseHealthy()
    {
        var response = await app.NewClient().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/Account/Login")]
    [InlineData("/")]
    [InlineData("/healthz")]
    [InlineData("/hangfire")]
    public async Task Responses_CarryBrowserHardeningHeaders(string route)
    {
        var response = await (await app.ClientForAsync("Owner")).GetAsync(route);

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        // The circuit's WebSocket is this origin's; no WebSocket to any other host.
        Assert.Contains("connect-src 'self';", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("ws:", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthCookie_IsHttpOnlyAndSameSiteLax()
    {
        var client = app.NewClient();
        var response = await AppFactory.PostFormAsync(client, "/Account/Login", "login", new()
        {
            ["Input.Email"] = "viewer@acme.test",
            ["Input.Password"] = AppFactory.Password,
        });

        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("craftedsignal.auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        // Viewer is listed as an instance operator by email: the list works whatever the member's role in a company.
        private readonly AppFactory _factory = new(settings: new Dictionary<string, string> { ["Security:InstanceOperators:0"] = "Viewer@Acme.test" });
        private readonly Dictionary<string, HttpClient> _clients = [];
        private readonly SemaphoreSlim _gate = new(1, 1);
        private Guid? _rule;

        public Guid Acme { get; private set; }

        public Guid Globex { get; private set; }

        public HttpClient NewClient() => _factory.NewClient();

        public IServiceProvider Services => _factory.Services;

        /// <summary>Adds a Sigma rule to Acme as its Owner, once.</summary>
        /// <summary>The review of the rule <see cref="AddRuleAsync"/> adds, submitted by Acme's owner.</summary>
        public Guid Review { get; private set; }

        public async Task<Guid> AddRuleAsync()
        {
            await _gate.WaitAsync();
            try
            {
                if (_rule is { } existing)
                    return existing;
                await using var scope = _factory.Services.CreateAsyncScope();
                await using var db = _factory.NewContext();
                var ownerId = await db.Users.Where(u => u.Email == "owner@acme.test").Select(u => u.Id).SingleAsync();
                scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(Acme, ownerId, "owner@acme.test", CompanyRole.Owner, null);
                var saved = await scope.ServiceProvider.GetRequiredService<RuleService>().CreateAsync(new RuleDraft(RuleFormat.Sigma, Rules.RuleServiceTests.Whoami));
                _rule = saved.Value!.RuleId;

                // A review needs a finished, passing run of the rule's tests: the app's own job system runs it.
                var tests = scope.ServiceProvider.GetRequiredService<Domain.Testing.RuleTestService>();
                await tests.SaveCaseAsync(_rule.Value, null, "whoami runs", Domain.Testing.TestExpectation.Alert, null, """{"Image": "C:\\Windows\\System32\\whoami.exe"}""");
                await tests.StartRunAsync(_rule.Value);
                for (var waited = 0; waited < 200 && await db.DetectionRules.IgnoreQueryFilters().AsNoTracking().Where(r => r.Id == _rule.Value)
                    .Select(r => r.TestStatus).SingleAsync() != Domain.Rules.RuleTestStatus.Passing; waited++)
                    await Task.Delay(50);
                Review = (await scope.ServiceProvider.GetRequiredService<Domain.Approvals.ApprovalService>().SubmitAsync(_rule.Value, "please review")).Value;
                return _rule.Value;
            }
            finally
            {
                _gate.Release();
            }
        }

        public async Task InitializeAsync()
        {
            _ = _factory.Server;
            var owner = await _factory.AddUserAsync("owner@acme.test", "Acme Owner");
            Acme = await _factory.AddCompanyAsync("Acme", owner);
            foreach (var role in new[] { CompanyRole.Admin, CompanyRole.User, CompanyRole.Viewer })
                await _factory.AddMemberAsync(Acme, await _factory.AddUserAsync($"{role.ToString().ToLowerInvariant()}@acme.test", $"Acme {role}"), role);
            var globexOwner = await _factory.AddUserAsync("owner@globex.test", "Globex Owner");
            Globex = await _factory.AddCompanyAsync("Globex", globexOwner);
        }

        public async Task<HttpClient> ClientForAsync(string who)
        {
            await _gate.WaitAsync();
            try
            {
                if (!_clients.TryGetValue(who, out var client))
                {
                    client = who switch
                    {
                        "Anonymous" => _factory.NewClient(),
                        "OtherCompanyOwner" => await _factory.SignInAsync("owner@globex.test"),
                        _ => await _factory.SignInAsync($"{who.ToLowerInvariant()}@acme.test"),
                    };
                    _clients[who] = client;
                }

                return client;
            }
            finally
            {
                _gate.Release();
            }
        }

        public async Task DisposeAsync()
        {
            foreach (var client in _clients.Values)
                client.Dispose();
            await _factory.DisposeAsync();
        }
    }
}
