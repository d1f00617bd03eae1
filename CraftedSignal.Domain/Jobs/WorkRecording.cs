using CraftedSignal.Domain.Persistence;

namespace CraftedSignal.Domain.Jobs;

/// <summary>
/// The one way to record background work: the row is added to the caller's own context, so it commits (or not) with the
/// change that asks for it; the caller enqueues the id after the commit. A crash in between loses nothing: rows left
/// Queued are enqueued again on start.
/// </summary>
internal static class WorkRecording
{
    public static Guid AddWork(this AppDbContext db, string kind, Guid? companyId, DateTime now) =>
        db.AddWork(kind, companyId, now, Guid.CreateVersion7(new DateTimeOffset(now, TimeSpan.Zero)));

    /// <summary>Records work under an id chosen before, for an operation whose row exists already and waited its turn.</summary>
    public static Guid AddWork(this AppDbContext db, string kind, Guid? companyId, DateTime now, Guid id)
    {
        db.WorkItems.Add(new WorkItem { Id = id, CompanyId = companyId, Kind = kind, Status = WorkStatus.Queued, CreatedAt = now });
        return id;
    }

    /// <summary>Hands the work recorded in a committed change to the job system.</summary>
    public static void EnqueueAll(this IWorkQueue queue, IEnumerable<Guid> workItemIds)
    {
        foreach (var id in workItemIds)
            queue.Enqueue(id);
    }
}
