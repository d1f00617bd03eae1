using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Targets.Http;

namespace CraftedSignal.Domain.Targets;

/// <summary>What every connection has: its transport, and a check of all its settings before anything is sent.</summary>
public interface ITargetConnection
{
    TargetTransport Transport { get; }

    /// <summary>Null when the settings can be used; else what to fix, naming the field (never quoting a secret).</summary>
    TargetSettingsInvalid? Problem();
}

/// <summary>Where a target's connection comes from: its stored settings, secrets decrypted for one call.</summary>
public interface ITargetConnectionSource<TConnection>
{
    Task<Result<TConnection>> GetAsync(SiemTarget target, CancellationToken cancellationToken);
}

/// <summary>
/// The <see cref="ITargetConnector"/> half of a SIEM connector, and how its calls run: the target's connection settings
/// (decrypted for one call) from the connector's source; settings checked before anything is sent; one client per call,
/// disposed after it. A connector says only what is its own: how a rule deploys, how it is removed, its client.
/// </summary>
public abstract class TargetConnector<TConnection, TClient>(ITargetConnectionSource<TConnection> connections) : ITargetConnector
    where TConnection : ITargetConnection
    where TClient : IDisposable
{
    public abstract TargetKind Kind { get; }

    /// <summary>The rule's id names what is deployed, so a retried operation updates what it made: <paramref name="operationId"/> is not needed.</summary>
    public async Task<Result<string>> DeployAsync(SiemTarget target, Guid ruleId, string ruleContent, Guid operationId, CancellationToken cancellationToken)
    {
        var connection = await connections.GetAsync(target, cancellationToken);
        return connection.Succeeded ? await DeployQueryAsync(connection.Value!, ruleId, ruleContent, cancellationToken) : connection.Error;
    }

    public async Task<Result> RemoveAsync(SiemTarget target, Guid ruleId, Guid operationId, CancellationToken cancellationToken)
    {
        var connection = await connections.GetAsync(target, cancellationToken);
        return connection.Succeeded ? await RemoveAsync(connection.Value!, ruleId, cancellationToken) : connection.Error;
    }

    /// <summary>A dry run: the stored settings checked and the rule compiled exactly as a deployment would, nothing sent.</summary>
    public async Task<Result<string?>> PreviewAsync(SiemTarget target, Guid ruleId, string ruleContent, CancellationToken cancellationToken)
    {
        var connection = await connections.GetAsync(target, cancellationToken);
        if (!connection.Succeeded)
            return connection.Error;
        if (connection.Value!.Problem() is { } problem)
            return problem;
        var query = CompileQuery(connection.Value, ruleId, ruleContent);
        return query.Succeeded ? query.Value : query.Error;
    }

    /// <summary>Takes the rule off the target; succeeds when it is already gone (from a place that exists).</summary>
    public abstract Task<Result> RemoveAsync(TConnection connection, Guid ruleId, CancellationToken cancellationToken);

    /// <summary>The query a deployment of the rule would send, as the target would run it; or why it would be refused.</summary>
    protected abstract Result<string> CompileQuery(TConnection connection, Guid ruleId, string ruleContent);

    /// <summary>Deploys the rule; returns the query as the target runs it.</summary>
    protected abstract Task<Result<string>> DeployQueryAsync(TConnection connection, Guid ruleId, string ruleContent, CancellationToken cancellationToken);

    /// <summary>A client for settings <see cref="ITargetConnection.Problem"/> found nothing wrong with.</summary>
    protected abstract TClient NewClient(TConnection connection);

    /// <summary>Checks the settings, then makes the call with a client of its own.</summary>
    protected async Task<Result<T>> CallAsync<T>(TConnection connection, Func<TClient, Task<Result<T>>> call)
    {
        if (connection.Problem() is { } problem)
            return problem;
        using var client = NewClient(connection);
        return await call(client);
    }

    /// <inheritdoc cref="CallAsync{T}"/>
    protected async Task<Result> CallAsync(TConnection connection, Func<TClient, Task<Result>> call)
    {
        if (connection.Problem() is { } problem)
            return problem;
        using var client = NewClient(connection);
        return await call(client);
    }
}
