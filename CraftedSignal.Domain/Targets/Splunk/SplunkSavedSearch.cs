using System.Globalization;

namespace CraftedSignal.Domain.Targets.Splunk;

/// <summary>A saved search as Splunk holds it: its name, namespace and every <c>content</c> field, as text.</summary>
public sealed record SplunkSavedSearch(string Name, string? App, string? Owner, IReadOnlyDictionary<string, string?> Content, string? Updated = null)
{
    public string? Search => Field("search");

    public string? Description => Field("description");

    public string? CronSchedule => Field("cron_schedule");

    public string? EarliestTime => Field("dispatch.earliest_time");

    public string? LatestTime => Field("dispatch.latest_time");

    public bool IsScheduled => SplunkValues.IsTrue(Field("is_scheduled"));

    public bool Disabled => SplunkValues.IsTrue(Field("disabled"));

    /// <summary>The rule this saved search deploys, when it is one of ours (by name, else by the description's marker).</summary>
    public Guid? RuleId => SplunkNaming.RuleIdOf(Name) ?? SplunkNaming.RuleIdOfMarker(Description);

    public string? Field(string key) => Content.TryGetValue(key, out var value) ? value : null;
}

/// <summary>What CraftedSignal writes to a saved search: the fields it owns. Anything else on the search is left alone.</summary>
public sealed record SplunkSavedSearchSpec
{
    public required string Name { get; init; }

    public required string Search { get; init; }

    public string Description { get; init; } = "";

    public string CronSchedule { get; init; } = "*/5 * * * *";

    public string EarliestTime { get; init; } = "-6m@m";

    public string LatestTime { get; init; } = "-1m@m";

    /// <summary>Alert when the number of events is greater than 0.</summary>
    public string AlertType { get; init; } = "number of events";

    public string AlertComparator { get; init; } = "greater than";

    public string AlertThreshold { get; init; } = "0";

    /// <summary>savedsearches.conf: 1 debug, 2 info, 3 warn, 4 error, 5 severe, 6 fatal.</summary>
    public int AlertSeverity { get; init; } = 3;

    /// <summary>List fired alerts under Activity › Triggered alerts.</summary>
    public bool AlertTrack { get; init; } = true;

    public bool IsScheduled { get; init; } = true;

    public bool Disabled { get; init; }

    /// <summary>The form fields, spelled as the saved/searches endpoint takes them (without <c>name</c>, which only a create sends).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields() =>
    [
        new("search", Search),
        new("description", Description),
        new("cron_schedule", CronSchedule),
        new("is_scheduled", IsScheduled ? "1" : "0"),
        new("disabled", Disabled ? "1" : "0"),
        new("dispatch.earliest_time", EarliestTime),
        new("dispatch.latest_time", LatestTime),
        new("alert_type", AlertType),
        new("alert_comparator", AlertComparator),
        new("alert_threshold", AlertThreshold),
        new("alert.severity", AlertSeverity.ToString(CultureInfo.InvariantCulture)),
        new("alert.track", AlertTrack ? "1" : "0"),
    ];

    /// <summary>The fields of <paramref name="deployed"/> that differ from this spec (booleans and numbers compared by value).</summary>
    public IReadOnlyList<FieldDifference> DifferencesFrom(SplunkSavedSearch deployed) =>
        Fields().Select(f => (f.Key, Expected: f.Value, Actual: deployed.Field(f.Key)))
            .Where(f => !SplunkValues.Same(f.Key, f.Expected, f.Actual))
            .Select(f => new FieldDifference(f.Key, f.Expected, f.Actual))
            .ToList();
}

/// <summary>How CraftedSignal names and marks the saved searches it owns, so drift detection can find them again.</summary>
public static class SplunkNaming
{
    public const string Prefix = "CraftedSignal-";

    /// <summary>The saved search of a rule: derived from the rule id only, so a new title or version never makes a second one.</summary>
    public static string NameFor(Guid ruleId) => Prefix + ruleId.ToString("D");

    public static Guid? RuleIdOf(string name) =>
        name.StartsWith(Prefix, StringComparison.Ordinal) && Guid.TryParseExact(name[Prefix.Length..], "D", out var id) ? id : null;

    /// <summary>The line that ends the description of every saved search CraftedSignal deploys.</summary>
    public static string Marker(Guid ruleId, string contentSha256) => TargetMarker.For(ruleId, contentSha256, "Splunk");

    public static Guid? RuleIdOfMarker(string? description) => TargetMarker.RuleIdOf(description);
}

internal static class SplunkValues
{
    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "is_scheduled", "disabled", "alert.track" };

    /// <summary>splunkd writes booleans as JSON true/false, conf files as 1/0, true/false or yes/no.</summary>
    public static bool IsTrue(string? value) => value?.Trim().ToLowerInvariant() is "1" or "true" or "yes" or "t" or "y";

    public static bool Same(string key, string expected, string? actual)
    {
        if (actual is null)
            return false;
        if (Flags.Contains(key))
            return IsTrue(expected) == IsTrue(actual);
        if (key == "alert.severity" || key == "alert_threshold")
        {
            return double.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out var e)
                && double.TryParse(actual, NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
                ? e.Equals(a)
                : string.Equals(expected, actual, StringComparison.Ordinal);
        }

        return string.Equals(expected, actual, StringComparison.Ordinal);
    }
}
