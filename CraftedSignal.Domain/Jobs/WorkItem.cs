namespace CraftedSignal.Domain.Jobs;

/// <summary>
/// Durable background work: written with status Queued before the job is enqueued, so a restart
/// loses nothing (rows left Queued or Running are enqueued again on start).
/// </summary>
public sealed class WorkItem
{
    public Guid Id { get; set; }

    /// <summary>The company the work is for, or null for instance-wide maintenance.</summary>
    public Guid? CompanyId { get; set; }

    public required string Kind { get; set; }

    public WorkStatus Status { get; set; }

    public int Attempts { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? StartedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    public string? Summary { get; set; }

    public string? Error { get; set; }
}

public enum WorkStatus
{
    Queued = 0,
    Running = 1,
    Succeeded = 2,
    Failed = 3,
}
