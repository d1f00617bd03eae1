using System.Text.Json;
using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Targets;

/// <summary>The last run of a deployed rule, as the target reports it.</summary>
public sealed record RuleExecution(DateTimeOffset? At, string? Status, string? Message);

/// <summary>
/// A rule CraftedSignal deployed, read back from the target as it holds it now: what drift compares with what was
/// deployed. <see cref="NativeId"/> is the target's own name for it; <see cref="ChangeMarker"/> is the target's cheap
/// "has it changed" value (Splunk's <c>updated</c>, Sentinel's <c>etag</c>, Elastic's <c>revision</c>), null where the
/// target keeps none.
/// </summary>
public sealed record DeployedRule(
    Guid RuleId,
    string NativeId,
    string? Name,
    string? Query,
    bool? Enabled,
    string? ChangeMarker,
    DateTimeOffset? ModifiedAt,
    RuleExecution? LastExecution = null);

/// <summary>One setting of a deployed rule whose value on the target is not the one its deployment set.</summary>
public sealed record FieldDifference(string Field, string? Expected, string? Actual);

/// <summary>
/// What the target holds for a rule next to what deploying a version sets: <see cref="Deployed"/> is null when the rule is
/// not there (deleted on the target); otherwise <see cref="Differences"/> lists the settings changed there (none: as deployed).
/// </summary>
public sealed record DeployedComparison(DeployedRule? Deployed, IReadOnlyList<FieldDifference> Differences)
{
    public bool Missing => Deployed is null;

    public bool AsDeployed => Deployed is not null && Differences.Count == 0;
}

/// <summary>How a target answers: the service, its version and status where it says them, and the round trip.</summary>
public sealed record TargetHealth(string Service, string? Version, string? Status, TimeSpan RoundTrip);

/// <summary>A live test: the query run over the test events just sent to the target, and the rows it returned.</summary>
public sealed record LiveTestResult(string Query, int EventsSent, IReadOnlyList<IReadOnlyDictionary<string, string>> Rows, bool Truncated);

/// <summary>Live tests send events to a target; this one cannot take them (yet).</summary>
public sealed record LiveTestsUnsupported(string Target, string Reason)
    : TargetError($"{Target} cannot run live tests: {Reason}", ErrorKind.Invalid, false);

internal static class LiveTests
{
    /// <summary>The largest number of events one live test sends.</summary>
    public const int MaxEvents = 1_000;

    public static Invalid? Problem(IReadOnlyList<JsonElement> events) => events.Count switch
    {
        0 => new Invalid("events", "A live test needs at least one event."),
        > MaxEvents => new Invalid("events", $"A live test sends at most {MaxEvents:N0} events; {events.Count:N0} were given."),
        _ => null,
    };
}
