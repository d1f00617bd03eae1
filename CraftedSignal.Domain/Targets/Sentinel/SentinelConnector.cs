using System.Text.RegularExpressions;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Targets.Http;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Domain.Targets.Sentinel;

/// <summary>A rule as deployed: the alert rule's id, the KQL it runs, whether it was created or updated, and its new etag.</summary>
public sealed record SentinelDeployment(string Name, string Query, SentinelSaveOutcome Outcome, string? Etag, SentinelAlertRuleSpec Spec);

/// <summary>The steps of a connection test in order; <see cref="FirstFailure"/> is what to fix first.</summary>
public sealed record SentinelConnectionReport(IReadOnlyList<TargetCheck> Checks, TargetError? FirstFailure, SentinelTokenInfo? Token)
{
    public bool Succeeded => FirstFailure is null;
}

/// <summary>
/// Deploys Sigma rules to Microsoft Sentinel as Scheduled analytics rules, one per rule, whose ARM rule id is the rule's
/// id (<see cref="SentinelNaming"/>), and takes them off again; reads what is deployed, its health, and tests connections.
/// Each call opens its own <see cref="SentinelClient"/>; tokens are shared through the connector's
/// <see cref="SentinelTokenCache"/>, so many calls make one token request.
/// </summary>
public sealed partial class SentinelConnector(ITargetConnectionSource<SentinelConnection> connections, ILogger<SentinelConnector> logger, TimeProvider time) : TargetConnector<SentinelConnection, SentinelClient>(connections)
{
    public const string TargetName = "Microsoft Sentinel";

    /// <summary>What deploying needs on the workspace: the actions of the Microsoft Sentinel Contributor role on alert rules.</summary>
    public static IReadOnlyList<string> RequiredActions { get; } =
        ["Microsoft.SecurityInsights/alertRules/read", "Microsoft.SecurityInsights/alertRules/write", "Microsoft.SecurityInsights/alertRules/delete"];

    /// <summary>Sigma's ATT&amp;CK tactic tags and the AttackTactic enum of AlertTypes.json (2025-09-01).</summary>
    private static readonly Dictionary<string, string> Tactics = new(StringComparer.OrdinalIgnoreCase)
    {
        ["reconnaissance"] = "Reconnaissance",
        ["resource_development"] = "ResourceDevelopment",
        ["initial_access"] = "InitialAccess",
        ["execution"] = "Execution",
        ["persistence"] = "Persistence",
        ["privilege_escalation"] = "PrivilegeEscalation",
        ["defense_evasion"] = "DefenseEvasion",
        ["credential_access"] = "CredentialAccess",
        ["discovery"] = "Discovery",
        ["lateral_movement"] = "LateralMovement",
        ["collection"] = "Collection",
        ["exfiltration"] = "Exfiltration",
        ["command_and_control"] = "CommandAndControl",
        ["impact"] = "Impact",
        ["impair_process_control"] = "ImpairProcessControl",
        ["inhibit_response_function"] = "InhibitResponseFunction",
    };

    private readonly SentinelTokenCache _tokens = new();

    private static readonly RuleRefusals Refusals = new("KQL", count => $"{count} KQL queries; a scheduled analytics rule runs exactly one", reason => new SentinelRuleNotDeployable(reason));

    public override TargetKind Kind => TargetKind.Sentinel;

    public override string ServiceName => TargetName;

    /// <summary>
    /// What a rule deploys as: the rule converted by the Kusto backend (with the connection's pipelines, which must give
    /// the query a table), run every <see cref="SentinelConnection.QueryFrequency"/> over the last
    /// <see cref="SentinelConnection.QueryPeriod"/>, alerting on any result, with a severity from the Sigma level and the
    /// tactics and techniques of its ATT&amp;CK tags.
    /// </summary>
    public static Result<SentinelAlertRuleSpec> Compile(SentinelConnection connection, Guid ruleId, string ruleContent)
    {
        var compiled = TargetRules.Compile(ruleContent, "kusto", connection.Pipelines, Refusals);
        if (!compiled.Succeeded)
            return compiled.Error;

        var query = compiled.Value.Query;
        if (!FromTable().IsMatch(query))
            return new SentinelRuleNotDeployable("The rule's KQL does not start from a table: no pipeline maps its log source to a Sentinel table. Add a pipeline that does (e.g. sentinel-windows) or change the rule's logsource.");
        var metadata = compiled.Value.Metadata;
        var tags = metadata?.Tags ?? [];
        var title = metadata?.Title?.Trim();
        return new SentinelAlertRuleSpec
        {
            Name = SentinelNaming.NameFor(ruleId),
            DisplayName = string.IsNullOrEmpty(title) ? $"CraftedSignal rule {ruleId:D}" : title.Length > 256 ? title[..256] : title,
            Description = TargetMarker.Description(metadata, ruleId, compiled.Value.ContentSha256, TargetName),
            Severity = Severity(metadata?.Level),
            Query = query,
            QueryFrequency = connection.QueryFrequency,
            QueryPeriod = connection.QueryPeriod,
            Tactics = [.. tags.Select(TacticOf).OfType<string>().Distinct(StringComparer.Ordinal)],
            Techniques = [.. tags.Select(TechniqueOf).OfType<string>().Distinct(StringComparer.Ordinal)],
            CreateIncident = connection.CreateIncident,
        };
    }

    /// <summary>Creates or updates the rule's alert rule; returns it with the KQL it runs.</summary>
    public Task<Result<SentinelDeployment>> DeployAsync(SentinelConnection connection, Guid ruleId, string ruleContent, CancellationToken cancellationToken) =>
        CallAsync<SentinelDeployment>(connection, async client =>
        {
            var spec = Compile(connection, ruleId, ruleContent);
            if (!spec.Succeeded)
                return spec.Error;
            var saved = await client.SaveAlertRuleAsync(spec.Value, cancellationToken);
            if (!saved.Succeeded)
                return saved.Error;
            logger.LogInformation("Rule {RuleId} deployed to Sentinel workspace {Workspace} as alert rule {Name} ({Outcome})", ruleId, connection.WorkspaceName, spec.Value.Name, saved.Value.Outcome);
            return new SentinelDeployment(spec.Value.Name, spec.Value.Query, saved.Value.Outcome, saved.Value.Rule.Etag, spec.Value);
        });

    /// <summary>Deletes the rule's alert rule; succeeds when it is already gone from a workspace that exists.</summary>
    public override Task<Result> RemoveAsync(SentinelConnection connection, Guid ruleId, CancellationToken cancellationToken) =>
        CallAsync(connection, async client =>
        {
            var removed = await client.DeleteAlertRuleAsync(SentinelNaming.NameFor(ruleId), cancellationToken);
            if (removed.Succeeded)
                logger.LogInformation("Rule {RuleId} removed from Sentinel workspace {Workspace}", ruleId, connection.WorkspaceName);
            return removed;
        });

    /// <summary>The rule's alert rule as Sentinel holds it now, or null when it is not deployed.</summary>
    public Task<Result<SentinelAlertRule?>> ReadDeployedAsync(SentinelConnection connection, Guid ruleId, CancellationToken cancellationToken) =>
        CallAsync(connection, client => client.GetAlertRuleAsync(SentinelNaming.NameFor(ruleId), cancellationToken));

    public override async Task<Result<DeployedRule?>> ReadAsync(SentinelConnection connection, Guid ruleId, CancellationToken cancellationToken)
    {
        var read = await ReadDeployedAsync(connection, ruleId, cancellationToken);
        return read.Succeeded ? read.Value is { } rule ? Deployed(ruleId, rule) : Result<DeployedRule?>.None : read.Error;
    }

    /// <summary>Every alert rule in the workspace that CraftedSignal deployed (see <see cref="SentinelAlertRule.RuleId"/>).</summary>
    public override Task<Result<IReadOnlyList<DeployedRule>>> ListAsync(SentinelConnection connection, CancellationToken cancellationToken) =>
        CallAsync<IReadOnlyList<DeployedRule>>(connection, async client =>
        {
            var all = await client.ListAlertRulesAsync(cancellationToken);
            if (!all.Succeeded)
                return all.Error;
            return all.Value.Where(r => r.RuleId is not null).Select(r => Deployed(r.RuleId!.Value, r)).ToList();
        });

    /// <summary>The rule's alert rule next to what deploying the content sets: the owned properties (durations by value, tactics as sets).</summary>
    public override Task<Result<DeployedComparison>> CompareAsync(SentinelConnection connection, Guid ruleId, string ruleContent, CancellationToken cancellationToken) =>
        CompareAsync(Compile(connection, ruleId, ruleContent), () => ReadDeployedAsync(connection, ruleId, cancellationToken),
            rule => Deployed(ruleId, rule), (spec, rule) => spec.DifferencesFrom(rule));

    /// <summary>A token (from the cache when it is valid) and the workspace's answer, timed together.</summary>
    public override Task<Result<TargetHealth>> HealthAsync(SentinelConnection connection, CancellationToken cancellationToken) =>
        CallAsync<TargetHealth>(connection, async client =>
        {
            var started = time.GetTimestamp();
            var workspace = await client.CheckWorkspaceAsync(cancellationToken);
            return workspace.Succeeded
                ? new TargetHealth(TargetName, null, $"Workspace '{connection.WorkspaceName}' answers", time.GetElapsedTime(started))
                : workspace.Error;
        });

    /// <summary>
    /// Tests the connection step by step and says which step failed: the settings; reaching Entra ID; the app's
    /// credentials (a fresh token, not a cached one); reaching ARM; the workspace; the permission to read, write and
    /// delete alert rules there.
    /// </summary>
    public async Task<SentinelConnectionReport> TestConnectionAsync(SentinelConnection connection, CancellationToken cancellationToken)
    {
        var checks = new TargetCheckList();
        if (!checks.Add("settings", connection.Problem(), "The settings are complete."))
            return new SentinelConnectionReport(checks.Checks, checks.FirstFailure, null);

        using var client = NewClient(connection);
        var token = await client.AcquireTokenAsync(fresh: true, cancellationToken);
        if (!checks.Add("authority", token.Error as TargetTransportError, $"Reached Microsoft Entra ID at {connection.AuthorityUrl.Authority}.")
            || !checks.Add("credentials", token.Error, $"Entra ID issued a token to client {connection.ClientId} in {token.Value?.RoundTrip.TotalMilliseconds:0} ms."))
            return new SentinelConnectionReport(checks.Checks, checks.FirstFailure, null);

        var workspace = await client.CheckWorkspaceAsync(cancellationToken);
        if (checks.Add("resource manager", workspace.Error as TargetTransportError, $"Reached Azure Resource Manager at {connection.ResourceManagerUrl.Authority}.")
            && checks.Add("workspace", workspace.Error, $"The workspace '{connection.WorkspaceName}' answers for Microsoft Sentinel."))
        {
            var missing = await client.MissingPermissionsAsync(RequiredActions, cancellationToken);
            checks.Add("permission", !missing.Succeeded ? missing.Error
                    : missing.Value.Count == 0 ? null
                    : new SentinelForbidden(string.Join(", ", missing.Value), SentinelClient.RoleFor(missing.Value[0]), null),
                "The app may read, write and delete alert rules in the workspace.");
        }

        return new SentinelConnectionReport(checks.Checks, checks.FirstFailure, token.Value);
    }

    /// <summary>Sigma levels to Sentinel severities: Sentinel has no Critical, so critical is High; no level is Medium.</summary>
    internal static string Severity(string? level) => level?.Trim().ToLowerInvariant() switch
    {
        "informational" => "Informational",
        "low" => "Low",
        "high" or "critical" => "High",
        _ => "Medium",
    };

    /// <summary><c>attack.defense_evasion</c> is DefenseEvasion; a tactic the enum does not have is left out.</summary>
    internal static string? TacticOf(string tag) =>
        tag.StartsWith("attack.", StringComparison.OrdinalIgnoreCase) && Tactics.TryGetValue(tag[7..].Replace('-', '_'), out var tactic) ? tactic : null;

    /// <summary><c>attack.t1059.001</c> is T1059: the API takes techniques as Txxxx only, so a sub-technique counts as its technique.</summary>
    internal static string? TechniqueOf(string tag) =>
        TechniqueTag().Match(tag) is { Success: true } match ? "T" + match.Groups[1].Value : null;

    protected override Result<string> CompileQuery(SentinelConnection connection, Guid ruleId, string ruleContent)
    {
        var spec = Compile(connection, ruleId, ruleContent);
        return spec.Succeeded ? spec.Value.Query : spec.Error;
    }

    protected override async Task<Result<string>> DeployQueryAsync(SentinelConnection connection, Guid ruleId, string ruleContent, CancellationToken cancellationToken)
    {
        var deployed = await DeployAsync(connection, ruleId, ruleContent, cancellationToken);
        return deployed.Succeeded ? deployed.Value.Query : deployed.Error;
    }

    /// <summary>An alert rule as the common shape; its <c>etag</c> is its change marker.</summary>
    private static DeployedRule Deployed(Guid ruleId, SentinelAlertRule rule) =>
        new(ruleId, rule.Name, rule.DisplayName, rule.Query, rule.Enabled, rule.Etag, rule.LastModifiedUtc);

    protected override SentinelClient NewClient(SentinelConnection connection) => SentinelClient.Create(connection, _tokens, logger, time).Value!;

    /// <summary>The Kusto backend writes <c>Table\n| where ...</c> when a pipeline set the table; without one the query is a bare filter.</summary>
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*\r?\n\|", RegexOptions.CultureInvariant)]
    private static partial Regex FromTable();

    [GeneratedRegex(@"^attack\.t(\d{4})(?:\.\d{3})?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex TechniqueTag();
}
