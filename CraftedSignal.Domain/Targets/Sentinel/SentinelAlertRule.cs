using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;

namespace CraftedSignal.Domain.Targets.Sentinel;

/// <summary>An alert rule as ARM returns it: its name (the rule id in the path), kind, etag and <c>properties</c>.</summary>
public sealed record SentinelAlertRule(string Name, string? Id, string? Kind, string? Etag, JsonElement Properties)
{
    public string? DisplayName => Field("displayName");

    public string? Description => Field("description");

    public string? Severity => Field("severity");

    public bool? Enabled => Properties.ValueKind == JsonValueKind.Object && Properties.TryGetProperty("enabled", out var e) && e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : null;

    public string? Query => Field("query");

    public string? QueryFrequency => Field("queryFrequency");

    public string? QueryPeriod => Field("queryPeriod");

    /// <summary>When the rule was last changed, by anyone (read-only, set by Sentinel).</summary>
    public DateTimeOffset? LastModifiedUtc =>
        DateTimeOffset.TryParse(Field("lastModifiedUtc"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at : null;

    /// <summary>
    /// The rule this alert rule deploys, when it is one of ours: its name is a rule id and its description carries the
    /// marker for that same id (a copy made in Sentinel keeps the marker but gets another name, and is not ours).
    /// </summary>
    public Guid? RuleId => SentinelNaming.RuleIdOf(Name) is { } id && TargetMarker.RuleIdOf(Description) == id ? id : null;

    /// <summary>A property as text (arrays joined with commas); <c>a.b</c> reads a nested one.</summary>
    public string? Field(string path) => SentinelValues.Text(Properties, path);
}

/// <summary>
/// What CraftedSignal writes to a Scheduled alert rule: the properties it owns. A write starts from the rule as read, so
/// whatever else someone added in Sentinel (entity mappings, custom details, grouping) is kept.
/// </summary>
public sealed record SentinelAlertRuleSpec
{
    public const string Kind = "Scheduled";

    /// <summary>The rule id in the ARM path (<see cref="SentinelNaming.NameFor"/>).</summary>
    public required string Name { get; init; }

    public required string DisplayName { get; init; }

    public required string Description { get; init; }

    /// <summary>High, Medium, Low or Informational (AlertTypes.json).</summary>
    public required string Severity { get; init; }

    public required string Query { get; init; }

    public bool Enabled { get; init; } = true;

    public TimeSpan QueryFrequency { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan QueryPeriod { get; init; } = TimeSpan.FromMinutes(5);

    public string TriggerOperator { get; init; } = "GreaterThan";

    public int TriggerThreshold { get; init; }

    public bool SuppressionEnabled { get; init; }

    /// <summary>Required by the API even when suppression is off; Sentinel's own default.</summary>
    public TimeSpan SuppressionDuration { get; init; } = TimeSpan.FromHours(5);

    /// <summary>ATT&amp;CK tactics, spelled as the AttackTactic enum (e.g. <c>DefenseEvasion</c>).</summary>
    public IReadOnlyList<string> Tactics { get; init; } = [];

    /// <summary>ATT&amp;CK technique ids, <c>Txxxx</c> only.</summary>
    public IReadOnlyList<string> Techniques { get; init; } = [];

    public bool CreateIncident { get; init; } = true;

    /// <summary>The owned properties, as the API spells them.</summary>
    public JsonObject OwnedProperties() => new()
    {
        ["displayName"] = DisplayName,
        ["description"] = Description,
        ["severity"] = Severity,
        ["enabled"] = Enabled,
        ["query"] = Query,
        ["queryFrequency"] = XmlConvert.ToString(QueryFrequency),
        ["queryPeriod"] = XmlConvert.ToString(QueryPeriod),
        ["triggerOperator"] = TriggerOperator,
        ["triggerThreshold"] = TriggerThreshold,
        ["suppressionEnabled"] = SuppressionEnabled,
        ["suppressionDuration"] = XmlConvert.ToString(SuppressionDuration),
        ["tactics"] = new JsonArray([.. Tactics.Select(t => (JsonNode)t)]),
        ["techniques"] = new JsonArray([.. Techniques.Select(t => (JsonNode)t)]),
        ["incidentConfiguration"] = new JsonObject { ["createIncident"] = CreateIncident },
    };

    /// <summary>
    /// The PUT body: <c>kind</c>, the <c>etag</c> of <paramref name="existing"/> (so a change made in Sentinel since the
    /// read makes ARM answer 409 instead of being overwritten unseen), and its properties with the owned ones replaced.
    /// </summary>
    public byte[] Body(SentinelAlertRule? existing)
    {
        var properties = new JsonObject();
        if (existing is { Kind: Kind } && existing.Properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in existing.Properties.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.Null && !SentinelValues.ReadOnly.Contains(property.Name))
                    properties[property.Name] = JsonNode.Parse(property.Value.GetRawText());
            }
        }

        foreach (var (key, value) in OwnedProperties())
            properties[key] = value?.DeepClone();
        var body = new JsonObject { ["kind"] = Kind };
        if (existing?.Etag is { } etag)
            body["etag"] = etag;
        body["properties"] = properties;
        return JsonSerializer.SerializeToUtf8Bytes(body);
    }

    /// <summary>The owned properties of <paramref name="deployed"/> that differ from this spec (durations by value, tactics and techniques as sets).</summary>
    public IReadOnlyList<FieldDifference> DifferencesFrom(SentinelAlertRule deployed)
    {
        var expected = JsonSerializer.SerializeToElement(OwnedProperties());
        return OwnedFieldPaths
            .Select(path => (Path: path, Expected: SentinelValues.Text(expected, path), Actual: deployed.Field(path)))
            .Where(f => !SentinelValues.Same(f.Path, f.Expected, f.Actual))
            .Select(f => new FieldDifference(f.Path, f.Expected, f.Actual))
            .ToList();
    }

    private static readonly string[] OwnedFieldPaths =
    [
        "displayName", "description", "severity", "enabled", "query", "queryFrequency", "queryPeriod", "triggerOperator",
        "triggerThreshold", "suppressionEnabled", "suppressionDuration", "tactics", "techniques", "incidentConfiguration.createIncident",
    ];
}

/// <summary>How CraftedSignal names the alert rules it owns: the ARM rule id is the CraftedSignal rule id.</summary>
public static class SentinelNaming
{
    /// <summary>
    /// The ARM rule id of a rule: its id, as a lower-case GUID (the shape Sentinel gives its own rules), so a new title
    /// or version updates the same alert rule and a retried deployment cannot make a second one.
    /// </summary>
    public static string NameFor(Guid ruleId) => ruleId.ToString("D");

    public static Guid? RuleIdOf(string name) => Guid.TryParseExact(name, "D", out var id) ? id : null;
}

internal static class SentinelValues
{
    /// <summary>Properties ARM sets itself; a write leaves them out.</summary>
    public static readonly HashSet<string> ReadOnly = new(StringComparer.Ordinal) { "lastModifiedUtc" };

    private static readonly HashSet<string> Durations = new(StringComparer.Ordinal) { "queryFrequency", "queryPeriod", "suppressionDuration" };

    private static readonly HashSet<string> Sets = new(StringComparer.Ordinal) { "tactics", "techniques" };

    public static string? Text(JsonElement element, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element))
                return null;
        }

        return Flatten(element);
    }

    public static bool Same(string path, string? expected, string? actual)
    {
        if (expected is null || actual is null)
            return expected == actual;
        if (Durations.Contains(path))
            return Duration(expected) is { } e && Duration(actual) is { } a ? e == a : string.Equals(expected, actual, StringComparison.Ordinal);
        if (Sets.Contains(path))
            return Split(expected).SetEquals(Split(actual));
        return string.Equals(expected, actual, StringComparison.Ordinal);
    }

    private static HashSet<string> Split(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    private static TimeSpan? Duration(string text)
    {
        try
        {
            return XmlConvert.ToTimeSpan(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string? Flatten(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.Array => string.Join(',', value.EnumerateArray().Select(Flatten)),
        _ => value.GetRawText(),
    };
}
