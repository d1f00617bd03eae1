namespace CraftedSignal.Domain.Jobs;

/// <summary>Configuration section "Jobs": the background workers and how companies share them.</summary>
public sealed class WorkOptions
{
    public const string Section = "Jobs";

    /// <summary>Hangfire workers, shared by every company and by instance-wide maintenance.</summary>
    public int WorkerCount { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>
    /// The most work items one company may have Running at once; unset means one fewer than <see cref="WorkerCount"/> (at
    /// least one), so that one company's long runs always leave a worker to the others.
    /// </summary>
    public int? PerCompanyConcurrency { get; set; }

    /// <summary>How long a company's item waits before it is tried again when the company already runs its limit.</summary>
    public double DeferSeconds { get; set; } = 5;

    public int PerCompanyLimit => PerCompanyConcurrency ?? Math.Max(1, WorkerCount - 1);

    /// <summary>Null when the settings can be used; else what to fix.</summary>
    public string? Problem() =>
        WorkerCount < 1 ? "Jobs:WorkerCount must be at least 1."
        : PerCompanyConcurrency < 1 ? "Jobs:PerCompanyConcurrency must be at least 1."
        : DeferSeconds < 0 ? "Jobs:DeferSeconds cannot be negative."
        : null;
}
