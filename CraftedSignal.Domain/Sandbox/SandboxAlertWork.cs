using System.Globalization;
using System.Text;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Domain.Sandbox;

/// <summary>
/// Runs a recorded <see cref="SandboxRun"/>: the target's Live rules (or the one rule the run is for) over its events,
/// with the evaluator the tests use (<see cref="RuleTester"/>: matched selections, time budget, backtracking slots). The
/// alerts of the rules it covers are replaced, not added to, and everything commits with the work item's outcome, so a
/// retried run never duplicates an alert; a rule no longer Live on the target (removed) is left with none.
/// </summary>
public sealed class SandboxAlertWork(TimeProvider time, IOptions<SandboxOptions> sandbox, IOptions<EvaluationOptions> evaluation, BacktrackingLimiter limiter) : IWorkHandler
{
    public const string WorkKind = "sandbox.alerts";

    /// <summary>Events are handed to the evaluator in pieces of about this size (it takes test-case-sized inputs).</summary>
    private const int PieceBytes = RuleTester.MaxEventsBytes / 2;

    public string Kind => WorkKind;

    /// <summary>
    /// Records a run in <paramref name="db"/>, to commit with the change that asks for it (an upload, a deployment's end);
    /// the work item is enqueued after that commit (by the caller, or by the runner for work a handler records).
    /// </summary>
    internal static Guid Record(AppDbContext db, Guid companyId, Guid targetId, Guid? ruleId, string requestedBy, DateTime now)
    {
        var id = db.AddWork(WorkKind, companyId, now);
        db.SandboxRuns.Add(new SandboxRun { Id = id, CompanyId = companyId, TargetId = targetId, RuleId = ruleId, RequestedBy = requestedBy, CreatedAt = now });
        return id;
    }

    public async Task<Result<string>> ExecuteAsync(WorkItem item, AppDbContext db, CancellationToken cancellationToken)
    {
        var run = await db.SandboxRuns.FirstAsync(r => r.Id == item.Id, cancellationToken);
        run.Status = SandboxRunStatus.Running;
        await db.SaveChangesAsync(cancellationToken);

        var live = await db.Deployments
            .Where(d => d.TargetId == run.TargetId && d.Live && (run.RuleId == null || d.RuleId == run.RuleId))
            .Join(db.RuleVersions, d => new { d.RuleId, Number = d.RuleVersion }, v => new { v.RuleId, v.Number }, (d, v) => new { d.RuleId, d.RuleVersion, v.Content })
            .ToListAsync(cancellationToken);
        var stale = await db.SandboxAlerts.Where(a => a.TargetId == run.TargetId && (run.RuleId == null || a.RuleId == run.RuleId)).ToListAsync(cancellationToken);
        db.SandboxAlerts.RemoveRange(stale);

        var events = await db.SandboxEvents.Where(e => e.TargetId == run.TargetId).OrderBy(e => e.Index)
            .Select(e => new { e.Index, e.Json }).ToListAsync(cancellationToken);
        var pieces = Pieces(events.Select(e => (e.Index, e.Json)));
        var now = time.GetUtcNow().UtcDateTime;
        var notes = new List<string>();
        var alerts = 0;
        foreach (var rule in live)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var compiled = RuleTester.Compile(rule.Content, SigmaEngineOptions.Default with { MaxBacktrackingPatterns = evaluation.Value.MaxBacktrackingPatternsPerRule });
            var budget = new EvaluationBudget(time, sandbox.Value.RuleBudget,
                string.Create(CultureInfo.InvariantCulture, $"a rule's pass over the sandbox events may take {sandbox.Value.RuleBudgetSeconds:0.###} s"), cancellationToken);
            using var slot = compiled.BacktrackingPatterns == 0 ? null : await limiter.EnterAsync(budget.Remaining, cancellationToken);
            if (compiled.BacktrackingPatterns > 0 && slot is null)
            {
                notes.Add($"Rule {rule.RuleId} v{rule.RuleVersion} did not run: no slot for rules with backtracking patterns freed up in time.");
                continue;
            }

            foreach (var (first, json, indexes) in pieces)
            {
                var result = compiled.Evaluate(json, budget);
                foreach (var match in result.Matches)
                {
                    db.SandboxAlerts.Add(new SandboxAlert
                    {
                        Id = Guid.CreateVersion7(),
                        CompanyId = run.CompanyId,
                        TargetId = run.TargetId,
                        RuleId = rule.RuleId,
                        RuleVersion = rule.RuleVersion,
                        EventIndex = indexes[match.Event],
                        EventJson = events[first + match.Event].Json,
                        Selections = string.Join(", ", match.Selections),
                        CreatedAt = now,
                        RunId = run.Id,
                    });
                    alerts++;
                }

                if (result.Error is not null || result.StoppedAt is not null)
                {
                    var where = result.StoppedAt is { } stopped ? $" (stopped at event {indexes[Math.Min(stopped, indexes.Count - 1)] + 1:N0}: {budget.Description})" : "";
                    notes.Add($"Rule {rule.RuleId} v{rule.RuleVersion}: {result.Error ?? "stopped"}{where}");
                    break;
                }
            }
        }

        (run.Status, run.Rules, run.Events, run.Alerts, run.FinishedAt) = (SandboxRunStatus.Succeeded, live.Count, events.Count, alerts, now);
        run.Error = notes.Count == 0 ? null : Truncate(string.Join(" ", notes));
        return $"{alerts} alert(s) from {live.Count} rule(s) over {events.Count} event(s)";
    }

    public async Task FailAsync(WorkItem item, AppDbContext db, string error, CancellationToken cancellationToken)
    {
        if (await db.SandboxRuns.FirstOrDefaultAsync(r => r.Id == item.Id, cancellationToken) is not { } run)
            return;
        (run.Status, run.Error, run.FinishedAt) = (SandboxRunStatus.Failed, Truncate(error), time.GetUtcNow().UtcDateTime);
    }

    /// <summary>The events as JSON Lines pieces: where each starts in the list, its text, and the stored index of each of its events.</summary>
    private static List<(int First, string Json, List<int> Indexes)> Pieces(IEnumerable<(int Index, string Json)> events)
    {
        var pieces = new List<(int, string, List<int>)>();
        var text = new StringBuilder();
        var indexes = new List<int>();
        var (position, first) = (0, 0);
        foreach (var (index, json) in events)
        {
            if (text.Length > 0 && text.Length + json.Length > PieceBytes)
            {
                pieces.Add((first, text.ToString(), indexes));
                (text, indexes, first) = (new StringBuilder(), [], position);
            }

            // One event a line: pretty-printed JSON keeps its newlines, which the reader takes as whitespace.
            text.Append(json).Append('\n');
            indexes.Add(index);
            position++;
        }

        if (indexes.Count > 0)
            pieces.Add((first, text.ToString(), indexes));
        return pieces;
    }

    private static string? Truncate(string? text) => text is { Length: > 2000 } ? text[..2000] : text;
}
