using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;

namespace CraftedSignal.Domain.Jobs;

/// <summary>Hands a recorded <see cref="WorkItem"/> to the background job system (Hangfire in the web host).</summary>
public interface IWorkQueue
{
    void Enqueue(Guid workItemId);

    /// <summary>Hands the item over again after <paramref name="delay"/>: its company already runs as much as it may.</summary>
    void Defer(Guid workItemId, TimeSpan delay);
}

/// <summary>
/// Does one kind of background work. Must be safe to run twice for the same item. Work that carries an operation with a
/// row of its own (a test run, a deployment) keeps that operation's status on the row, and the runner commits every end of
/// it together with the work item's: whatever the handler leaves unsaved in the context it is given is saved in the same
/// transaction as the item's outcome, so the two can never disagree.
/// </summary>
public interface IWorkHandler
{
    string Kind { get; }

    /// <summary>
    /// Does the work in <paramref name="db"/> (the runner's context, running as the item's company) and returns a one-line
    /// summary for the row, or an error: then nothing left unsaved is kept, and <see cref="FailAsync"/> records the failure.
    /// </summary>
    Task<Result<string>> ExecuteAsync(WorkItem item, AppDbContext db, CancellationToken cancellationToken);

    /// <summary>
    /// Records on the operation's own row that it failed: the handler answered with an error or threw, or the runner gave
    /// up after <see cref="WorkRunner.MaxAttempts"/>. Left unsaved; it commits with the item's failure.
    /// </summary>
    Task FailAsync(WorkItem item, AppDbContext db, string error, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Records on the operation's own row that this attempt failed with a <see cref="TransientFailure"/> and the item waits
    /// for another: it is Queued again. Left unsaved; it commits with the item's return to the queue.
    /// </summary>
    Task RetryLaterAsync(WorkItem item, AppDbContext db, string error, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// An attempt that failed for a reason a later attempt may not meet (a timeout, throttling, a lost connection, a 5xx):
/// the runner queues the item again after a back-off instead of failing it, until <see cref="WorkRunner.MaxAttempts"/>.
/// </summary>
public sealed record TransientFailure(Error Cause) : Error(Cause.Message, Cause.Kind)
{
    /// <summary>How long the target asked to be left alone (its Retry-After), when longer than the runner's own back-off.</summary>
    public TimeSpan? After { get; init; }
}
