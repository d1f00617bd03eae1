using CraftedSignal.Domain.Jobs;
using Hangfire;

namespace CraftedSignal.Web.Jobs;

/// <summary>The one Hangfire job that runs a recorded <see cref="WorkItem"/> by id.</summary>
public sealed class WorkItemJob(WorkRunner runner)
{
    // The row is the source of truth: failures are recorded on it, and restarts resume it, so Hangfire must not retry.
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(Guid workItemId, CancellationToken cancellationToken) => runner.RunAsync(workItemId, cancellationToken);
}

/// <summary>Hands work items to Hangfire.</summary>
internal sealed class HangfireWorkQueue(IBackgroundJobClient jobs) : IWorkQueue
{
    public void Enqueue(Guid workItemId) => jobs.Enqueue<WorkItemJob>(job => job.RunAsync(workItemId, CancellationToken.None));

    public void Defer(Guid workItemId, TimeSpan delay) => jobs.Schedule<WorkItemJob>(job => job.RunAsync(workItemId, CancellationToken.None), delay);
}
