using CraftedSignal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Jobs;

/// <summary>Records work as a Queued row first, then enqueues it by id.</summary>
public sealed class WorkScheduler(IDbContextFactory<AppDbContext> dbFactory, IWorkQueue queue, TimeProvider time)
{
    /// <summary>Schedules work unless the same kind is already queued or running for the same company.</summary>
    public async Task<Guid> ScheduleOnceAsync(string kind, Guid? companyId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var existing = await db.WorkItems.IgnoreQueryFilters()
            .Where(w => w.Kind == kind && w.CompanyId == companyId && (w.Status == WorkStatus.Queued || w.Status == WorkStatus.Running))
            .Select(w => (Guid?)w.Id)
            .FirstOrDefaultAsync(cancellationToken);
        if (existing is { } id)
            return id;

        var item = new WorkItem
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            Kind = kind,
            CompanyId = companyId,
            Status = WorkStatus.Queued,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.WorkItems.Add(item);
        await db.SaveChangesAsync(cancellationToken);
        queue.Enqueue(item.Id);
        return item.Id;
    }

    /// <summary>
    /// Enqueues again every row a stopped process left Queued or Running. Called once on start. Rows left Running are
    /// Queued again first: nothing runs them any more, and counted as Running they would hold their company's slots.
    /// </summary>
    public async Task<int> ResumeUnfinishedAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.WorkItems.IgnoreQueryFilters().Where(w => w.Status == WorkStatus.Running)
            .ExecuteUpdateAsync(s => s.SetProperty(w => w.Status, WorkStatus.Queued), cancellationToken);
        var unfinished = await db.WorkItems.IgnoreQueryFilters()
            .Where(w => w.Status == WorkStatus.Queued || w.Status == WorkStatus.Running)
            .OrderBy(w => w.CreatedAt)
            .Select(w => w.Id)
            .ToListAsync(cancellationToken);
        foreach (var id in unfinished)
            queue.Enqueue(id);
        return unfinished.Count;
    }
}
