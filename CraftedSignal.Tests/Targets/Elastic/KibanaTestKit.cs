using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Elastic;

namespace CraftedSignal.Tests.Targets.Elastic;

/// <summary>Connections, rules and connectors for the Elastic tests.</summary>
internal static class KibanaTestKit
{
    public static readonly Guid RuleId = Guid.Parse("0d3c1c9e-8f8e-4a39-9c52-1f6f2b7d0a11");

    public const string Rule = TargetTestRules.Whoami;

    /// <summary>The bound every failure must come back within (the configured timeouts are 3 and 5 s).</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    public static string RuleWith(string image, string level = "high", string status = "test") => TargetTestRules.WhoamiWith(image, level, status);

    public static ElasticConnection Connection(KibanaTestServer server, string? key = null, string space = ElasticConnection.DefaultSpace, ElasticRuleType type = ElasticRuleType.Query) => new()
    {
        KibanaUrl = server.Url,
        ApiKey = key ?? KibanaTestServer.ManagerKey,
        Space = space,
        RuleType = type,
        Transport = new() { TrustedCaPem = KibanaTestServer.CaPem, ConnectTimeout = TimeSpan.FromSeconds(3), RequestTimeout = TimeSpan.FromSeconds(5), MaxRetryDelay = TimeSpan.FromSeconds(5) },
    };

    public static ElasticConnector Connector(CapturingLogger<ElasticConnector> logger, ElasticConnection? connection = null) =>
        new(new FixedConnections(connection), logger, TimeProvider.System);

    private sealed class FixedConnections(ElasticConnection? connection) : ITargetConnectionSource<ElasticConnection>
    {
        public Task<Result<ElasticConnection>> GetAsync(SiemTarget target, CancellationToken cancellationToken) =>
            Task.FromResult(connection is null ? (Result<ElasticConnection>)new NotFound("The target's Elastic settings") : connection);
    }
}

/// <summary>A fresh loopback Kibana per test, and a connector pointed at it with the manager key.</summary>
public abstract class KibanaTestBase : IAsyncLifetime
{
    protected CapturingLogger<ElasticConnector> Log { get; } = new();

    protected KibanaTestServer Server { get; private set; } = default!;

    protected ElasticConnector Elastic { get; private set; } = default!;

    protected ElasticConnection Settings { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        Server = await KibanaTestServer.StartAsync();
        Settings = KibanaTestKit.Connection(Server);
        Elastic = KibanaTestKit.Connector(Log, Settings);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
