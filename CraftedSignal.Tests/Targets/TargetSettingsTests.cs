using System.Text;
using System.Text.Json;
using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Deployments;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Settings;
using CraftedSignal.Domain.Targets.Splunk;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Tests.Rules;
using CraftedSignal.Tests.Targets.Splunk;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Tests.Targets;

/// <summary>Stored target settings and secrets, through <see cref="TargetService"/>, the deployment work and a loopback Splunk.</summary>
public sealed class TargetSettingsTests : IAsyncLifetime
{
    private const string NewToken = "eyJraWQiOiJzcGx1bmsuc2VjcmV0IiwiYWxnIjoiSFM1MTIifQ.rotated-5e4d3c2b1a09f8e7";

    private readonly CapturedLogs _logs = new();
    private TestDatabase _db = default!;
    private SplunkTestServer _splunk = default!;
    private Guid _company;
    private string _owner = "";
    private string _admin = "";
    private string _user = "";
    private string _viewer = "";

    public async Task InitializeAsync()
    {
        _splunk = await SplunkTestServer.StartAsync();
        _db = await TestDatabase.CreateAsync(services => services.AddSingleton<ILoggerProvider>(_logs));
        _owner = await _db.AddUserAsync("olivia@acme.test", "Olivia");
        _admin = await _db.AddUserAsync("alice@acme.test", "Alice");
        _user = await _db.AddUserAsync("ursula@acme.test", "Ursula");
        _viewer = await _db.AddUserAsync("victor@acme.test", "Victor");
        _company = await _db.AddCompanyAsync("Acme", _owner);
        await _db.AddMemberAsync(_company, _admin, CompanyRole.Admin);
        await _db.AddMemberAsync(_company, _user, CompanyRole.User);
        await _db.AddMemberAsync(_company, _viewer, CompanyRole.Viewer);
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        await _splunk.DisposeAsync();
    }

    [Fact]
    public async Task ASplunkTarget_KeepsItsTokensEncrypted_AndReturnsOnlyWhetherTheyAreSet()
    {
        var id = await CreateSplunkAsync();

        var details = (await Service<TargetService>(_viewer, "Victor").GetAsync(id)).Value!;
        var settings = Assert.IsType<SplunkTargetSettings>(details.Settings);
        Assert.Equal((_splunk.ManagementUrl.ToString(), "search", SplunkTestServer.TestIndex), (settings.ManagementUrl, settings.App, settings.TestIndex));
        Assert.Equal("splunk-windows", details.Pipeline);
        Assert.Equal(
            [(SplunkTargetSettings.TokenField, true, "Alice"), (SplunkTargetSettings.HecTokenField, true, "Alice")],
            details.Secrets.Select(s => (s.Field, s.IsSet, s.ReplacedBy)));
        Assert.All(details.Secrets, s => Assert.Equal(_db.Clock.GetUtcNow().UtcDateTime, s.ReplacedAt));

        await using (var db = _db.NewContext())
        {
            var rows = await db.TargetSecrets.IgnoreQueryFilters().Where(s => s.TargetId == id).ToListAsync();
            Assert.Equal(2, rows.Count);
            Assert.All(rows, r => Assert.False(Contains(r.Ciphertext, SplunkTestServer.AdminToken) || Contains(r.Ciphertext, SplunkTestServer.HecToken)));
            var target = await db.SiemTargets.IgnoreQueryFilters().SingleAsync(t => t.Id == id);
            Assert.DoesNotContain(SplunkTestServer.AdminToken, target.Settings!, StringComparison.Ordinal);
        }

        AssertNoSecretAnywhere(JsonSerializer.Serialize(details), await AuditTextAsync(), _logs.All);
        await AssertDatabaseFileHasNoSecretAsync();
    }

    [Fact]
    public async Task ViewersAndUsers_ReadTargets_ButCannotCreateUpdateOrTestThem()
    {
        var id = await CreateSplunkAsync();

        foreach (var member in new[] { _user, _viewer })
        {
            var targets = Service<TargetService>(member);
            Assert.True((await targets.GetAsync(id)).Succeeded);
            Assert.Single((await targets.ListAsync()).Value!);
            Assert.IsType<NotPermitted>((await targets.CreateAsync(SplunkInput("Theirs", SplunkTestServer.AdminToken))).Error);
            Assert.IsType<NotPermitted>((await targets.UpdateAsync(id, SplunkInput("Renamed", NewToken))).Error);
            Assert.IsType<NotPermitted>((await targets.TestConnectionAsync(id)).Error);
            Assert.IsType<NotPermitted>((await targets.DeleteAsync(id)).Error);
        }

        Assert.Empty(_splunk.Requests);
        await using var db = _db.NewContext();
        Assert.Equal("Production Splunk", (await db.SiemTargets.IgnoreQueryFilters().SingleAsync()).Name);
        Assert.Equal(1, await db.AuditEntries.IgnoreQueryFilters().CountAsync(e => e.Action.StartsWith("target.")));
    }

    [Fact]
    public async Task AnotherCompanysAdmin_CannotReadChangeTestOrDeleteTheTarget()
    {
        var id = await CreateSplunkAsync();
        var mallory = await _db.AddUserAsync("mallory@globex.test", "Mallory");
        var globex = await _db.AddCompanyAsync("Globex", mallory);
        await using var scope = _db.As(mallory, globex, "Mallory");
        var theirs = scope.ServiceProvider.GetRequiredService<TargetService>();

        Assert.IsType<NotFound>((await theirs.GetAsync(id)).Error);
        Assert.IsType<NotFound>((await theirs.TestConnectionAsync(id)).Error);
        Assert.IsType<NotFound>((await theirs.UpdateAsync(id, SplunkInput("Production Splunk", NewToken))).Error);
        Assert.IsType<NotFound>((await theirs.DeleteAsync(id)).Error);
        Assert.Empty((await theirs.ListAsync()).Value!);
        Assert.Empty(_splunk.Requests);
        Assert.Equal(SplunkTestServer.AdminToken, (await ConnectionAsync(id)).Token);
    }

    [Fact]
    public async Task Updating_WithoutANewSecret_KeepsTheStoredOne_AndReplacingItIsAuditedByNameOnly()
    {
        var id = await CreateSplunkAsync();
        _db.Clock.Advance(TimeSpan.FromHours(2));

        var kept = SplunkInput("Production Splunk", token: null) with { Settings = Settings() with { App = "SplunkEnterpriseSecuritySuite" } };
        Assert.True((await Service<TargetService>(_owner, "Olivia").UpdateAsync(id, kept)).Succeeded);
        var connection = await ConnectionAsync(id);
        Assert.Equal((SplunkTestServer.AdminToken, SplunkTestServer.HecToken, "SplunkEnterpriseSecuritySuite"), (connection.Token, connection.HecToken, connection.App));
        Assert.All((await Service<TargetService>(_owner).GetAsync(id)).Value!.Secrets, s => Assert.Equal("Alice", s.ReplacedBy));

        var replaced = SplunkInput("Production Splunk", token: null) with { Secrets = new Dictionary<string, string> { [SplunkTargetSettings.TokenField] = NewToken } };
        Assert.True((await Service<TargetService>(_owner, "Olivia").UpdateAsync(id, replaced)).Succeeded);

        Assert.Equal((NewToken, SplunkTestServer.HecToken), ((await ConnectionAsync(id)).Token, (await ConnectionAsync(id)).HecToken));
        var secrets = (await Service<TargetService>(_viewer).GetAsync(id)).Value!.Secrets;
        Assert.Equal(("Olivia", _db.Clock.GetUtcNow().UtcDateTime), (secrets[0].ReplacedBy, secrets[0].ReplacedAt!.Value));
        Assert.Equal("Alice", secrets[1].ReplacedBy);

        await using var db = _db.NewContext();
        var updates = await db.AuditEntries.IgnoreQueryFilters().Where(e => e.Action == AuditActions.TargetUpdated).OrderBy(e => e.Sequence).ToListAsync();
        Assert.Equal(2, updates.Count);
        using var first = JsonDocument.Parse(updates[0].Details!);
        Assert.Equal("search", first.RootElement.GetProperty("before").GetProperty("settings").GetProperty("app").GetString());
        Assert.Equal("SplunkEnterpriseSecuritySuite", first.RootElement.GetProperty("after").GetProperty("settings").GetProperty("app").GetString());
        Assert.Equal(0, first.RootElement.GetProperty("replacedSecrets").GetArrayLength());
        using var second = JsonDocument.Parse(updates[1].Details!);
        Assert.Equal([SplunkTargetSettings.TokenField], second.RootElement.GetProperty("replacedSecrets").EnumerateArray().Select(e => e.GetString()));
        AssertNoSecretAnywhere(await AuditTextAsync(), _logs.All, NewToken);
        await AssertDatabaseFileHasNoSecretAsync(NewToken);
    }

    [Fact]
    public async Task ChangingWhereATokenGoes_RequiresItAgain_SoAStoredTokenIsNeverSentToANewHost()
    {
        var id = await CreateSplunkAsync();
        var targets = Service<TargetService>(_owner, "Olivia");
        var keep = SplunkInput("Production Splunk", token: null);

        var moved = await targets.UpdateAsync(id, keep with { Settings = Settings() with { ManagementUrl = "https://collector.attacker.test:8089" } });
        Assert.Equal("Token", Assert.IsType<Invalid>(moved.Error).Field);
        Assert.Contains("enter the management token again", moved.Error.Message, StringComparison.Ordinal);
        Assert.Equal("Token", Assert.IsType<Invalid>((await targets.UpdateAsync(id, keep with { Settings = Settings() with { TrustedCaPem = null } })).Error).Field);
        Assert.Equal("Token", Assert.IsType<Invalid>((await targets.UpdateAsync(id, keep with { Settings = Settings() with { PinnedCertificateSha256 = SplunkTestServer.CertificateSha256 } })).Error).Field);
        Assert.Equal("HecToken", Assert.IsType<Invalid>((await targets.UpdateAsync(id, keep with { Settings = Settings() with { HecUrl = "https://hec.attacker.test:8088" } })).Error).Field);
        Assert.Equal(_splunk.ManagementUrl, (await ConnectionAsync(id)).ManagementUrl);

        // The same origin (another path, other letter case) is the same server; a new host with the token entered again is fine.
        Assert.True((await targets.UpdateAsync(id, keep with { Settings = Settings() with { ManagementUrl = _splunk.ManagementUrl.ToString().ToUpperInvariant() + "services" } })).Succeeded);
        var retyped = keep with
        {
            Settings = Settings() with { ManagementUrl = "https://splunk2.acme.test:8089" },
            Secrets = new Dictionary<string, string> { [SplunkTargetSettings.TokenField] = NewToken },
        };
        Assert.True((await targets.UpdateAsync(id, retyped)).Succeeded);
        Assert.Equal((new Uri("https://splunk2.acme.test:8089"), NewToken), ((await ConnectionAsync(id)).ManagementUrl, (await ConnectionAsync(id)).Token));
    }

    [Fact]
    public async Task Validation_SaysWhatToFixAndWhere()
    {
        var targets = Service<TargetService>(_admin);

        Task<Invalid> RefusedAsync(TargetInput input) => targets.CreateAsync(input).ContinueWith(t => Assert.IsType<Invalid>(t.Result.Error));

        Assert.Equal("ManagementUrl", (await RefusedAsync(SplunkInput("A", SplunkTestServer.AdminToken) with { Settings = Settings() with { ManagementUrl = "splunk:8089" } })).Field);
        var http = await RefusedAsync(SplunkInput("A", SplunkTestServer.AdminToken) with { Settings = Settings() with { ManagementUrl = "http://splunk.example.com:8089" } });
        Assert.Equal("ManagementUrl", http.Field);
        Assert.Contains("unencrypted", http.Message, StringComparison.Ordinal);
        Assert.Equal("Token", (await RefusedAsync(SplunkInput("A", token: null))).Field);
        Assert.Equal("Token", (await RefusedAsync(SplunkInput("A", "short"))).Field);
        Assert.Equal("HecToken", (await RefusedAsync(SplunkInput("A", SplunkTestServer.AdminToken) with
        {
            Secrets = new Dictionary<string, string> { [SplunkTargetSettings.TokenField] = SplunkTestServer.AdminToken },
        })).Field);
        Assert.Equal("App", (await RefusedAsync(SplunkInput("A", SplunkTestServer.AdminToken) with { Settings = Settings() with { App = "../etc" } })).Field);
        Assert.Equal("TrustedCaPem", (await RefusedAsync(SplunkInput("A", SplunkTestServer.AdminToken) with { Settings = Settings() with { TrustedCaPem = "not a certificate" } })).Field);
        Assert.Equal("Pipeline", (await RefusedAsync(SplunkInput("A", SplunkTestServer.AdminToken) with { Pipeline = "/etc/passwd" })).Field);
        Assert.Equal("Pipeline", (await RefusedAsync(SplunkInput("A", SplunkTestServer.AdminToken) with { PipelineYaml = "name: x\ntransformations: []\n" })).Field);
        var yaml = await RefusedAsync(SplunkInput("A", SplunkTestServer.AdminToken) with { Pipeline = null, PipelineYaml = "name: mine\ntransformations:\n  - type: [unclosed\n" });
        Assert.Equal("PipelineYaml", yaml.Field);
        Assert.Matches(@"cannot be saved: \d+:\d+: ", yaml.Message);
        Assert.Equal("Password", (await RefusedAsync(SplunkInput("A", SplunkTestServer.AdminToken) with
        {
            Secrets = new Dictionary<string, string> { [SplunkTargetSettings.TokenField] = SplunkTestServer.AdminToken, ["Password"] = "hunter2hunter2hunter2" },
        })).Field);
        Assert.Equal("Settings", (await RefusedAsync(new TargetInput("A", TargetKind.Splunk))).Field);
        Assert.Equal("Settings", (await RefusedAsync(new TargetInput("A", TargetKind.Sandbox) { Settings = Settings() })).Field);
        Assert.Equal("Settings", (await RefusedAsync(new TargetInput("A", TargetKind.Sentinel))).Field);

        var pasted = SplunkInput("Pasted", SplunkTestServer.AdminToken) with { Pipeline = null, PipelineYaml = "name: mine\ntransformations:\n  - type: field_name_mapping\n    mapping:\n      Image: process_path\n" };
        var id = (await targets.CreateAsync(pasted)).Value;
        Assert.Equal(pasted.PipelineYaml, (await targets.GetAsync(id)).Value!.PipelineYaml);
        Assert.Equal("Kind", Assert.IsType<Invalid>((await targets.UpdateAsync(id, new TargetInput("Pasted", TargetKind.Sandbox))).Error).Field);
        await using var db = _db.NewContext();
        Assert.Equal(id, (await db.SiemTargets.IgnoreQueryFilters().SingleAsync()).Id);
        Assert.Equal([id, id], await db.TargetSecrets.IgnoreQueryFilters().Select(s => s.TargetId).ToListAsync());
    }

    [Fact]
    public async Task DeletingATarget_DeletesItsSecrets()
    {
        var id = await CreateSplunkAsync();
        var other = (await Service<TargetService>(_admin).CreateAsync(SplunkInput("Staging Splunk", SplunkTestServer.AdminToken))).Value;

        Assert.True((await Service<TargetService>(_admin).DeleteAsync(id)).Succeeded);

        await using var db = _db.NewContext();
        Assert.Equal([other, other], await db.TargetSecrets.IgnoreQueryFilters().Select(s => s.TargetId).ToListAsync());
        var audit = await db.AuditEntries.IgnoreQueryFilters().SingleAsync(e => e.Action == AuditActions.TargetDeleted);
        Assert.Contains("\"deletedSecrets\":[\"HecToken\",\"Token\"]", audit.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnApprovedRule_DeploysToSplunkThroughTheWorkRunner_AsExactlyOneSavedSearch_AndIsRemovedAgain()
    {
        var target = await CreateSplunkAsync();
        var reviewer = await _db.AddUserAsync("rita@acme.test", "Rita");
        await _db.AddMemberAsync(_company, reviewer, CompanyRole.User);
        var rule = (await Service<RuleService>(_owner).CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;
        await _db.PassTestsAsync(_owner, _company, rule);
        var request = await Service<ApprovalService>(_owner).SubmitAsync(rule);
        Assert.Equal(ApprovalStatus.Approved, (await Service<ApprovalService>(reviewer).DecideAsync(request.Value, ReviewDecisionKind.Approve, null)).Value);

        await RunAsync((await Service<DeploymentService>(_owner).DeployAsync(rule, target)).Value);

        var search = Assert.Single(_splunk.SavedSearches);
        Assert.Equal(($"CraftedSignal-{rule}", "search"), (search.Name, search.App));
        var deployment = Assert.Single((await Service<DeploymentService>(_owner).ListForRuleAsync(rule)).Value!);
        Assert.Equal((DeploymentStatus.Succeeded, true), (deployment.Status, deployment.Live));
        await using (var db = _db.NewContext())
            Assert.Equal(search.Fields["search"], (await db.Deployments.IgnoreQueryFilters().SingleAsync()).CompiledQuery);
        Assert.All(_splunk.Requests, r => Assert.Equal($"Bearer {SplunkTestServer.AdminToken}", r.Authorization));

        await RunAsync((await Service<DeploymentService>(_owner).RemoveAsync(rule, target)).Value);

        Assert.Empty(_splunk.SavedSearches);
        Assert.Equal(0, (await Service<TargetService>(_owner).ListAsync()).Value!.Single().DeployedRules);
        Assert.Contains($"Rule {rule} deployed to Splunk", _logs.All, StringComparison.Ordinal); // the logs are captured, so their check below can fail
        AssertNoSecretAnywhere(await AuditTextAsync(), _logs.All);
    }

    [Fact]
    public async Task TestConnection_ReportsEachStep_AndIsAuditedWithoutSecrets()
    {
        var id = await CreateSplunkAsync();

        var passed = (await Service<TargetService>(_admin).TestConnectionAsync(id)).Value!;
        Assert.True(passed.Succeeded, string.Join("; ", passed.Checks.Select(c => c.Detail)));
        Assert.Equal(["settings", "splunk", "token", "capabilities", "app", "hec", "hec token"], passed.Checks.Select(c => c.Name));

        Assert.True((await Service<TargetService>(_admin).UpdateAsync(id, SplunkInput("Production Splunk", SplunkTestServer.ReaderToken))).Succeeded);
        var failed = (await Service<TargetService>(_admin).TestConnectionAsync(id)).Value!;
        Assert.False(failed.Succeeded);
        var capabilities = Assert.Single(failed.Checks, c => !c.Passed);
        Assert.Equal("capabilities", capabilities.Name);
        Assert.Contains("schedule_search", capabilities.Detail, StringComparison.Ordinal);

        await using var db = _db.NewContext();
        var audits = await db.AuditEntries.IgnoreQueryFilters().Where(e => e.Action == AuditActions.TargetConnectionTested).OrderBy(e => e.Sequence).ToListAsync();
        Assert.Equal(2, audits.Count);
        Assert.Contains("\"passed\":true", audits[0].Details, StringComparison.Ordinal);
        Assert.Contains("\"passed\":false", audits[1].Details, StringComparison.Ordinal);
        Assert.Contains("schedule_search", audits[1].Details, StringComparison.Ordinal);
        AssertNoSecretAnywhere(JsonSerializer.Serialize(passed), JsonSerializer.Serialize(failed), await AuditTextAsync(), _logs.All, SplunkTestServer.ReaderToken);
    }

    [Fact]
    public async Task TestConnection_OfAnUntrustedCertificate_FailsAtTheSplunkStep()
    {
        var id = (await Service<TargetService>(_admin).CreateAsync(SplunkInput("No CA", SplunkTestServer.AdminToken) with
        {
            Settings = Settings() with { TrustedCaPem = null },
        })).Value;

        var report = (await Service<TargetService>(_admin).TestConnectionAsync(id)).Value!;

        Assert.Equal([("settings", true), ("splunk", false)], report.Checks.Take(2).Select(c => (c.Name, c.Passed)));
        Assert.Contains("TLS", report.Checks[1].Detail, StringComparison.Ordinal);
    }

    private SplunkTargetSettings Settings() => new()
    {
        ManagementUrl = _splunk.ManagementUrl.ToString(),
        App = "search",
        Owner = "nobody",
        HecUrl = _splunk.HecUrl.ToString(),
        TestIndex = SplunkTestServer.TestIndex,
        TrustedCaPem = SplunkTestServer.CaPem,
    };

    private TargetInput SplunkInput(string name, string? token) => new(name, TargetKind.Splunk)
    {
        Settings = Settings(),
        Pipeline = "splunk-windows",
        Secrets = token is null ? new Dictionary<string, string>() : new Dictionary<string, string>
        {
            [SplunkTargetSettings.TokenField] = token,
            [SplunkTargetSettings.HecTokenField] = SplunkTestServer.HecToken,
        },
    };

    private async Task<Guid> CreateSplunkAsync()
    {
        var created = await Service<TargetService>(_admin, "Alice").CreateAsync(SplunkInput("Production Splunk", SplunkTestServer.AdminToken));
        Assert.True(created.Succeeded, created.Error?.Message);
        return created.Value;
    }

    private async Task<SplunkConnection> ConnectionAsync(Guid targetId)
    {
        await using var scope = _db.As(null, _company, "background work");
        await using var db = _db.NewContext(scope.ServiceProvider.GetRequiredService<CurrentTenant>());
        var target = await db.SiemTargets.SingleAsync(t => t.Id == targetId);
        var connection = await scope.ServiceProvider.GetRequiredService<ITargetConnectionSource<SplunkConnection>>().GetAsync(target, CancellationToken.None);
        Assert.True(connection.Succeeded, connection.Error?.Message);
        return connection.Value;
    }

    private async Task RunAsync(Guid id)
    {
        await _db.RunWorkAsync(id);
        await using var db = _db.NewContext();
        var item = await db.WorkItems.IgnoreQueryFilters().SingleAsync(w => w.Id == id);
        Assert.True(item.Status == WorkStatus.Succeeded, item.Error);
    }

    private async Task<string> AuditTextAsync()
    {
        await using var db = _db.NewContext();
        var entries = await db.AuditEntries.IgnoreQueryFilters().ToListAsync();
        Assert.NotEmpty(entries);
        return string.Join('\n', entries.Select(e => $"{e.Action} {e.ActorName} {e.TargetId} {e.Details}"));
    }

    private static void AssertNoSecretAnywhere(params string[] texts)
    {
        var secrets = new[] { SplunkTestServer.AdminToken, SplunkTestServer.HecToken, NewToken, SplunkTestServer.ReaderToken };
        foreach (var text in texts.Where(t => !secrets.Contains(t)))
        {
            foreach (var secret in secrets)
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    /// <summary>Moves the write-ahead log into the file, then searches the file's bytes for every token.</summary>
    private async Task AssertDatabaseFileHasNoSecretAsync(params string[] more)
    {
        var bytes = await _db.FileBytesAsync();
        Assert.True(bytes.Length > 4096);
        Assert.True(Contains(bytes, "Production Splunk"), "the check reads the file the target is in");
        foreach (var secret in new[] { SplunkTestServer.AdminToken, SplunkTestServer.HecToken }.Concat(more))
            Assert.False(Contains(bytes, secret), "the database file holds a token in plaintext");
    }

    private static bool Contains(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0;

    private T Service<T>(string userId, string? name = null)
        where T : notnull => _db.As(userId, _company, name).ServiceProvider.GetRequiredService<T>();
}
