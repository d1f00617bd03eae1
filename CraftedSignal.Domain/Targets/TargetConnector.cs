using System.Text.Json;
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

    /// <summary>The target's product name, as messages say it.</summary>
    public abstract string ServiceName { get; }

    /// <summary>The rule's id names what is deployed, so a retried operation updates what it made: <paramref name="operationId"/> is not needed.</summary>
    public Task<Result<string>> DeployAsync(SiemTarget target, Guid ruleId, string ruleContent, Guid operationId, CancellationToken cancellationToken) =>
        WithConnectionAsync(target, connection => DeployQueryAsync(connection, ruleId, ruleContent, cancellationToken), cancellationToken);

    public async Task<Result> RemoveAsync(SiemTarget target, Guid ruleId, Guid operationId, CancellationToken cancellationToken)
    {
        var connection = await connections.GetAsync(target, cancellationToken);
        return connection.Succeeded ? await RemoveAsync(connection.Value!, ruleId, cancellationToken) : connection.Error;
    }

    /// <summary>A dry run: the stored settings checked and the rule compiled exactly as a deployment would, nothing sent.</summary>
    public Task<Result<string?>> PreviewAsync(SiemTarget target, Guid ruleId, string ruleContent, CancellationToken cancellationToken) =>
        WithConnectionAsync(target, connection =>
        {
            if (connection.Problem() is { } problem)
                return Task.FromResult<Result<string?>>(problem);
            var query = CompileQuery(connection, ruleId, ruleContent);
            return Task.FromResult(query.Succeeded ? (Result<string?>)query.Value : query.Error);
        }, cancellationToken);

    public Task<Result<DeployedRule?>> ReadAsync(SiemTarget target, Guid ruleId, CancellationToken cancellationToken) =>
        WithConnectionAsync(target, connection => ReadAsync(connection, ruleId, cancellationToken), cancellationToken);

    public Task<Result<IReadOnlyList<DeployedRule>>> ListAsync(SiemTarget target, CancellationToken cancellationToken) =>
        WithConnectionAsync(target, connection => ListAsync(connection, cancellationToken), cancellationToken);

    public Task<Result<DeployedComparison>> CompareAsync(SiemTarget target, Guid ruleId, string ruleContent, CancellationToken cancellationToken) =>
        WithConnectionAsync(target, connection => CompareAsync(connection, ruleId, ruleContent, cancellationToken), cancellationToken);

    public Task<Result<TargetHealth>> HealthAsync(SiemTarget target, CancellationToken cancellationToken) =>
        WithConnectionAsync(target, connection => HealthAsync(connection, cancellationToken), cancellationToken);

    public Task<Result<LiveTestResult>> LiveTestAsync(SiemTarget target, string ruleContent, IReadOnlyList<JsonElement> events, CancellationToken cancellationToken) =>
        LiveTests.Problem(events) is { } problem
            ? Task.FromResult<Result<LiveTestResult>>(problem)
            : WithConnectionAsync(target, connection => LiveTestAsync(connection, ruleContent, events, cancellationToken), cancellationToken);

    /// <summary>The rule as the target holds it now, or null when it is not deployed there.</summary>
    public abstract Task<Result<DeployedRule?>> ReadAsync(TConnection connection, Guid ruleId, CancellationToken cancellationToken);

    /// <summary>Every rule on the target that CraftedSignal deployed: its name is ours and its marker names the same rule.</summary>
    public abstract Task<Result<IReadOnlyList<DeployedRule>>> ListAsync(TConnection connection, CancellationToken cancellationToken);

    /// <summary>The rule as the target holds it, compared with what deploying <paramref name="ruleContent"/> sets (the connector's own spec).</summary>
    public abstract Task<Result<DeployedComparison>> CompareAsync(TConnection connection, Guid ruleId, string ruleContent, CancellationToken cancellationToken);

    /// <summary>Whether the target answers with these settings, what it is, and how fast.</summary>
    public abstract Task<Result<TargetHealth>> HealthAsync(TConnection connection, CancellationToken cancellationToken);

    /// <summary>A live test over <paramref name="events"/> (at most <see cref="LiveTests.MaxEvents"/>); not every kind of target takes test events.</summary>
    public virtual Task<Result<LiveTestResult>> LiveTestAsync(TConnection connection, string ruleContent, IReadOnlyList<JsonElement> events, CancellationToken cancellationToken) =>
        Task.FromResult<Result<LiveTestResult>>(new LiveTestsUnsupported(ServiceName, "sending test events to it is not built yet; the offline tests run the rule over the same events."));

    /// <summary>Takes the rule off the target; succeeds when it is already gone (from a place that exists).</summary>
    public abstract Task<Result> RemoveAsync(TConnection connection, Guid ruleId, CancellationToken cancellationToken);

    /// <summary>The query a deployment of the rule would send, as the target would run it; or why it would be refused.</summary>
    protected abstract Result<string> CompileQuery(TConnection connection, Guid ruleId, string ruleContent);

    /// <summary>Deploys the rule; returns the query as the target runs it.</summary>
    protected abstract Task<Result<string>> DeployQueryAsync(TConnection connection, Guid ruleId, string ruleContent, CancellationToken cancellationToken);

    /// <summary>A client for settings <see cref="ITargetConnection.Problem"/> found nothing wrong with.</summary>
    protected abstract TClient NewClient(TConnection connection);

    /// <summary>
    /// A comparison from the connector's own parts: the spec deploying the content would write (or why it cannot), the
    /// native read of the rule, its common shape, and the spec's differences from it. A read error stays an error.
    /// </summary>
    protected static async Task<Result<DeployedComparison>> CompareAsync<TSpec, TNative>(
        Result<TSpec> spec, Func<Task<Result<TNative?>>> read, Func<TNative, DeployedRule> deployed, Func<TSpec, TNative, IReadOnlyList<FieldDifference>> differences)
        where TNative : class
    {
        if (!spec.Succeeded)
            return spec.Error;
        var native = await read();
        if (!native.Succeeded)
            return native.Error;
        return native.Value is { } found ? new DeployedComparison(deployed(found), differences(spec.Value!, found)) : new DeployedComparison(null, []);
    }

    /// <summary>The target's connection from the connector's source, then the call; the source's error when it has none.</summary>
    private async Task<Result<T>> WithConnectionAsync<T>(SiemTarget target, Func<TConnection, Task<Result<T>>> call, CancellationToken cancellationToken)
    {
        var connection = await connections.GetAsync(target, cancellationToken);
        return connection.Succeeded ? await call(connection.Value!) : connection.Error;
    }

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
