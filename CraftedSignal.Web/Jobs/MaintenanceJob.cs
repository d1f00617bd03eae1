using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Maintenance;

namespace CraftedSignal.Web.Jobs;

/// <summary>The recurring triggers of maintenance (clean-up, audit verification): they only record the work, which then runs as a durable work item.</summary>
public sealed class MaintenanceJob(WorkScheduler scheduler)
{
    public Task ScheduleCleanupAsync(CancellationToken cancellationToken) =>
        scheduler.ScheduleOnceAsync(CleanupWork.WorkKind, companyId: null, cancellationToken);

    public Task ScheduleAuditVerificationAsync(CancellationToken cancellationToken) =>
        scheduler.ScheduleOnceAsync(AuditVerificationWork.WorkKind, companyId: null, cancellationToken);
}
