using System.Text;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Domain.Sandbox;

/// <summary>A Sandbox target's events and its latest run, as its page shows them.</summary>
public sealed record SandboxSummary(Guid TargetId, string TargetName, int Events, long Bytes, int MaxEvents, long MaxBytes, int Alerts, SandboxRunView? LatestRun);

public sealed record SandboxRunView(SandboxRunStatus Status, int Rules, int Events, int Alerts, DateTime CreatedAt, DateTime? FinishedAt, string? Error);

/// <summary>Which alerts to list: a target's, a rule's, or both; a page of them, newest first.</summary>
public sealed record AlertQuery(Guid? TargetId = null, Guid? RuleId = null, int Skip = 0, int Take = 50);

public sealed record AlertView(
    Guid Id, Guid TargetId, string TargetName, Guid RuleId, string RuleTitle, string Level, int RuleVersion, int EventIndex, string Selections, string EventJson, DateTime CreatedAt);

public sealed record AlertPage(int Total, IReadOnlyList<AlertView> Items);

/// <summary>
/// Sample events on Sandbox targets and the alerts the rules deployed there raise on them. Everyone sees them; Owners
/// and Admins upload events. An upload is bounded (<see cref="SandboxOptions"/>) and taken whole or not at all: a file
/// that is too big or has a malformed line changes nothing stored.
/// </summary>
public sealed class SandboxService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, TimeProvider time, IWorkQueue queue, IOptions<SandboxOptions> options)
{
    public const int MaxPageSize = 500;

    public SandboxOptions Limits => options.Value;

    /// <summary>Stores the events in <paramref name="file"/> on the target (after its events, or instead of them) and runs its rules over them.</summary>
    public async Task<Result<SandboxSummary>> UploadAsync(Guid targetId, Stream file, bool replace, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Administer, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var target = await SandboxTargetAsync(db, targetId, cancellationToken);
        if (!target.Succeeded)
            return target.Error;

        var limits = options.Value;
        var kept = replace ? (Events: 0, Bytes: 0L) : await StoredAsync(db, targetId, cancellationToken);
        var room = limits.MaxBytesPerTarget - kept.Bytes;
        var bytes = await ReadAtMostAsync(file, room, cancellationToken);
        if (bytes is null)
            return new Invalid("File", $"The file is larger than {Size(room)}: a Sandbox target holds at most {Size(limits.MaxBytesPerTarget)} of events"
                + (kept.Bytes > 0 ? $" and has {Size(kept.Bytes)} already (replace them instead of appending)." : "."));
        var (events, problem) = SandboxEventFile.Split(bytes, limits.MaxEventsPerTarget, kept.Events);
        if (problem is not null)
            return new Invalid("File", problem);

        var now = time.GetUtcNow().UtcDateTime;
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (replace)
                await db.SandboxEvents.Where(e => e.TargetId == targetId).ExecuteDeleteAsync(cancellationToken);
            db.SandboxEvents.AddRange(events.Select((json, i) => new SandboxEvent
            {
                Id = Guid.CreateVersion7(),
                CompanyId = access.Value.CompanyId,
                TargetId = targetId,
                Index = kept.Events + i,
                Json = json,
                Bytes = Encoding.UTF8.GetByteCount(json),
            }));
            var runId = SandboxAlertWork.Record(db, access.Value.CompanyId, targetId, null, tenant.UserName, now);
            db.Audit(tenant.ToActor(), access.Value.CompanyId, AuditActions.SandboxEventsUploaded, now, "target", targetId.ToString(),
                new { target = target.Value.Name, events = events.Count, bytes = bytes.Length, replace, run = runId });
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            queue.Enqueue(runId);
        }
        catch (Exception ex) when (ex is DbUpdateException or Microsoft.Data.Sqlite.SqliteException)
        {
            // Two uploads to one target at once: both counted the same stored events, so the second's numbering collides
            // with the first's (a unique index) or its write finds the file changed. It is refused whole.
            return new Conflict($"Another upload to '{target.Value.Name}' was stored at the same time; nothing from this file was stored. Upload it again.");
        }

        db.ChangeTracker.Clear();
        return await SummaryAsync(db, target.Value, cancellationToken);
    }

    public async Task<Result<SandboxSummary>> GetSummaryAsync(Guid targetId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var target = await SandboxTargetAsync(db, targetId, cancellationToken);
        return target.Succeeded ? await SummaryAsync(db, target.Value, cancellationToken) : target.Error;
    }

    /// <summary>A page of alerts, newest first; another company's target or rule simply has none.</summary>
    public async Task<Result<AlertPage>> ListAlertsAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        if (query.Skip < 0 || query.Take is < 1 or > MaxPageSize)
            return new Invalid("Take", $"Ask for 1 to {MaxPageSize} alerts at a time, from 0 on.");

        var alerts = db.SandboxAlerts.AsQueryable();
        if (query.TargetId is { } targetId)
            alerts = alerts.Where(a => a.TargetId == targetId);
        if (query.RuleId is { } ruleId)
            alerts = alerts.Where(a => a.RuleId == ruleId);
        var total = await alerts.CountAsync(cancellationToken);
        var items = await alerts
            .OrderByDescending(a => a.CreatedAt).ThenBy(a => a.EventIndex).ThenBy(a => a.Id)
            .Skip(query.Skip).Take(query.Take)
            .Join(db.DetectionRules, a => a.RuleId, r => r.Id, (a, r) => new { a, r.Title, r.Level })
            .Join(db.SiemTargets, x => x.a.TargetId, t => t.Id, (x, t) => new AlertView(
                x.a.Id, x.a.TargetId, t.Name, x.a.RuleId, x.Title, x.Level, x.a.RuleVersion, x.a.EventIndex, x.a.Selections, x.a.EventJson, x.a.CreatedAt))
            .ToListAsync(cancellationToken);
        return new AlertPage(total, items);
    }

    private static async Task<Result<SiemTarget>> SandboxTargetAsync(AppDbContext db, Guid targetId, CancellationToken cancellationToken)
    {
        var target = await db.SiemTargets.AsNoTracking().FirstOrDefaultAsync(t => t.Id == targetId, cancellationToken);
        return target is null ? new NotFound("The target")
            : target.Kind != TargetKind.Sandbox ? new Invalid("Target", $"{target.Name} is a {target.Kind} target: only Sandbox targets hold sample events.")
            : target;
    }

    private static async Task<(int Events, long Bytes)> StoredAsync(AppDbContext db, Guid targetId, CancellationToken cancellationToken)
    {
        var stored = await db.SandboxEvents.Where(e => e.TargetId == targetId)
            .GroupBy(e => 1).Select(g => new { Count = g.Count(), Bytes = g.Sum(e => (long)e.Bytes) }).FirstOrDefaultAsync(cancellationToken);
        return (stored?.Count ?? 0, stored?.Bytes ?? 0);
    }

    private async Task<SandboxSummary> SummaryAsync(AppDbContext db, SiemTarget target, CancellationToken cancellationToken)
    {
        var (events, bytes) = await StoredAsync(db, target.Id, cancellationToken);
        var alerts = await db.SandboxAlerts.CountAsync(a => a.TargetId == target.Id, cancellationToken);
        var latest = await db.SandboxRuns.Where(r => r.TargetId == target.Id).OrderByDescending(r => r.CreatedAt)
            .Select(r => new SandboxRunView(r.Status, r.Rules, r.Events, r.Alerts, r.CreatedAt, r.FinishedAt, r.Error)).FirstOrDefaultAsync(cancellationToken);
        return new SandboxSummary(target.Id, target.Name, events, bytes, options.Value.MaxEventsPerTarget, options.Value.MaxBytesPerTarget, alerts, latest);
    }

    /// <summary>The stream's bytes, or null when there are more than <paramref name="limit"/>: nothing past it is read.</summary>
    private static async Task<byte[]?> ReadAtMostAsync(Stream file, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await file.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
                return null;
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>A size as the limits are given: "20 MB", "1.7 MB", "12.5 KB".</summary>
    public static string Size(long bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024.0 * 1024):0.#} MB" : bytes >= 1024 ? $"{bytes / 1024.0:0.#} KB" : $"{bytes} bytes";
}
