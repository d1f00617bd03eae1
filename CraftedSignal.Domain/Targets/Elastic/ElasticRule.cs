using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CraftedSignal.Domain.Targets.Elastic;

/// <summary>The <c>rule_id</c> of a CraftedSignal rule in Kibana: ours, derived from our rule id, so an update never creates a second rule.</summary>
public static partial class ElasticNaming
{
    public const string Prefix = "craftedsignal-";

    /// <summary>The tag every rule CraftedSignal deploys carries; <c>_find</c> filters on it.</summary>
    public const string Tag = "CraftedSignal";

    public static string RuleIdFor(Guid ruleId) => Prefix + ruleId.ToString("D");

    public static Guid? RuleIdOf(string? kibanaRuleId) =>
        kibanaRuleId is not null && RuleIdPattern().Match(kibanaRuleId) is { Success: true } match ? Guid.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    [GeneratedRegex("^craftedsignal-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", RegexOptions.CultureInvariant)]
    private static partial Regex RuleIdPattern();
}

/// <summary>An ATT&amp;CK tactic, technique or sub-technique as <c>threat[]</c> holds it (all three fields required).</summary>
public sealed record ElasticThreatReference(string Id, string Name, string Reference);

public sealed record ElasticThreatTechnique(string Id, string Name, string Reference, IReadOnlyList<ElasticThreatReference> Subtechniques);

/// <summary>One <c>threat[]</c> entry: the MITRE ATT&amp;CK framework, a tactic, its techniques.</summary>
public sealed record ElasticThreat(ElasticThreatReference Tactic, IReadOnlyList<ElasticThreatTechnique> Techniques);

/// <summary>What CraftedSignal writes to Kibana for one rule: the whole body of the create (POST) or full update (PUT).</summary>
public sealed record ElasticRuleSpec
{
    public required string RuleId { get; init; }

    public required string Name { get; init; }

    public required string Description { get; init; }

    public required ElasticRuleType Type { get; init; }

    public required string Query { get; init; }

    /// <summary>Null for ES|QL rules, whose query names its indices.</summary>
    public IReadOnlyList<string>? Index { get; init; }

    public required int RiskScore { get; init; }

    public required string Severity { get; init; }

    public required string Interval { get; init; }

    public required string From { get; init; }

    public required bool Enabled { get; init; }

    public required int MaxSignals { get; init; }

    public required IReadOnlyList<string> Tags { get; init; }

    public required IReadOnlyList<ElasticThreat> Threat { get; init; }

    public IReadOnlyList<string> References { get; init; } = [];

    public IReadOnlyList<string> FalsePositives { get; init; } = [];

    /// <summary>The rule type as the API writes it.</summary>
    public string TypeName => Type switch { ElasticRuleType.Eql => "eql", ElasticRuleType.Esql => "esql", _ => "query" };

    /// <summary>The query language: lucene for query rules (the Lucene backend's syntax), else eql or esql.</summary>
    public string Language => Type switch { ElasticRuleType.Eql => "eql", ElasticRuleType.Esql => "esql", _ => "lucene" };

    /// <summary>The JSON body: <c>RuleCreateProps</c> (and, as a full replacement, <c>RuleUpdateProps</c>).</summary>
    public JsonObject Body()
    {
        var body = new JsonObject
        {
            ["rule_id"] = RuleId,
            ["name"] = Name,
            ["description"] = Description,
            ["type"] = TypeName,
            ["language"] = Language,
            ["query"] = Query,
            ["risk_score"] = RiskScore,
            ["severity"] = Severity,
            ["interval"] = Interval,
            ["from"] = From,
            ["to"] = "now",
            ["enabled"] = Enabled,
            ["max_signals"] = MaxSignals,
            ["tags"] = new JsonArray([.. Tags.Select(t => (JsonNode)t)]),
            ["author"] = new JsonArray("CraftedSignal"),
            ["references"] = new JsonArray([.. References.Select(r => (JsonNode)r)]),
            ["false_positives"] = new JsonArray([.. FalsePositives.Select(f => (JsonNode)f)]),
            ["threat"] = new JsonArray([.. Threat.Select(ThreatNode)]),
        };
        if (Index is not null)
            body["index"] = new JsonArray([.. Index.Select(i => (JsonNode)i)]);
        return body;
    }

    /// <summary>
    /// The fields of the body this spec writes whose value on <paramref name="deployed"/> is another (JSON values compared
    /// as values; tags as a set, since Kibana keeps no order promise for them).
    /// </summary>
    public IReadOnlyList<FieldDifference> DifferencesFrom(ElasticRule deployed)
    {
        var actual = deployed.Json.ValueKind == JsonValueKind.Object ? JsonNode.Parse(deployed.Json.GetRawText())!.AsObject() : [];
        var differences = new List<FieldDifference>();
        foreach (var (field, expected) in Body())
        {
            var found = actual[field];
            var same = field == "tags"
                ? Texts(expected).SetEquals(Texts(found))
                : JsonNode.DeepEquals(expected, found);
            if (!same)
                differences.Add(new FieldDifference(field, expected?.ToJsonString(), found?.ToJsonString()));
        }

        return differences;
    }

    private static HashSet<string> Texts(JsonNode? array) =>
        array is JsonArray items ? items.Select(i => i?.ToJsonString() ?? "null").ToHashSet(StringComparer.Ordinal) : [];

    private static JsonNode ThreatNode(ElasticThreat threat) => new JsonObject
    {
        ["framework"] = "MITRE ATT&CK",
        ["tactic"] = Reference(threat.Tactic),
        ["technique"] = new JsonArray([.. threat.Techniques.Select(t => (JsonNode)new JsonObject
        {
            ["id"] = t.Id,
            ["name"] = t.Name,
            ["reference"] = t.Reference,
            ["subtechnique"] = new JsonArray([.. t.Subtechniques.Select(Reference)]),
        })]),
    };

    private static JsonNode Reference(ElasticThreatReference reference) => new JsonObject { ["id"] = reference.Id, ["name"] = reference.Name, ["reference"] = reference.Reference };
}

/// <summary>The last run of a rule as <c>execution_summary.last_execution</c> reports it.</summary>
public sealed record ElasticLastExecution(DateTimeOffset? Date, string? Status, string? Message);

/// <summary>
/// A detection rule as Kibana returned it (<c>RuleResponse</c>): the fields CraftedSignal reads, and the whole body as
/// <see cref="Json"/>. <see cref="OurRuleId"/> is set only when the rule_id is ours and the description's marker names
/// the same rule.
/// </summary>
public sealed record ElasticRule(
    string Id,
    string RuleId,
    string? Name,
    string? Description,
    string? Type,
    string? Language,
    string? Query,
    IReadOnlyList<string> Index,
    bool? Enabled,
    int? Revision,
    DateTimeOffset? UpdatedAt,
    IReadOnlyList<string> Tags,
    ElasticLastExecution? LastExecution,
    JsonElement Json)
{
    public Guid? OurRuleId => ElasticNaming.RuleIdOf(RuleId) is { } id && TargetMarker.RuleIdOf(Description) == id ? id : null;

    /// <summary>Reads a <c>RuleResponse</c>; null when it lacks <c>id</c> or <c>rule_id</c>.</summary>
    internal static ElasticRule? From(JsonElement rule)
    {
        if (rule.ValueKind != JsonValueKind.Object || Text(rule, "id") is not { } id || Text(rule, "rule_id") is not { } ruleId)
            return null;
        ElasticLastExecution? last = null;
        if (rule.TryGetProperty("execution_summary", out var summary) && summary.ValueKind == JsonValueKind.Object
            && summary.TryGetProperty("last_execution", out var execution) && execution.ValueKind == JsonValueKind.Object)
            last = new ElasticLastExecution(Date(execution, "date"), Text(execution, "status"), Text(execution, "message"));
        return new ElasticRule(id, ruleId, Text(rule, "name"), Text(rule, "description"), Text(rule, "type"), Text(rule, "language"), Text(rule, "query"),
            Strings(rule, "index"), rule.TryGetProperty("enabled", out var e) && e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : null,
            rule.TryGetProperty("revision", out var r) && r.TryGetInt32(out var revision) ? revision : null,
            Date(rule, "updated_at"), Strings(rule, "tags"), last, rule.Clone());
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Date(JsonElement element, string property) =>
        Text(element, property) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date) ? date : null;

    private static IReadOnlyList<string> Strings(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Array
            ? [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
            : [];
}
