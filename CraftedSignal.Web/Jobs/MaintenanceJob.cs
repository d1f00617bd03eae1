using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Maintenance;

namespace CraftedSignal.Web.Jobs;

/// <summary>The recurring trigger for clean-up: it only records the work, which then runs as a durable work item.</summary>
public sealed class MaintenanceJob(WorkScheduler scheduler)
{
    public Task ScheduleCleanupAsync(CancellationToken cancellationToken) =>
        scheduler.ScheduleOnceAsync(CleanupWork.WorkKind, companyId: null, cancellationToken);
}
