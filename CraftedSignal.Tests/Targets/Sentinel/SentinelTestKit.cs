using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Sentinel;

namespace CraftedSignal.Tests.Targets.Sentinel;

/// <summary>Connections, rules and connectors for the Sentinel tests.</summary>
internal static class SentinelTestKit
{
    public static readonly Guid RuleId = Guid.Parse("0d3c1c9e-8f8e-4a39-9c52-1f6f2b7d0a11");

    public const string Rule = TargetTestRules.Whoami;

    public static string RuleWith(string image, string level = "high", string status = "test") => TargetTestRules.WhoamiWith(image, level, status);

    public static SentinelConnection Connection(SentinelTestServer server, string clientId = SentinelTestServer.ContributorClientId, string secret = SentinelTestServer.ContributorSecret) => new()
    {
        TenantId = SentinelTestServer.TenantId,
        ClientId = clientId,
        ClientSecret = secret,
        SubscriptionId = SentinelTestServer.SubscriptionId,
        ResourceGroup = SentinelTestServer.ResourceGroup,
        WorkspaceName = SentinelTestServer.Workspace,
        AuthorityUrl = server.AuthorityUrl,
        ResourceManagerUrl = server.ArmUrl,
        AllowCustomEndpoints = true,
        Transport = new() { TrustedCaPem = SentinelTestServer.CaPem, ConnectTimeout = TimeSpan.FromSeconds(3), RequestTimeout = TimeSpan.FromSeconds(5), MaxRetryDelay = TimeSpan.FromSeconds(5) },
    };

    public static SentinelConnector Connector(CapturingLogger<SentinelConnector> logger, SentinelConnection? connection = null) =>
        new(new FixedConnections(connection), logger, TimeProvider.System);

    /// <summary>The bound every failure must come back within (the configured timeouts are 3 and 5 s).</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private sealed class FixedConnections(SentinelConnection? connection) : ITargetConnectionSource<SentinelConnection>
    {
        public Task<Result<SentinelConnection>> GetAsync(SiemTarget target, CancellationToken cancellationToken) =>
            Task.FromResult(connection is null ? (Result<SentinelConnection>)new NotFound("The target's Sentinel settings") : connection);
    }
}

/// <summary>A fresh loopback Entra ID + ARM per test, and a connector (with its own token cache) pointed at it.</summary>
public abstract class SentinelTestBase : IAsyncLifetime
{
    protected CapturingLogger<SentinelConnector> Log { get; } = new();

    protected SentinelTestServer Server { get; private set; } = default!;

    protected SentinelConnector Sentinel { get; private set; } = default!;

    /// <summary>The connection to <see cref="Server"/> as the Contributor app.</summary>
    protected SentinelConnection Settings { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        Server = await SentinelTestServer.StartAsync();
        Settings = SentinelTestKit.Connection(Server);
        Sentinel = SentinelTestKit.Connector(Log, Settings);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
