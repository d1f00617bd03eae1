using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Maintenance;
using Hangfire;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Web.Jobs;

/// <summary>
/// On start: registers every recurring schedule (this is the one place they live) and enqueues again the work
/// a previous process left Queued or Running.
/// </summary>
internal sealed class JobsHostedService(
    IServiceScopeFactory scopes,
    IRecurringJobManager recurring,
    IOptions<MaintenanceOptions> maintenance,
    ILogger<JobsHostedService> logger) : IHostedService
{
    public const string CleanupJobId = "maintenance-cleanup";
    public const string AuditVerificationJobId = "audit-verification";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        recurring.AddOrUpdate<MaintenanceJob>(CleanupJobId, job => job.ScheduleCleanupAsync(CancellationToken.None), maintenance.Value.CleanupSchedule);
        recurring.AddOrUpdate<MaintenanceJob>(AuditVerificationJobId, job => job.ScheduleAuditVerificationAsync(CancellationToken.None), maintenance.Value.AuditVerificationSchedule);

        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<MaintenanceJob>().ScheduleAuditVerificationAsync(cancellationToken);
        var resumed = await scope.ServiceProvider.GetRequiredService<WorkScheduler>().ResumeUnfinishedAsync(cancellationToken);
        if (resumed > 0)
            logger.LogInformation("Resumed {Count} unfinished work items", resumed);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
