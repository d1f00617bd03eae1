namespace CraftedSignal.Domain.Jobs;

/// <summary>Hands a recorded <see cref="WorkItem"/> to the background job system (Hangfire in the web host).</summary>
public interface IWorkQueue
{
    void Enqueue(Guid workItemId);
}

/// <summary>Does one kind of background work. Must be safe to run twice for the same item.</summary>
public interface IWorkHandler
{
    string Kind { get; }

    /// <summary>Does the work and returns a one-line summary for the row.</summary>
    Task<string> ExecuteAsync(WorkItem item, CancellationToken cancellationToken);
}
