using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Splunk;

namespace CraftedSignal.Tests.Targets.Splunk;

/// <summary>Connections, rules and a capturing logger for the Splunk tests.</summary>
internal static class SplunkTestKit
{
    public const string Rule = TargetTestRules.Whoami;

    public static string RuleWith(string image, string level = "high", string status = "test") => TargetTestRules.WhoamiWith(image, level, status);

    public static SplunkConnection Connection(SplunkTestServer server, string token = SplunkTestServer.AdminToken) => new()
    {
        ManagementUrl = server.ManagementUrl,
        Token = token,
        App = "search",
        Owner = "nobody",
        HecUrl = server.HecUrl,
        HecToken = SplunkTestServer.HecToken,
        TestIndex = SplunkTestServer.TestIndex,
        SearchTimeout = TimeSpan.FromSeconds(20),
        Transport = new() { TrustedCaPem = SplunkTestServer.CaPem, ConnectTimeout = TimeSpan.FromSeconds(3), RequestTimeout = TimeSpan.FromSeconds(5), MaxRetryDelay = TimeSpan.FromSeconds(5) },
    };

    public static SplunkConnector Connector(CapturingLogger<SplunkConnector> logger, SplunkConnection? connection = null) =>
        new(new FixedConnections(connection), logger, TimeProvider.System);

    /// <summary>A port nothing listens on (bound once, then released).</summary>
    public static int FreePort() => LoopbackHttps.FreePort();

    private sealed class FixedConnections(SplunkConnection? connection) : ITargetConnectionSource<SplunkConnection>
    {
        public Task<Result<SplunkConnection>> GetAsync(SiemTarget target, CancellationToken cancellationToken) =>
            Task.FromResult(connection is null ? (Result<SplunkConnection>)new NotFound("The target's Splunk settings") : connection);
    }
}
