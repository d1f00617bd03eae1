using System.Text;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Elastic;
using CraftedSignal.Domain.Targets.Sentinel;
using CraftedSignal.Domain.Targets.Settings;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Tests.Targets.Elastic;
using CraftedSignal.Tests.Targets.Sentinel;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Targets;

/// <summary>Stored Sentinel and Elastic target settings and secrets, through <see cref="TargetService"/> and the loopback Entra ID/ARM and Kibana.</summary>
public sealed class CloudTargetSettingsTests : IAsyncLifetime
{
    private const string NewSecret = "Nw3~Rotated.clientSECRET.0123456789abcdef_-";
    private const string MappingPipeline = "name: acme fields\ntransformations:\n  - type: field_name_mapping\n    mapping:\n      Image: acme.process_path\n";

    private TestDatabase _db = default!;
    private SentinelTestServer _sentinel = default!;
    private KibanaTestServer _kibana = default!;
    private Guid _company;
    private string _admin = "";
    private string _viewer = "";

    public async Task InitializeAsync()
    {
        _sentinel = await SentinelTestServer.StartAsync();
        _kibana = await KibanaTestServer.StartAsync();
        _db = await TestDatabase.CreateAsync();
        var owner = await _db.AddUserAsync("olivia@acme.test", "Olivia");
        _admin = await _db.AddUserAsync("alice@acme.test", "Alice");
        _viewer = await _db.AddUserAsync("victor@acme.test", "Victor");
        _company = await _db.AddCompanyAsync("Acme", owner);
        await _db.AddMemberAsync(_company, _admin, CompanyRole.Admin);
        await _db.AddMemberAsync(_company, _viewer, CompanyRole.Viewer);
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        await _sentinel.DisposeAsync();
        await _kibana.DisposeAsync();
    }

    [Fact]
    public async Task ASentinelTarget_IsCreatedAndTested_AgainstEntraIdAndArm_WithItsSecretOnlyEncrypted()
    {
        var targets = Service<TargetService>(_admin, "Alice");
        var id = await CreateAsync(SentinelInput("Production Sentinel", SentinelTestServer.ContributorSecret));

        var details = (await Service<TargetService>(_viewer).GetAsync(id)).Value!;
        var settings = Assert.IsType<SentinelTargetSettings>(details.Settings);
        Assert.Equal((SentinelTestServer.TenantId, SentinelTestServer.Workspace), (settings.TenantId, settings.WorkspaceName));
        Assert.Equal([(SentinelTargetSettings.ClientSecretField, true, "Alice")], details.Secrets.Select(s => (s.Field, s.IsSet, s.ReplacedBy)));

        var report = (await targets.TestConnectionAsync(id)).Value!;
        Assert.True(report.Succeeded, string.Join("; ", report.Checks.Select(c => $"{c.Name}: {c.Detail}")));
        Assert.Equal("settings", report.Checks[0].Name);
        Assert.Contains(_sentinel.Requests, r => r.Host == SentinelHost.Authority);

        var connection = await ConnectionAsync<SentinelConnection>(id);
        Assert.Equal((SentinelTestServer.ContributorSecret, SentinelTestServer.ResourceGroup), (connection.ClientSecret, connection.ResourceGroup));
        Assert.Same(TargetPipelines.Builtin("sentinel-windows"), Assert.Single(connection.Pipelines));
        await AssertNoSecretStoredAsync("Production Sentinel", SentinelTestServer.ContributorSecret);
    }

    [Fact]
    public async Task AnElasticTarget_IsCreatedUpdatedAndTested_AgainstKibana_WithItsKeyOnlyEncrypted()
    {
        var targets = Service<TargetService>(_admin, "Alice");
        var id = await CreateAsync(ElasticInput("Production Elastic", KibanaTestServer.ManagerKey));

        var report = (await targets.TestConnectionAsync(id)).Value!;
        Assert.True(report.Succeeded, string.Join("; ", report.Checks.Select(c => $"{c.Name}: {c.Detail}")));
        Assert.All(_kibana.Requests, r => Assert.Equal($"ApiKey {KibanaTestServer.ManagerKey}", r.Headers["authorization"]));

        // Without the key: the stored one is kept and reaches Kibana in the new space.
        var moved = ElasticInput("Production Elastic", key: null) with { Settings = ElasticSettings() with { Space = "soc", RuleType = ElasticRuleType.Eql } };
        Assert.True((await targets.UpdateAsync(id, moved)).Succeeded);
        var connection = await ConnectionAsync<ElasticConnection>(id);
        Assert.Equal((KibanaTestServer.ManagerKey, "soc", ElasticRuleType.Eql), (connection.ApiKey, connection.Space, connection.RuleType));
        Assert.True((await targets.TestConnectionAsync(id)).Value!.Succeeded);
        await AssertNoSecretStoredAsync("Production Elastic", KibanaTestServer.ManagerKey);
    }

    [Fact]
    public async Task Validation_NamesTheField()
    {
        Assert.Equal("TenantId", await RefusedAsync(SentinelInput("S", SentinelTestServer.ContributorSecret) with { Settings = SentinelSettings() with { TenantId = "not a tenant" } }));
        Assert.Equal("ClientId", await RefusedAsync(SentinelInput("S", SentinelTestServer.ContributorSecret) with { Settings = SentinelSettings() with { ClientId = "my-app" } }));
        Assert.Equal("WorkspaceName", await RefusedAsync(SentinelInput("S", SentinelTestServer.ContributorSecret) with { Settings = SentinelSettings() with { WorkspaceName = "../law" } }));
        Assert.Equal("AuthorityUrl", await RefusedAsync(SentinelInput("S", SentinelTestServer.ContributorSecret) with { Settings = SentinelSettings() with { AuthorityUrl = "login" } }));
        Assert.Equal("AuthorityUrl", await RefusedAsync(SentinelInput("S", SentinelTestServer.ContributorSecret) with { Settings = SentinelSettings() with { AllowCustomEndpoints = false } }));
        Assert.Equal("AllowUnencryptedHttp", await RefusedAsync(SentinelInput("S", SentinelTestServer.ContributorSecret) with { Settings = SentinelSettings() with { AllowUnencryptedHttp = true } }));
        Assert.Equal("ClientSecret", await RefusedAsync(SentinelInput("S", secret: null)));
        Assert.Equal("ClientSecret", await RefusedAsync(SentinelInput("S", "short")));
        Assert.Equal("KibanaUrl", await RefusedAsync(ElasticInput("E", KibanaTestServer.ManagerKey) with { Settings = ElasticSettings() with { KibanaUrl = "kibana:5601" } }));
        Assert.Equal("KibanaUrl", await RefusedAsync(ElasticInput("E", KibanaTestServer.ManagerKey) with { Settings = ElasticSettings() with { KibanaUrl = "http://kibana.example.com:5601" } }));
        Assert.Equal("Space", await RefusedAsync(ElasticInput("E", KibanaTestServer.ManagerKey) with { Settings = ElasticSettings() with { Space = "SOC Team" } }));
        Assert.Equal("IndexPatterns", await RefusedAsync(ElasticInput("E", KibanaTestServer.ManagerKey) with { Settings = ElasticSettings() with { IndexPatterns = [] } }));
        Assert.Equal("ApiKey", await RefusedAsync(ElasticInput("E", "ApiKey not-base64-at-all!")));
        Assert.Equal("ApiKey", await RefusedAsync(ElasticInput("E", key: null)));
        Assert.Equal("PipelineYaml", await RefusedAsync(ElasticInput("E", KibanaTestServer.ManagerKey) with { Pipeline = null, PipelineYaml = "name: x\ntransformations:\n  - type: [unclosed\n" }));
    }

    [Fact]
    public async Task ChangingWhereASecretGoes_RequiresItAgain()
    {
        var targets = Service<TargetService>(_admin);
        var sentinel = await CreateAsync(SentinelInput("Sentinel", SentinelTestServer.ContributorSecret));
        var elastic = await CreateAsync(ElasticInput("Elastic", KibanaTestServer.ManagerKey));

        Invalid? Refused(Result result) => result.Error as Invalid;
        Assert.Equal("ClientSecret", Refused(await targets.UpdateAsync(sentinel, SentinelInput("Sentinel", null) with { Settings = SentinelSettings() with { AuthorityUrl = "https://login.attacker.test/" } }))?.Field);
        Assert.Equal("ClientSecret", Refused(await targets.UpdateAsync(sentinel, SentinelInput("Sentinel", null) with { Settings = SentinelSettings() with { ResourceManagerUrl = "https://arm.attacker.test/" } }))?.Field);
        Assert.Equal("ClientSecret", Refused(await targets.UpdateAsync(sentinel, SentinelInput("Sentinel", null) with { Settings = SentinelSettings() with { TrustedCaPem = null, PinnedCertificateSha256 = KibanaTestServer.CertificateSha256 } }))?.Field);
        Assert.Equal("ApiKey", Refused(await targets.UpdateAsync(elastic, ElasticInput("Elastic", null) with { Settings = ElasticSettings() with { KibanaUrl = "https://kibana.attacker.test:5601" } }))?.Field);
        Assert.Equal("ApiKey", Refused(await targets.UpdateAsync(elastic, ElasticInput("Elastic", null) with { Settings = ElasticSettings() with { TrustedCaPem = null } }))?.Field);
        Assert.Equal(_kibana.Url, (await ConnectionAsync<ElasticConnection>(elastic)).KibanaUrl);

        // Entered again, the secret may go to the new place.
        Assert.True((await targets.UpdateAsync(sentinel, SentinelInput("Sentinel", NewSecret) with { Settings = SentinelSettings() with { ResourceManagerUrl = "https://arm.acme.test/" } })).Succeeded);
        Assert.Equal((NewSecret, new Uri("https://arm.acme.test/")), ((await ConnectionAsync<SentinelConnection>(sentinel)).ClientSecret, (await ConnectionAsync<SentinelConnection>(sentinel)).ResourceManagerUrl));
        await AssertNoSecretStoredAsync("Sentinel", NewSecret);
    }

    [Fact]
    public async Task AViewer_IsRefused_AndAnotherCompanysAdmin_SeesNotFound()
    {
        var sentinel = await CreateAsync(SentinelInput("Sentinel", SentinelTestServer.ContributorSecret));
        var elastic = await CreateAsync(ElasticInput("Elastic", KibanaTestServer.ManagerKey));
        var viewer = Service<TargetService>(_viewer);
        Assert.IsType<NotPermitted>((await viewer.CreateAsync(ElasticInput("Mine", KibanaTestServer.ManagerKey))).Error);
        Assert.IsType<NotPermitted>((await viewer.UpdateAsync(sentinel, SentinelInput("Sentinel", NewSecret))).Error);
        Assert.IsType<NotPermitted>((await viewer.TestConnectionAsync(elastic)).Error);

        var mallory = await _db.AddUserAsync("mallory@globex.test", "Mallory");
        var globex = await _db.AddCompanyAsync("Globex", mallory);
        await using var scope = _db.As(mallory, globex, "Mallory");
        var theirs = scope.ServiceProvider.GetRequiredService<TargetService>();
        foreach (var id in new[] { sentinel, elastic })
        {
            Assert.IsType<NotFound>((await theirs.GetAsync(id)).Error);
            Assert.IsType<NotFound>((await theirs.TestConnectionAsync(id)).Error);
            Assert.IsType<NotFound>((await theirs.DeleteAsync(id)).Error);
        }

        Assert.IsType<NotFound>((await theirs.UpdateAsync(sentinel, SentinelInput("Sentinel", NewSecret))).Error);
        Assert.Empty(_sentinel.Requests);
        Assert.Empty(_kibana.Requests);
        Assert.Equal(SentinelTestServer.ContributorSecret, (await ConnectionAsync<SentinelConnection>(sentinel)).ClientSecret);
    }

    [Fact]
    public async Task APastedPipeline_IsWhatTheDeployedQueryIsConvertedWith()
    {
        var builtin = await CreateAsync(ElasticInput("Built-in", KibanaTestServer.ManagerKey));
        var pasted = await CreateAsync(ElasticInput("Pasted", KibanaTestServer.ManagerKey) with { Pipeline = null, PipelineYaml = MappingPipeline });
        var ruleId = Guid.NewGuid();

        var withBuiltin = await DeployAsync(builtin, ruleId);
        var withPasted = await DeployAsync(pasted, ruleId);

        Assert.Contains("process.executable", withBuiltin, StringComparison.Ordinal);
        Assert.Contains("acme.process_path", withPasted, StringComparison.Ordinal);
        Assert.DoesNotContain("acme.process_path", withBuiltin, StringComparison.Ordinal);
        var stored = Assert.Single(_kibana.Rules);
        Assert.Equal(withPasted, stored.Body["query"]!.GetValue<string>());
    }

    private async Task<string> DeployAsync(Guid targetId, Guid ruleId)
    {
        await using var scope = _db.As(null, _company, "background work");
        await using var db = _db.NewContext(scope.ServiceProvider.GetRequiredService<CurrentTenant>());
        var target = await db.SiemTargets.SingleAsync(t => t.Id == targetId);
        var connector = scope.ServiceProvider.GetServices<ITargetConnector>().Single(c => c.Kind == TargetKind.Elastic);
        var deployed = await connector.DeployAsync(target, ruleId, TargetTestRules.Whoami, Guid.NewGuid(), CancellationToken.None);
        Assert.True(deployed.Succeeded, deployed.Error?.Message);
        return deployed.Value!;
    }

    private SentinelTargetSettings SentinelSettings() => new()
    {
        TenantId = SentinelTestServer.TenantId,
        ClientId = SentinelTestServer.ContributorClientId,
        SubscriptionId = SentinelTestServer.SubscriptionId,
        ResourceGroup = SentinelTestServer.ResourceGroup,
        WorkspaceName = SentinelTestServer.Workspace,
        AuthorityUrl = _sentinel.AuthorityUrl.ToString(),
        ResourceManagerUrl = _sentinel.ArmUrl.ToString(),
        AllowCustomEndpoints = true,
        TrustedCaPem = SentinelTestServer.CaPem,
    };

    private TargetInput SentinelInput(string name, string? secret) => new(name, TargetKind.Sentinel)
    {
        Settings = SentinelSettings(),
        Secrets = secret is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [SentinelTargetSettings.ClientSecretField] = secret },
    };

    private ElasticTargetSettings ElasticSettings() => new() { KibanaUrl = _kibana.Url.ToString(), TrustedCaPem = KibanaTestServer.CaPem };

    private TargetInput ElasticInput(string name, string? key) => new(name, TargetKind.Elastic)
    {
        Settings = ElasticSettings(),
        Pipeline = "ecs-windows",
        Secrets = key is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [ElasticTargetSettings.ApiKeyField] = key },
    };

    private async Task<Guid> CreateAsync(TargetInput input)
    {
        var created = await Service<TargetService>(_admin, "Alice").CreateAsync(input);
        Assert.True(created.Succeeded, created.Error?.Message);
        return created.Value;
    }

    private async Task<string?> RefusedAsync(TargetInput input)
    {
        var created = await Service<TargetService>(_admin).CreateAsync(input);
        return Assert.IsType<Invalid>(created.Error).Field;
    }

    private async Task<TConnection> ConnectionAsync<TConnection>(Guid targetId)
    {
        await using var scope = _db.As(null, _company, "background work");
        await using var db = _db.NewContext(scope.ServiceProvider.GetRequiredService<CurrentTenant>());
        var target = await db.SiemTargets.SingleAsync(t => t.Id == targetId);
        var connection = await scope.ServiceProvider.GetRequiredService<ITargetConnectionSource<TConnection>>().GetAsync(target, CancellationToken.None);
        Assert.True(connection.Succeeded, connection.Error?.Message);
        return connection.Value;
    }

    /// <summary>The secret is in neither the database file's bytes (write-ahead log moved in first) nor the audit trail.</summary>
    private async Task AssertNoSecretStoredAsync(string targetName, string secret)
    {
        await using (var db = _db.NewContext())
        {
            var audit = string.Join('\n', await db.AuditEntries.IgnoreQueryFilters().Select(e => e.Details).ToListAsync());
            Assert.Contains(targetName, audit, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, audit, StringComparison.Ordinal);
        }

        var bytes = await _db.FileBytesAsync();
        Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(targetName)) >= 0, "the check reads the file the target is in");
        Assert.False(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) >= 0, "the database file holds the secret in plaintext");
    }

    private T Service<T>(string userId, string? name = null)
        where T : notnull => _db.As(userId, _company, name).ServiceProvider.GetRequiredService<T>();
}
