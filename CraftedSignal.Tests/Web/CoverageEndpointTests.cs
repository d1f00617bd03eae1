using System.Net;
using System.Text.Json;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Web;

/// <summary>The ATT&amp;CK Navigator layer export and the coverage page, over HTTP, per company.</summary>
public sealed class CoverageEndpointTests(CoverageEndpointTests.Fixture app) : IClassFixture<CoverageEndpointTests.Fixture>
{
    private const string Layer = "/api/v1/coverage/navigator";

    [Fact]
    public async Task NavigatorLayer_IsAnAttachmentInTheNavigatorFormat()
    {
        var response = await (await app.ClientForAsync("viewer@acme.test")).GetAsync(Layer);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("craftedsignal-attack-layer.json", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("enterprise-attack", root.GetProperty("domain").GetString());
        Assert.Equal("4.5", root.GetProperty("versions").GetProperty("layer").GetString());
        Assert.Equal("18", root.GetProperty("versions").GetProperty("attack").GetString());
        Assert.Equal(["#ffffff", "#66b1ff", "#1f3c88"], root.GetProperty("gradient").GetProperty("colors").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(2, root.GetProperty("gradient").GetProperty("maxValue").GetInt32());
        Assert.NotEmpty(root.GetProperty("legendItems").EnumerateArray());
    }

    [Fact]
    public async Task NavigatorLayer_ScoresEachTechniqueUnderItsTacticByLiveRules()
    {
        var techniques = await TechniquesAsync("viewer@acme.test");

        Assert.Equal(2, techniques[("T1059.001", "execution")].GetProperty("score").GetInt32());
        Assert.Equal(0, techniques[("T1033", "discovery")].GetProperty("score").GetInt32());
        Assert.Equal("0 rules live of 1 rule tagged", techniques[("T1033", "discovery")].GetProperty("comment").GetString());
        Assert.True(techniques[("T1059.001", "execution")].GetProperty("enabled").GetBoolean());
        Assert.Equal(2, techniques.Count);
    }

    [Fact]
    public async Task NavigatorLayer_OfAnotherCompany_HoldsNoneOfAcmesTechniques()
    {
        var globex = await TechniquesAsync("owner@globex.test");

        Assert.Equal([("T1566.001", "initial-access")], globex.Keys);
    }

    [Fact]
    public async Task NavigatorLayer_ForAnonymous_RedirectsToSignIn()
    {
        var response = await app.NewClient().GetAsync(Layer);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains("/Account/Login", response.Headers.Location?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CoveragePage_ShowsOnlyTheCompanysOwnTechniques()
    {
        var acme = await (await app.ClientForAsync("viewer@acme.test")).GetStringAsync("/coverage");
        var globex = await (await app.ClientForAsync("owner@globex.test")).GetStringAsync("/coverage");

        Assert.Contains("/rules?technique=T1059.001", acme, StringComparison.Ordinal);
        Assert.DoesNotContain("T1566.001", acme, StringComparison.Ordinal);
        Assert.Contains("/rules?technique=T1566.001", globex, StringComparison.Ordinal);
        Assert.DoesNotContain("T1059.001", globex, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "coverage-none")]
    [InlineData(1, "coverage-low")]
    [InlineData(2, "coverage-medium")]
    [InlineData(3, "coverage-medium")]
    [InlineData(4, "coverage-high")]
    [InlineData(40, "coverage-high")]
    public void Cell_IsColouredByLiveRules(int liveRules, string band) =>
        Assert.Equal(band, CraftedSignal.Web.Components.Pages.Rules.CoveragePage.Band(liveRules));

    private async Task<Dictionary<(string Technique, string? Tactic), JsonElement>> TechniquesAsync(string email)
    {
        var body = await (await app.ClientForAsync(email)).GetStringAsync(Layer);
        var root = JsonDocument.Parse(body).RootElement;
        return root.GetProperty("techniques").EnumerateArray().ToDictionary(
            t => (t.GetProperty("techniqueID").GetString()!, t.TryGetProperty("tactic", out var tactic) ? tactic.GetString() : null),
            t => t.Clone());
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private readonly AppFactory _factory = new();
        private readonly Dictionary<string, HttpClient> _clients = [];
        private readonly SemaphoreSlim _gate = new(1, 1);

        public HttpClient NewClient() => _factory.NewClient();

        public async Task InitializeAsync()
        {
            _ = _factory.Server;
            var owner = await _factory.AddUserAsync("owner@acme.test", "Acme Owner");
            var acme = await _factory.AddCompanyAsync("Acme", owner);
            await _factory.AddMemberAsync(acme, await _factory.AddUserAsync("viewer@acme.test", "Acme Viewer"), CompanyRole.Viewer);
            var globexOwner = await _factory.AddUserAsync("owner@globex.test", "Globex Owner");
            var globex = await _factory.AddCompanyAsync("Globex", globexOwner);

            await AddRuleAsync(acme, "owner@acme.test", "Encoded PowerShell", true, "attack.execution", "attack.t1059.001");
            await AddRuleAsync(acme, "owner@acme.test", "PowerShell Download Cradle", true, "attack.execution", "attack.t1059.001");
            await AddRuleAsync(acme, "owner@acme.test", "Whoami Execution", false, "attack.discovery", "attack.t1033");
            await AddRuleAsync(globex, "owner@globex.test", "Macro Attachment", true, "attack.initial-access", "attack.t1566.001");
        }

        public async Task<HttpClient> ClientForAsync(string email)
        {
            await _gate.WaitAsync();
            try
            {
                if (!_clients.TryGetValue(email, out var client))
                    _clients[email] = client = await _factory.SignInAsync(email);
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

        private async Task AddRuleAsync(Guid companyId, string email, string title, bool active, string tactic, string technique)
        {
            await using var scope = _factory.Services.CreateAsyncScope();
            await using var db = _factory.NewContext();
            var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
            scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(companyId, userId, email, CompanyRole.Owner, null);
            var rules = scope.ServiceProvider.GetRequiredService<RuleService>();
            var saved = await rules.CreateAsync(new RuleDraft(RuleFormat.Sigma, Rules.RuleLibraryServiceTests.Sigma(title, "high", "process_creation", tactic, technique, "x.exe")));
            Assert.True(saved.Succeeded, saved.Error?.Message);
            if (active)
                Assert.True((await rules.ChangeLifecycleAsync(saved.Value.RuleId, RuleLifecycle.Active)).Succeeded);
        }
    }
}
