using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Domain.Jobs;

/// <summary>
/// Runs one work item by id: marks it Running, calls its handler, records the outcome. The handler runs as the item's
/// company (its scope's <see cref="CurrentTenant"/>), so the tenant filters keep it to that company's rows: a job cannot
/// touch another company's data by mistake. Instance-wide maintenance has no company and says so with IgnoreQueryFilters.
/// The outcome commits in one transaction with what the handler left unsaved (its operation's own status and audit entry);
/// a failure, a throw or giving up after <see cref="MaxAttempts"/> is recorded on the operation by the handler's
/// <see cref="IWorkHandler.FailAsync"/> in the same way.
/// A <see cref="TransientFailure"/> before the last attempt puts the item back in the queue (Queued, the attempt counted)
/// after a back-off of <see cref="RetryDelay"/>, and the handler's <see cref="IWorkHandler.RetryLaterAsync"/> says so on its row.
/// Companies share the workers: a company that already has <see cref="WorkOptions.PerCompanyLimit"/> items Running gets
/// its next one deferred (still Queued, no attempt spent), so its long runs cannot hold every worker.
/// </summary>
public sealed class WorkRunner(
    IDbContextFactory<AppDbContext> dbFactory,
    IEnumerable<IWorkHandler> handlers,
    CurrentTenant tenant,
    TimeProvider time,
    WorkNotifier notifier,
    IWorkQueue queue,
    IOptions<WorkOptions> options,
    ILogger<WorkRunner> logger)
{
    public const int MaxAttempts = 5;

    public async Task RunAsync(Guid workItemId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var item = await db.WorkItems.IgnoreQueryFilters().FirstOrDefaultAsync(w => w.Id == workItemId, cancellationToken);
        if (item is null || item.Status is WorkStatus.Succeeded or WorkStatus.Failed)
            return;
        if (item.CompanyId is { } companyId && !await TryTakeCompanySlotAsync(db, item.Id, companyId, cancellationToken))
        {
            // Waiting its company's turn is not an attempt: the item stays Queued and the worker moves on to other work.
            logger.LogDebug("Work item {WorkItemId} deferred: its company already runs {Limit} items", item.Id, options.Value.PerCompanyLimit);
            queue.Defer(item.Id, TimeSpan.FromSeconds(options.Value.DeferSeconds));
            return;
        }

        tenant.Set(item.CompanyId, null, $"background work ({item.Kind})", null, null);
        var handler = handlers.FirstOrDefault(h => h.Kind == item.Kind);
        item.Status = WorkStatus.Running;
        item.Attempts++;
        item.StartedAt = time.GetUtcNow().UtcDateTime;
        if (item.Attempts > MaxAttempts)
        {
            await FinishAsync(db, item, handler, new WorkNotDone($"Gave up after {MaxAttempts} attempts."));
            return;
        }

        await db.SaveChangesAsync(cancellationToken);
        notifier.Publish(new WorkUpdate(item.Id, item.CompanyId, item.Kind, item.Status));

        Result<string> outcome;
        if (handler is null)
        {
            outcome = new WorkNotDone($"No handler is registered for work of kind '{item.Kind}'.");
        }
        else
        {
            try
            {
                outcome = await handler.ExecuteAsync(item, db, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Work item {WorkItemId} of kind {Kind} failed", item.Id, item.Kind);
                outcome = new WorkNotDone(ex.Message);
            }
        }

        if (outcome.Error is TransientFailure transient && handler is not null && item.Attempts < MaxAttempts)
        {
            await RetryLaterAsync(db, item, handler, transient);
            return;
        }

        await FinishAsync(db, item, handler, outcome.Error is TransientFailure last ? last.Cause : outcome);
    }

    /// <summary>How long an item waits after its <paramref name="attempt"/>-th attempt failed transiently: 30 s, doubling, at most 15 min.</summary>
    public static TimeSpan RetryDelay(int attempt) => TimeSpan.FromSeconds(Math.Min(30 * Math.Pow(2, Math.Max(0, attempt - 1)), 15 * 60));

    private async Task RetryLaterAsync(AppDbContext db, WorkItem item, IWorkHandler handler, TransientFailure failure)
    {
        // As after a failure, nothing the attempt left unsaved is kept.
        db.ChangeTracker.Clear();
        var (attempts, startedAt) = (item.Attempts, item.StartedAt);
        item = await db.WorkItems.IgnoreQueryFilters().FirstAsync(w => w.Id == item.Id, CancellationToken.None);
        var delay = RetryDelay(attempts);
        (item.Attempts, item.StartedAt, item.Status) = (attempts, startedAt, WorkStatus.Queued);
        item.Error = Truncate($"Attempt {attempts} of {MaxAttempts} failed; trying again in {delay.TotalSeconds:0} s: {failure.Message}");
        await handler.RetryLaterAsync(item, db, failure.Message, CancellationToken.None);
        await db.SaveChangesAsync(CancellationToken.None);
        notifier.Publish(new WorkUpdate(item.Id, item.CompanyId, item.Kind, item.Status));
        queue.Defer(item.Id, delay);
        logger.LogWarning("Work item {WorkItemId} of kind {Kind} failed transiently (attempt {Attempt} of {MaxAttempts}); trying again in {Delay}",
            item.Id, item.Kind, attempts, MaxAttempts, delay);
    }

    /// <summary>
    /// Marks the item Running if its company has fewer than its limit Running, in one statement, so that two workers
    /// cannot both take a company's last slot.
    /// </summary>
    private async Task<bool> TryTakeCompanySlotAsync(AppDbContext db, Guid id, Guid companyId, CancellationToken cancellationToken)
    {
        var limit = options.Value.PerCompanyLimit;
        var taken = await db.WorkItems.IgnoreQueryFilters()
            .Where(w => w.Id == id
                && db.WorkItems.IgnoreQueryFilters().Count(o => o.CompanyId == companyId && o.Status == WorkStatus.Running && o.Id != id) < limit)
            .ExecuteUpdateAsync(s => s.SetProperty(w => w.Status, WorkStatus.Running), cancellationToken);
        return taken == 1;
    }

    private async Task FinishAsync(AppDbContext db, WorkItem item, IWorkHandler? handler, Result<string> outcome)
    {
        if (!outcome.Succeeded)
        {
            // Nothing a failed attempt left unsaved is kept: the failure is recorded on a clean slate.
            db.ChangeTracker.Clear();
            var (attempts, startedAt) = (item.Attempts, item.StartedAt);
            item = await db.WorkItems.IgnoreQueryFilters().FirstAsync(w => w.Id == item.Id, CancellationToken.None);
            (item.Attempts, item.StartedAt) = (attempts, startedAt);
            if (handler is not null)
                await handler.FailAsync(item, db, outcome.Error.Message, CancellationToken.None);
        }

        item.Status = outcome.Succeeded ? WorkStatus.Succeeded : WorkStatus.Failed;
        item.Summary = Truncate(outcome.Value);
        item.Error = Truncate(outcome.Error?.Message);
        item.FinishedAt = time.GetUtcNow().UtcDateTime;

        // Work the handler recorded (a deployment's follow-up) commits with this outcome and is enqueued after it.
        var recorded = db.ChangeTracker.Entries<WorkItem>().Where(e => e.State == EntityState.Added).Select(e => e.Entity.Id).ToList();
        await db.SaveChangesAsync(CancellationToken.None);
        notifier.Publish(new WorkUpdate(item.Id, item.CompanyId, item.Kind, item.Status));
        queue.EnqueueAll(recorded);
    }

    private static string? Truncate(string? text) => text is { Length: > 2000 } ? text[..2000] : text;
}

/// <summary>Work that was not carried out: no handler, an unexpected exception, or too many attempts.</summary>
public sealed record WorkNotDone(string Message) : Error(Message, ErrorKind.Conflict);
