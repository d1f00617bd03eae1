using CraftedSignal.Domain.Tenancy;

namespace CraftedSignal.Domain.Sandbox;

/// <summary>One sample event uploaded to a Sandbox target, as its JSON text; <see cref="Index"/> is its place in the target's events.</summary>
public sealed class SandboxEvent : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public Guid TargetId { get; set; }

    /// <summary>0-based, in upload order; an append continues where the stored events end.</summary>
    public int Index { get; set; }

    public required string Json { get; set; }

    /// <summary>Its UTF-8 size, so the target's total is known without reading every event.</summary>
    public int Bytes { get; set; }
}

/// <summary>
/// A rule deployed to a Sandbox target matched one of its events. The event's JSON is copied, so an alert still shows
/// what it matched after the events are replaced (a replacement runs the rules again and replaces the alerts).
/// </summary>
public sealed class SandboxAlert : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public Guid TargetId { get; set; }

    public Guid RuleId { get; set; }

    public int RuleVersion { get; set; }

    public int EventIndex { get; set; }

    public required string EventJson { get; set; }

    /// <summary>The rule's selections that held for the event, comma-separated (the engine evaluates each on its own).</summary>
    public required string Selections { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>The run that raised it.</summary>
    public Guid RunId { get; set; }
}

public enum SandboxRunStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// <summary>
/// One pass of a Sandbox target's rules over its events (its id is its work item's): after an upload every Live rule,
/// after a deployment or removal just that rule. It replaces the alerts of the rules it covers.
/// </summary>
public sealed class SandboxRun : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public Guid TargetId { get; set; }

    /// <summary>The one rule the run is for, or null for all of the target's rules.</summary>
    public Guid? RuleId { get; set; }

    public SandboxRunStatus Status { get; set; }

    public required string RequestedBy { get; set; }

    public int Rules { get; set; }

    public int Events { get; set; }

    public int Alerts { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    /// <summary>Why it failed, or where a rule's evaluation stopped (the time budget).</summary>
    public string? Error { get; set; }
}
