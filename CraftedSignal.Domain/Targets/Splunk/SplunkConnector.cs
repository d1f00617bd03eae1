using System.Globalization;
using System.Text.Json;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Targets.Http;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Domain.Targets.Splunk;

/// <summary>A rule as deployed: the saved search's name, the SPL it runs, and whether it was created or updated.</summary>
public sealed record SplunkDeployment(string Name, string Spl, SplunkSaveOutcome Outcome, SplunkSavedSearchSpec Spec);

/// <summary>The steps of a connection test in order; <see cref="FirstFailure"/> is what to fix first.</summary>
public sealed record SplunkConnectionReport(IReadOnlyList<TargetCheck> Checks, TargetError? FirstFailure, SplunkServerInfo? Server, SplunkCurrentUser? User)
{
    public bool Succeeded => FirstFailure is null;
}

/// <summary>
/// Deploys Sigma rules to Splunk as scheduled saved searches, one per rule, named from the rule id
/// (<see cref="SplunkNaming"/>), and takes them off again; reads what is deployed, runs searches and live tests, checks
/// health and connections. Each call opens its own <see cref="SplunkClient"/> for the connection it is given.
/// </summary>
public sealed class SplunkConnector(ITargetConnectionSource<SplunkConnection> connections, ILogger<SplunkConnector> logger, TimeProvider time) : TargetConnector<SplunkConnection, SplunkClient>(connections)
{
    /// <summary>Capabilities a deploying token's roles need: run searches and schedule them.</summary>
    public static IReadOnlyList<string> RequiredCapabilities { get; } = ["search", "schedule_search"];

    private static readonly RuleRefusals Refusals = new("Splunk SPL", count => $"{count} Splunk searches; a saved search runs exactly one", reason => new SplunkRuleNotDeployable(reason));

    public override TargetKind Kind => TargetKind.Splunk;

    public override string ServiceName => SplunkAnswers.Service;

    /// <summary>
    /// What a rule deploys as: the rule converted by the Splunk backend (with the connection's pipelines), scheduled every
    /// <see cref="SplunkConnection.ScheduleMinutes"/>, alerting on any result, with a severity from the Sigma level.
    /// </summary>
    public static Result<SplunkSavedSearchSpec> Compile(SplunkConnection connection, Guid ruleId, string ruleContent)
    {
        var compiled = TargetRules.Compile(ruleContent, "splunk", connection.Pipelines, Refusals);
        if (!compiled.Succeeded)
            return compiled.Error;

        var window = connection.ScheduleMinutes;
        var lag = connection.IndexingLagMinutes;
        var metadata = compiled.Value.Metadata;
        return new SplunkSavedSearchSpec
        {
            Name = SplunkNaming.NameFor(ruleId),
            Search = compiled.Value.Query,
            Description = TargetMarker.Description(metadata, ruleId, compiled.Value.ContentSha256, "Splunk"),
            CronSchedule = window == 1 ? "* * * * *" : $"*/{window.ToString(CultureInfo.InvariantCulture)} * * * *",
            EarliestTime = $"-{(window + lag).ToString(CultureInfo.InvariantCulture)}m@m",
            LatestTime = lag == 0 ? "@m" : $"-{lag.ToString(CultureInfo.InvariantCulture)}m@m",
            AlertSeverity = Severity(metadata?.Level),
            IsScheduled = true,
            Disabled = false,
        };
    }

    /// <summary>Creates or updates the rule's saved search; returns it with the SPL it runs.</summary>
    public Task<Result<SplunkDeployment>> DeployAsync(SplunkConnection connection, Guid ruleId, string ruleContent, CancellationToken cancellationToken) =>
        CallAsync<SplunkDeployment>(connection, async client =>
        {
            var spec = Compile(connection, ruleId, ruleContent);
            if (!spec.Succeeded)
                return spec.Error;
            var saved = await client.SaveSavedSearchAsync(spec.Value, cancellationToken);
            if (!saved.Succeeded)
                return saved.Error;
            logger.LogInformation("Rule {RuleId} deployed to Splunk app {App} as {Name} ({Outcome})", ruleId, connection.App, spec.Value.Name, saved.Value);
            return new SplunkDeployment(spec.Value.Name, spec.Value.Search, saved.Value, spec.Value);
        });

    /// <summary>Deletes the rule's saved search; succeeds when it is already gone.</summary>
    public override Task<Result> RemoveAsync(SplunkConnection connection, Guid ruleId, CancellationToken cancellationToken) =>
        CallAsync(connection, async client =>
        {
            var removed = await client.DeleteSavedSearchAsync(SplunkNaming.NameFor(ruleId), cancellationToken);
            if (removed.Succeeded)
                logger.LogInformation("Rule {RuleId} removed from Splunk app {App}", ruleId, connection.App);
            return removed;
        });

    /// <summary>The rule's saved search as Splunk holds it now, or null when it is not deployed.</summary>
    public Task<Result<SplunkSavedSearch?>> ReadDeployedAsync(SplunkConnection connection, Guid ruleId, CancellationToken cancellationToken) =>
        CallAsync(connection, client => client.GetSavedSearchAsync(SplunkNaming.NameFor(ruleId), cancellationToken));

    public override async Task<Result<DeployedRule?>> ReadAsync(SplunkConnection connection, Guid ruleId, CancellationToken cancellationToken)
    {
        var read = await ReadDeployedAsync(connection, ruleId, cancellationToken);
        return read.Succeeded ? read.Value is { } search ? Deployed(ruleId, search) : Result<DeployedRule?>.None : read.Error;
    }

    /// <summary>Every saved search in the namespace that CraftedSignal deployed (by name, or by the marker in its description).</summary>
    public override Task<Result<IReadOnlyList<DeployedRule>>> ListAsync(SplunkConnection connection, CancellationToken cancellationToken) =>
        CallAsync<IReadOnlyList<DeployedRule>>(connection, async client =>
        {
            var all = await client.ListSavedSearchesAsync(cancellationToken);
            if (!all.Succeeded)
                return all.Error;
            return all.Value.Where(s => s.RuleId is not null).Select(s => Deployed(s.RuleId!.Value, s)).ToList();
        });

    /// <summary>The rule's saved search next to what deploying the content sets: every owned field compared by value.</summary>
    public override Task<Result<DeployedComparison>> CompareAsync(SplunkConnection connection, Guid ruleId, string ruleContent, CancellationToken cancellationToken) =>
        CompareAsync(Compile(connection, ruleId, ruleContent), () => ReadDeployedAsync(connection, ruleId, cancellationToken),
            search => Deployed(ruleId, search), (spec, search) => spec.DifferencesFrom(search));

    public Task<Result<SplunkSearchResults>> RunSearchAsync(SplunkConnection connection, string spl, string earliest, string latest, CancellationToken cancellationToken) =>
        CallAsync(connection, client => client.SearchAsync(spl, earliest, latest, cancellationToken));

    /// <summary>
    /// Sends <paramref name="events"/> to the test index through HEC under a source of their own, waits until Splunk
    /// finds all of them, then runs the rule's SPL over exactly those events.
    /// </summary>
    public override async Task<Result<LiveTestResult>> LiveTestAsync(SplunkConnection connection, string ruleContent, IReadOnlyList<JsonElement> events, CancellationToken cancellationToken)
    {
        if (connection.Problem() is { } problem)
            return problem;
        if (connection.HecUrl is null || connection.HecToken is null || connection.TestIndex is null)
            return new TargetSettingsInvalid("HecUrl", "Live tests need the HEC URL, a HEC token and a test index in the target's settings.");
        var spec = Compile(connection, Guid.Empty, ruleContent);
        if (!spec.Succeeded)
            return spec.Error;
        if (spec.Value.Search.TrimStart().StartsWith('|'))
            return new SplunkRuleNotDeployable("The rule's SPL starts with a generating command, so it cannot be limited to the test events.");

        var source = $"craftedsignal:test:{Guid.NewGuid():N}";
        var scope = $"index=\"{connection.TestIndex}\" source=\"{source}\"";
        using var client = NewClient(connection);
        var sent = await client.SendEventsAsync(events.Select(e => new SplunkHecEvent(e, Source: source)).ToList(), cancellationToken);
        if (!sent.Succeeded)
            return sent.Error;

        var indexed = await WaitUntilSearchableAsync(client, connection, scope, sent.Value, cancellationToken);
        if (!indexed.Succeeded)
            return indexed.Error;
        var spl = $"{scope} {spec.Value.Search}";
        var results = await client.SearchAsync(spl, "-24h", "+1h", cancellationToken);
        return results.Succeeded ? new LiveTestResult(spl, sent.Value, results.Value.Rows, results.Value.Truncated) : results.Error;
    }

    /// <summary>Splunk's server info: version, name, health (<c>health_info</c>) and the round trip.</summary>
    public override Task<Result<TargetHealth>> HealthAsync(SplunkConnection connection, CancellationToken cancellationToken) =>
        CallAsync<TargetHealth>(connection, async client =>
        {
            var info = await client.GetServerInfoAsync(cancellationToken);
            return info.Succeeded ? new TargetHealth(SplunkAnswers.Service, info.Value.Version, info.Value.HealthInfo, info.Value.RoundTrip) : info.Error;
        });

    /// <summary>
    /// Tests the connection step by step and says which step failed: the settings; reaching Splunk (DNS, TCP, TLS);
    /// the token (401); its capabilities; the app and owner; and, when set, HEC and its token.
    /// </summary>
    public async Task<SplunkConnectionReport> TestConnectionAsync(SplunkConnection connection, CancellationToken cancellationToken)
    {
        var checks = new TargetCheckList();
        SplunkServerInfo? server = null;
        SplunkCurrentUser? user = null;

        if (!checks.Add("settings", connection.Problem(), "The settings are complete."))
            return new SplunkConnectionReport(checks.Checks, checks.FirstFailure, null, null);

        using var client = NewClient(connection);
        var info = await client.GetServerInfoAsync(cancellationToken);
        if (info.Succeeded)
            server = info.Value;
        if (checks.Add("splunk", info.Succeeded ? null : info.Error, $"Reached Splunk {server?.Version} ({server?.ServerName}) in {server?.RoundTrip.TotalMilliseconds:0} ms."))
        {
            var current = await client.GetCurrentUserAsync(cancellationToken);
            if (current.Succeeded)
                user = current.Value;
            if (checks.Add("token", current.Succeeded ? null : current.Error, $"The token is user '{user?.UserName}'."))
            {
                var missing = user!.Capabilities.Count == 0 ? [] : RequiredCapabilities.Except(user.Capabilities, StringComparer.Ordinal).ToList();
                checks.Add("capabilities", missing.Count == 0 ? null : new SplunkForbidden(string.Join(", ", missing), null),
                    user.Capabilities.Count == 0 ? "Splunk did not list the user's capabilities." : $"The user has {string.Join(", ", RequiredCapabilities)}.");
                var app = await client.NamespaceExistsAsync(cancellationToken);
                checks.Add("app", !app.Succeeded ? app.Error : app.Value ? null : new SplunkNamespaceNotFound(connection.Owner, connection.App, null),
                    $"The app '{connection.App}' is there for owner '{connection.Owner}'.");
            }
        }

        if (connection.HecUrl is not null)
        {
            var health = await client.GetHecHealthAsync(cancellationToken);
            if (checks.Add("hec", health.Succeeded ? null : health.Error, "HEC is healthy."))
                checks.Add("hec token", (await client.CheckHecTokenAsync(cancellationToken)).Error, "HEC accepts the token.");
        }

        return new SplunkConnectionReport(checks.Checks, checks.FirstFailure, server, user);
    }

    private async Task<Result> WaitUntilSearchableAsync(SplunkClient client, SplunkConnection connection, string scope, int expected, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + connection.SearchTimeout;
        while (true)
        {
            var counted = await client.SearchAsync($"{scope} | stats count", "-24h", "+1h", cancellationToken);
            if (!counted.Succeeded)
                return counted.Error;
            var count = counted.Value.Rows.Count > 0 && int.TryParse(counted.Value.Rows[0].GetValueOrDefault("count"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
            if (count >= expected)
                return Result.Ok();
            if (time.GetUtcNow() >= deadline)
                return new TargetTimeout(SplunkAnswers.Service, $"indexing of the test events ({count} of {expected} searchable)", connection.SearchTimeout);
            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
        }
    }

    protected override Result<string> CompileQuery(SplunkConnection connection, Guid ruleId, string ruleContent)
    {
        var spec = Compile(connection, ruleId, ruleContent);
        return spec.Succeeded ? spec.Value.Search : spec.Error;
    }

    protected override async Task<Result<string>> DeployQueryAsync(SplunkConnection connection, Guid ruleId, string ruleContent, CancellationToken cancellationToken)
    {
        var deployed = await DeployAsync(connection, ruleId, ruleContent, cancellationToken);
        return deployed.Succeeded ? deployed.Value.Spl : deployed.Error;
    }

    /// <summary>A saved search as the common shape; Splunk's entry <c>updated</c> is its change marker.</summary>
    private static DeployedRule Deployed(Guid ruleId, SplunkSavedSearch search) =>
        new(ruleId, search.Name, search.Name, search.Search, !search.Disabled, search.Updated,
            DateTimeOffset.TryParse(search.Updated, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null);

    protected override SplunkClient NewClient(SplunkConnection connection) => SplunkClient.Create(connection, logger, time).Value!;

    /// <summary>savedsearches.conf severities: 1 debug, 2 info, 3 warn, 4 error, 5 severe, 6 fatal.</summary>
    internal static int Severity(string? level) => level?.Trim().ToLowerInvariant() switch
    {
        "informational" => 2,
        "low" => 3,
        "medium" => 4,
        "high" => 5,
        "critical" => 6,
        _ => 3,
    };
}
