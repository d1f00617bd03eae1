using System.Globalization;
using System.Text.RegularExpressions;
using CraftedSignal.Domain.Attack;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Targets.Http;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Domain.Targets.Elastic;

/// <summary>A rule as deployed: its rule_id and Kibana id, the query it runs, whether it was created or updated, and its revision.</summary>
public sealed record ElasticDeployment(string RuleId, string Id, string Query, ElasticSaveOutcome Outcome, int? Revision, ElasticRuleSpec Spec);

/// <summary>The steps of a connection test in order; <see cref="FirstFailure"/> is what to fix first.</summary>
public sealed record ElasticConnectionReport(IReadOnlyList<TargetCheck> Checks, TargetError? FirstFailure, ElasticStatus? Status)
{
    public bool Succeeded => FirstFailure is null;
}

/// <summary>
/// Deploys Sigma rules to Elastic Security as detection rules through Kibana's detection-engine API, one per rule, whose
/// <c>rule_id</c> comes from the rule's id (<see cref="ElasticNaming"/>), and takes them off again; reads what is
/// deployed, its health, and tests connections. Each call opens its own <see cref="ElasticClient"/>.
/// </summary>
public sealed partial class ElasticConnector(ITargetConnectionSource<ElasticConnection> connections, ILogger<ElasticConnector> logger, TimeProvider time) : TargetConnector<ElasticConnection, ElasticClient>(connections)
{
    public const string TargetName = "Elastic Security";

    private static readonly RuleRefusals Refusals = new("Elasticsearch queries", count => $"{count} queries; a detection rule runs exactly one", reason => new ElasticRuleNotDeployable(reason));

    public override TargetKind Kind => TargetKind.Elastic;

    public override string ServiceName => TargetName;

    /// <summary>
    /// What a rule deploys as: the rule converted by the backend of the connection's rule type (Lucene, EQL or ES|QL, with
    /// its pipelines), run every <see cref="ElasticConnection.Interval"/> over <see cref="ElasticConnection.FromText"/>,
    /// with severity and risk score from the Sigma level and <c>threat</c> from its ATT&amp;CK tags.
    /// </summary>
    public static Result<ElasticRuleSpec> Compile(ElasticConnection connection, Guid ruleId, string ruleContent)
    {
        var backend = connection.RuleType switch { ElasticRuleType.Eql => "eql", ElasticRuleType.Esql => "esql", _ => "lucene" };
        var compiled = TargetRules.Compile(ruleContent, backend, connection.Pipelines, Refusals);
        if (!compiled.Succeeded)
            return compiled.Error;

        var query = compiled.Value.Query;
        if (connection.RuleType == ElasticRuleType.Esql)
        {
            // The ES|QL backend reads "from *" unless a pipeline named the indices: the connection's patterns go there.
            query = EsqlFromAll().Replace(query, "from " + string.Join(", ", connection.IndexPatterns) + " ", 1);
        }

        var metadata = compiled.Value.Metadata;
        var tags = metadata?.Tags ?? [];
        var title = metadata?.Title?.Trim();
        var (severity, risk) = Severity(metadata?.Level);
        return new ElasticRuleSpec
        {
            RuleId = ElasticNaming.RuleIdFor(ruleId),
            Name = string.IsNullOrEmpty(title) ? $"CraftedSignal rule {ruleId:D}" : title.Length > 256 ? title[..256] : title,
            Description = TargetMarker.Description(metadata, ruleId, compiled.Value.ContentSha256, TargetName),
            Type = connection.RuleType,
            Query = query,
            Index = connection.RuleType == ElasticRuleType.Esql ? null : connection.IndexPatterns,
            RiskScore = risk,
            Severity = severity,
            Interval = connection.IntervalText,
            From = connection.FromText,
            Enabled = connection.Enabled,
            MaxSignals = connection.MaxSignals,
            Tags = [ElasticNaming.Tag, .. tags.Where(t => t.StartsWith("attack.", StringComparison.OrdinalIgnoreCase)).Distinct(StringComparer.OrdinalIgnoreCase)],
            Threat = Threat(tags),
            References = [.. (metadata?.References ?? []).Where(r => Uri.TryCreate(r, UriKind.Absolute, out var u) && u.Scheme is "https" or "http").Take(50)],
            FalsePositives = [.. (metadata?.FalsePositives ?? []).Take(50)],
        };
    }

    /// <summary>Creates or updates the rule's detection rule; returns it with the query it runs.</summary>
    public Task<Result<ElasticDeployment>> DeployAsync(ElasticConnection connection, Guid ruleId, string ruleContent, CancellationToken cancellationToken) =>
        CallAsync<ElasticDeployment>(connection, async client =>
        {
            var spec = Compile(connection, ruleId, ruleContent);
            if (!spec.Succeeded)
                return spec.Error;
            var saved = await client.SaveRuleAsync(spec.Value, cancellationToken);
            if (!saved.Succeeded)
                return saved.Error;
            logger.LogInformation("Rule {RuleId} deployed to Kibana space {Space} as {KibanaRuleId} ({Outcome}, revision {Revision})",
                ruleId, connection.Space, spec.Value.RuleId, saved.Value.Outcome, saved.Value.Rule.Revision);
            return new ElasticDeployment(spec.Value.RuleId, saved.Value.Rule.Id, spec.Value.Query, saved.Value.Outcome, saved.Value.Rule.Revision, spec.Value);
        });

    /// <summary>Deletes the rule's detection rule; succeeds when it is already gone from a space that exists.</summary>
    public override Task<Result> RemoveAsync(ElasticConnection connection, Guid ruleId, CancellationToken cancellationToken) =>
        CallAsync(connection, async client =>
        {
            var removed = await client.DeleteRuleAsync(ElasticNaming.RuleIdFor(ruleId), cancellationToken);
            if (removed.Succeeded)
                logger.LogInformation("Rule {RuleId} removed from Kibana space {Space}", ruleId, connection.Space);
            return removed;
        });

    /// <summary>The rule's detection rule as Kibana holds it now, or null when it is not deployed.</summary>
    public Task<Result<ElasticRule?>> ReadDeployedAsync(ElasticConnection connection, Guid ruleId, CancellationToken cancellationToken) =>
        CallAsync(connection, client => client.GetRuleAsync(ElasticNaming.RuleIdFor(ruleId), cancellationToken));

    public override async Task<Result<DeployedRule?>> ReadAsync(ElasticConnection connection, Guid ruleId, CancellationToken cancellationToken)
    {
        var read = await ReadDeployedAsync(connection, ruleId, cancellationToken);
        return read.Succeeded ? read.Value is { } rule ? Deployed(ruleId, rule) : Result<DeployedRule?>.None : read.Error;
    }

    /// <summary>Every rule in the space tagged <see cref="ElasticNaming.Tag"/> whose rule_id and marker say it is ours.</summary>
    public override Task<Result<IReadOnlyList<DeployedRule>>> ListAsync(ElasticConnection connection, CancellationToken cancellationToken) =>
        CallAsync<IReadOnlyList<DeployedRule>>(connection, async client =>
        {
            var all = await client.FindRulesAsync($"alert.attributes.tags:\"{ElasticNaming.Tag}\"", cancellationToken);
            if (!all.Succeeded)
                return all.Error;
            return all.Value.Where(r => r.OurRuleId is not null).Select(r => Deployed(r.OurRuleId!.Value, r)).ToList();
        });

    /// <summary>The rule's detection rule next to what deploying the content sets: every field of the body CraftedSignal writes.</summary>
    public override Task<Result<DeployedComparison>> CompareAsync(ElasticConnection connection, Guid ruleId, string ruleContent, CancellationToken cancellationToken) =>
        CompareAsync(Compile(connection, ruleId, ruleContent), () => ReadDeployedAsync(connection, ruleId, cancellationToken),
            rule => Deployed(ruleId, rule), (spec, rule) => spec.DifferencesFrom(rule));

    /// <summary>Kibana's <c>/api/status</c>: its version, overall level and the round trip.</summary>
    public override Task<Result<TargetHealth>> HealthAsync(ElasticConnection connection, CancellationToken cancellationToken) =>
        CallAsync<TargetHealth>(connection, async client =>
        {
            var status = await client.GetStatusAsync(cancellationToken);
            return status.Succeeded ? new TargetHealth(TargetName, status.Value.Version, status.Value.Level, status.Value.RoundTrip) : status.Error;
        });

    /// <summary>
    /// Tests the connection step by step and says which step failed: the settings; reaching Kibana (DNS, TCP, TLS,
    /// <c>/api/status</c>); the API key; the space; the privilege to read and manage detection rules there.
    /// </summary>
    public async Task<ElasticConnectionReport> TestConnectionAsync(ElasticConnection connection, CancellationToken cancellationToken)
    {
        var checks = new TargetCheckList();
        if (!checks.Add("settings", connection.Problem(), "The settings are complete."))
            return new ElasticConnectionReport(checks.Checks, checks.FirstFailure, null);

        using var client = NewClient(connection);
        var status = await client.GetStatusAsync(cancellationToken);
        var reached = status.Succeeded || status.Error is not TargetTransportError;
        if (!checks.Add("kibana", reached ? null : status.Error, $"Reached Kibana at {connection.KibanaUrl.Authority}.")
            || !checks.Add("api key", status.Error, $"Kibana {status.Value?.Version} ({status.Value?.Level ?? "status unknown"}) accepts the API key; {status.Value?.RoundTrip.TotalMilliseconds:0} ms."))
            return new ElasticConnectionReport(checks.Checks, checks.FirstFailure, status.Value);

        var space = await client.SpaceExistsAsync(cancellationToken);
        if (checks.Add("space", !space.Succeeded ? space.Error : space.Value ? null : new ElasticSpaceNotFound(connection.Space), $"The space '{connection.Space}' exists."))
        {
            var read = await client.CheckReadPrivilegeAsync(cancellationToken);
            var manage = read.Succeeded ? await client.CheckManagePrivilegeAsync(cancellationToken) : read;
            checks.Add("privilege", manage.Error, $"The key may read and manage detection rules in space '{connection.Space}'.");
        }

        return new ElasticConnectionReport(checks.Checks, checks.FirstFailure, status.Value);
    }

    /// <summary>
    /// Sigma levels to Elastic severities and risk scores, at the top of each severity's range (low 0–21, medium 22–47,
    /// high 48–73, critical 74–100): informational is low at 10, no level is medium.
    /// </summary>
    internal static (string Severity, int RiskScore) Severity(string? level) => level?.Trim().ToLowerInvariant() switch
    {
        "informational" => ("low", 10),
        "low" => ("low", 21),
        "high" => ("high", 73),
        "critical" => ("critical", 99),
        _ => ("medium", 47),
    };

    /// <summary>
    /// <c>threat[]</c> from the rule's ATT&amp;CK tags, names and ids from <see cref="AttackCatalog"/>: each tactic tag is an
    /// entry with the tagged techniques that belong to it; a technique with no tagged tactic goes under its first tactic
    /// in the catalog. <c>attack.t1548.002</c> is technique T1548 with sub-technique T1548.002. Tags the catalog does not
    /// know are left out (every entry needs an id, a name and a reference).
    /// </summary>
    internal static IReadOnlyList<ElasticThreat> Threat(IReadOnlyList<string> tags)
    {
        var catalog = AttackCatalog.Enterprise;
        var tactics = new List<AttackTactic>();
        var techniques = new List<(AttackTechnique Technique, AttackTechnique? Sub)>();
        foreach (var tag in tags)
        {
            if (!tag.StartsWith("attack.", StringComparison.OrdinalIgnoreCase))
                continue;
            var name = tag[7..].ToLowerInvariant();
            if (TechniqueTag().Match(name) is { Success: true } match)
            {
                if (catalog.Find("T" + match.Groups[1].Value) is not { } technique)
                    continue;
                var sub = match.Groups[2].Success ? catalog.Find($"T{match.Groups[1].Value}.{match.Groups[2].Value}") : null;
                if (match.Groups[2].Success && sub is null)
                    continue;
                techniques.Add((technique, sub));
            }
            else if (catalog.FindTactic(name) is { Id: not null } tactic && !tactics.Contains(tactic))
            {
                tactics.Add(tactic);
            }
        }

        foreach (var (technique, _) in techniques)
        {
            if (!technique.Tactics.Any(t => tactics.Any(x => x.ShortName == t)) && technique.Tactics.Count > 0
                && catalog.FindTactic(technique.Tactics[0]) is { Id: not null } first && !tactics.Contains(first))
                tactics.Add(first);
        }

        return [.. tactics.Select(tactic => new ElasticThreat(
            new ElasticThreatReference(tactic.Id!, tactic.Name, $"https://attack.mitre.org/tactics/{tactic.Id}/"),
            [.. techniques.Where(t => t.Technique.Tactics.Contains(tactic.ShortName)).GroupBy(t => t.Technique.Id, StringComparer.OrdinalIgnoreCase)
                .Select(g => new ElasticThreatTechnique(g.First().Technique.Id, g.First().Technique.Name, $"https://attack.mitre.org/techniques/{g.First().Technique.Id}/",
                    [.. g.Select(t => t.Sub).OfType<AttackTechnique>().DistinctBy(s => s.Id).Select(s =>
                        new ElasticThreatReference(s.Id, s.Name, $"https://attack.mitre.org/techniques/{s.Id.Replace('.', '/')}/"))]))]))];
    }

    protected override Result<string> CompileQuery(ElasticConnection connection, Guid ruleId, string ruleContent)
    {
        var spec = Compile(connection, ruleId, ruleContent);
        return spec.Succeeded ? spec.Value.Query : spec.Error;
    }

    protected override async Task<Result<string>> DeployQueryAsync(ElasticConnection connection, Guid ruleId, string ruleContent, CancellationToken cancellationToken)
    {
        var deployed = await DeployAsync(connection, ruleId, ruleContent, cancellationToken);
        return deployed.Succeeded ? deployed.Value.Query : deployed.Error;
    }

    /// <summary>A detection rule as the common shape; its <c>revision</c> is its change marker, its last execution its health.</summary>
    private static DeployedRule Deployed(Guid ruleId, ElasticRule rule) =>
        new(ruleId, rule.RuleId, rule.Name, rule.Query, rule.Enabled, rule.Revision?.ToString(CultureInfo.InvariantCulture), rule.UpdatedAt,
            rule.LastExecution is { } last ? new RuleExecution(last.Date, last.Status, last.Message) : null);

    protected override ElasticClient NewClient(ElasticConnection connection) => ElasticClient.Create(connection, logger, time).Value!;

    [GeneratedRegex(@"^from \* ", RegexOptions.CultureInvariant)]
    private static partial Regex EsqlFromAll();

    [GeneratedRegex(@"^t(\d{4})(?:\.(\d{3}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex TechniqueTag();
}
