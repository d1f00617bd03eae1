namespace CraftedSignal.Domain.Sandbox;

/// <summary>Configuration section <c>Sandbox</c>: how many sample events a Sandbox target holds. Events live in the database.</summary>
public sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    /// <summary>The most a target's events may take, in bytes of JSON, after an upload (appended or replaced).</summary>
    public long MaxBytesPerTarget { get; set; } = 20 * 1024 * 1024;

    /// <summary>The most events a target may hold.</summary>
    public int MaxEventsPerTarget { get; set; } = 50_000;

    /// <summary>The most one rule's pass over the events may take; the pass then stops there, keeping the alerts it found.</summary>
    public double RuleBudgetSeconds { get; set; } = 30;

    public TimeSpan RuleBudget => TimeSpan.FromSeconds(RuleBudgetSeconds);

    /// <summary>Null when the settings can be used; else what to fix.</summary>
    public string? Problem() =>
        MaxBytesPerTarget < 1 ? "Sandbox:MaxBytesPerTarget must be at least 1."
        : MaxEventsPerTarget < 1 ? "Sandbox:MaxEventsPerTarget must be at least 1."
        : RuleBudgetSeconds <= 0 ? "Sandbox:RuleBudgetSeconds must be above 0."
        : null;
}
