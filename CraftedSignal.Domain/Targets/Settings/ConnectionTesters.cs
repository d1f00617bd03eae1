using CraftedSignal.Domain.Targets.Elastic;
using CraftedSignal.Domain.Targets.Sentinel;
using CraftedSignal.Domain.Targets.Splunk;

namespace CraftedSignal.Domain.Targets.Settings;

/// <summary>"Test connection" for one kind: the target's stored settings (secrets decrypted for this call) through its connector's test.</summary>
public abstract class StoredConnectionTester<TConnection>(ITargetConnectionSource<TConnection> connections) : ITargetConnectionTester
{
    public abstract TargetKind Kind { get; }

    public async Task<TargetConnectionReport> TestAsync(SiemTarget target, CancellationToken cancellationToken)
    {
        var connection = await connections.GetAsync(target, cancellationToken);
        return connection.Succeeded
            ? new TargetConnectionReport(await ChecksAsync(connection.Value, cancellationToken))
            : new TargetConnectionReport([new TargetCheck("settings", false, connection.Error.Message)]);
    }

    /// <summary>The connector's own connection test, step by step.</summary>
    protected abstract Task<IReadOnlyList<TargetCheck>> ChecksAsync(TConnection connection, CancellationToken cancellationToken);
}

public sealed class SplunkConnectionTester(ITargetConnectionSource<SplunkConnection> connections, SplunkConnector connector) : StoredConnectionTester<SplunkConnection>(connections)
{
    public override TargetKind Kind => TargetKind.Splunk;

    protected override async Task<IReadOnlyList<TargetCheck>> ChecksAsync(SplunkConnection connection, CancellationToken cancellationToken) =>
        (await connector.TestConnectionAsync(connection, cancellationToken)).Checks;
}

public sealed class SentinelConnectionTester(ITargetConnectionSource<SentinelConnection> connections, SentinelConnector connector) : StoredConnectionTester<SentinelConnection>(connections)
{
    public override TargetKind Kind => TargetKind.Sentinel;

    protected override async Task<IReadOnlyList<TargetCheck>> ChecksAsync(SentinelConnection connection, CancellationToken cancellationToken) =>
        (await connector.TestConnectionAsync(connection, cancellationToken)).Checks;
}

public sealed class ElasticConnectionTester(ITargetConnectionSource<ElasticConnection> connections, ElasticConnector connector) : StoredConnectionTester<ElasticConnection>(connections)
{
    public override TargetKind Kind => TargetKind.Elastic;

    protected override async Task<IReadOnlyList<TargetCheck>> ChecksAsync(ElasticConnection connection, CancellationToken cancellationToken) =>
        (await connector.TestConnectionAsync(connection, cancellationToken)).Checks;
}
