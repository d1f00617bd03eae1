using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Domain.Jobs;

/// <summary>
/// Runs one work item by id: marks it Running, calls its handler, records the outcome. The handler runs as the item's
/// company (its scope's <see cref="CurrentTenant"/>), so the tenant filters keep it to that company's rows: a job cannot
/// touch another company's data by mistake. Instance-wide maintenance has no company and says so with IgnoreQueryFilters.
/// </summary>
public sealed class WorkRunner(
    IDbContextFactory<AppDbContext> dbFactory,
    IEnumerable<IWorkHandler> handlers,
    CurrentTenant tenant,
    TimeProvider time,
    WorkNotifier notifier,
    ILogger<WorkRunner> logger)
{
    public const int MaxAttempts = 5;

    public async Task RunAsync(Guid workItemId, CancellationToken cancellationToken)
    {
        WorkItem? item;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            item = await db.WorkItems.IgnoreQueryFilters().FirstOrDefaultAsync(w => w.Id == workItemId, cancellationToken);
            if (item is null || item.Status is WorkStatus.Succeeded or WorkStatus.Failed)
                return;

            item.Status = WorkStatus.Running;
            item.Attempts++;
            item.StartedAt = time.GetUtcNow().UtcDateTime;
            if (item.Attempts > MaxAttempts)
            {
                item.Status = WorkStatus.Failed;
                item.Error = $"Gave up after {MaxAttempts} attempts.";
                item.FinishedAt = item.StartedAt;
            }

            await db.SaveChangesAsync(cancellationToken);
            notifier.Publish(new WorkUpdate(item.Id, item.CompanyId, item.Kind, item.Status));
            if (item.Status == WorkStatus.Failed)
                return;
        }

        tenant.Set(item.CompanyId, null, $"background work ({item.Kind})", null, null);
        var handler = handlers.FirstOrDefault(h => h.Kind == item.Kind);
        string? summary = null;
        string? error = null;
        if (handler is null)
        {
            error = $"No handler is registered for work of kind '{item.Kind}'.";
        }
        else
        {
            try
            {
                summary = await handler.ExecuteAsync(item, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Work item {WorkItemId} of kind {Kind} failed", item.Id, item.Kind);
                error = ex.Message;
            }
        }

        await using var done = await dbFactory.CreateDbContextAsync(CancellationToken.None);
        var row = await done.WorkItems.IgnoreQueryFilters().FirstAsync(w => w.Id == workItemId, CancellationToken.None);
        row.Status = error is null ? WorkStatus.Succeeded : WorkStatus.Failed;
        row.Summary = Truncate(summary);
        row.Error = Truncate(error);
        row.FinishedAt = time.GetUtcNow().UtcDateTime;
        await done.SaveChangesAsync(CancellationToken.None);
        notifier.Publish(new WorkUpdate(row.Id, row.CompanyId, row.Kind, row.Status));
    }

    private static string? Truncate(string? text) => text is { Length: > 2000 } ? text[..2000] : text;
}
