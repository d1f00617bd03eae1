using System.Globalization;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Sigma.Evaluation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Domain.Testing;

/// <summary>
/// Runs a recorded <see cref="TestRun"/>: every case of the rule against the version the run was for. Each case's result
/// is saved and announced as soon as it is known, so the page shows the run's progress case by case. The run's end (its
/// status, the rule's test status and the audit entry) commits with the work item's.
/// The run has a time budget, and each case one of its own within it (<see cref="EvaluationOptions"/>); a case that outlasts
/// either fails saying where it stopped, and cases the run's budget does not reach fail as not run. They fail rather than
/// end the run in Error because it is the rule or its events that are too slow: the author sees which case and where, the
/// other cases' results stay, and a rule whose tests cannot finish does not pass review.
/// </summary>
public sealed class RuleTestWork(TimeProvider time, WorkNotifier notifier, IOptions<EvaluationOptions> options, BacktrackingLimiter limiter) : IWorkHandler
{
    public string Kind => RuleTestService.WorkKind;

    public async Task<Result<string>> ExecuteAsync(WorkItem item, AppDbContext db, CancellationToken cancellationToken)
    {
        var run = await db.TestRuns.Include(r => r.Results).FirstAsync(r => r.Id == item.Id, cancellationToken);
        var detectionRule = await db.DetectionRules.FirstOrDefaultAsync(r => r.Id == run.RuleId, cancellationToken);
        var content = await db.RuleVersions
            .Where(v => v.RuleId == run.RuleId && v.Number == run.RuleVersion).Select(v => v.Content).FirstOrDefaultAsync(cancellationToken);
        if (detectionRule is null || content is null)
            return new NotFound("The rule or its version");
        var cases = await db.RuleTestCases.Where(c => c.RuleId == run.RuleId).OrderBy(c => c.Name).ToListAsync(cancellationToken);

        // A run resumed after a restart starts over: results of the interrupted attempt are discarded.
        db.TestResults.RemoveRange(run.Results);
        run.Results.Clear();
        run.Status = TestRunStatus.Running;
        run.CaseCount = cases.Count;
        await db.SaveChangesAsync(cancellationToken);
        var settings = options.Value;
        var runBudget = new EvaluationBudget(time, settings.TestRunBudget, Invariant($"the run's time budget is {settings.TestRunBudgetSeconds:0.###} s"), cancellationToken);
        var rule = RuleTester.Compile(content, SigmaEngineOptions.Default with { MaxBacktrackingPatterns = settings.MaxBacktrackingPatternsPerRule });
        foreach (var testCase in cases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var evaluation = await EvaluateAsync(rule, testCase, runBudget, cancellationToken);
            var (passed, message) = Judge(testCase, evaluation);
            var result = new TestResult
            {
                Id = Guid.CreateVersion7(),
                CompanyId = run.CompanyId,
                TestRunId = run.Id,
                TestCaseId = testCase.Id,
                CaseName = testCase.Name,
                Passed = passed,
                MatchCount = evaluation.Matches.Count,
                EventCount = evaluation.EventCount,
                Explanation = RuleTestService.Explain(evaluation.Matches),
                Message = message,
            };

            // Added through the set (EF then adds it to run.Results): added through the collection, a new entity whose
            // key is already set would be taken for an existing row.
            db.TestResults.Add(result);
            await db.SaveChangesAsync(cancellationToken);
            notifier.Publish(new WorkUpdate(item.Id, item.CompanyId, item.Kind, WorkStatus.Running));
        }

        run.Passed = run.Results.Count(r => r.Passed);
        run.Failed = run.Results.Count - run.Passed;
        run.Status = run.Failed == 0 ? TestRunStatus.Passed : TestRunStatus.Failed;

        // The rule's status speaks for its latest version and its cases as they are now: a run of an older version,
        // or one whose cases were edited while it ran, leaves it to the next run.
        var casesNow = await db.RuleTestCases.Where(c => c.RuleId == run.RuleId)
            .Select(c => new { c.Id, c.UpdatedAt }).ToListAsync(cancellationToken);
        var sameCases = casesNow.Count == cases.Count && casesNow.All(c => cases.Any(k => k.Id == c.Id && k.UpdatedAt == c.UpdatedAt));
        await db.Entry(detectionRule).ReloadAsync(cancellationToken);
        if (detectionRule.LatestVersion == run.RuleVersion && sameCases)
            detectionRule.TestStatus = run.Failed == 0 ? RuleTestStatus.Passing : RuleTestStatus.Failing;
        Finish(db, run);
        return $"{run.Status}: {run.Passed} passed, {run.Failed} failed";
    }

    /// <summary>
    /// One case within what is left of the run's budget and its own; a rule with backtracking patterns first waits, within
    /// that budget, for one of the process's slots for them (<see cref="BacktrackingLimiter"/>).
    /// </summary>
    private async Task<RuleEvaluation> EvaluateAsync(RuleUnderTest rule, RuleTestCase testCase, EvaluationBudget runBudget, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (runBudget.IsSpent)
            return new RuleEvaluation(0, [], $"Not run: {runBudget.Description}, and it was spent before this case.");
        var budget = runBudget.Within(settings.CaseBudget, Invariant($"a case's time budget is {settings.CaseBudgetSeconds:0.###} s"));
        if (rule.BacktrackingPatterns == 0 || rule.Error is not null)
            return Stopped(rule.Evaluate(testCase.Events, budget), testCase, budget);

        using var slot = await limiter.EnterAsync(budget.Remaining, cancellationToken);
        if (slot is null)
        {
            return new RuleEvaluation(0, [], Invariant($"Not run: rules with patterns that need backtracking run at most {limiter.Capacity} at a time on this server, ")
                + $"and none freed up in time ({budget.Description}).");
        }

        return Stopped(rule.Evaluate(testCase.Events, budget), testCase, budget);
    }

    /// <summary>An evaluation the budget stopped fails with where it stopped: "Stopped after 30 s at event 4,213 of case 'x': the run's time budget is 30 s."</summary>
    private static RuleEvaluation Stopped(RuleEvaluation evaluation, RuleTestCase testCase, EvaluationBudget budget) =>
        evaluation.StoppedAt is not { } stoppedAt ? evaluation : evaluation with
        {
            Error = Invariant($"Stopped after {Math.Round(budget.Elapsed.TotalSeconds, 1):0.#} s at event {stoppedAt + 1:N0} of case '{testCase.Name}': {budget.Description}."),
        };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    public async Task FailAsync(WorkItem item, AppDbContext db, string error, CancellationToken cancellationToken)
    {
        // A run out of the item's company's reach (a row re-labelled behind the product's back) stays as it is.
        if (await db.TestRuns.FirstOrDefaultAsync(r => r.Id == item.Id, cancellationToken) is not { } run)
            return;
        run.Status = TestRunStatus.Error;
        run.Error = error;
        Finish(db, run);
    }

    private void Finish(AppDbContext db, TestRun run)
    {
        var now = time.GetUtcNow().UtcDateTime;
        run.FinishedAt = now;
        db.Audit(new Actor(null, $"tests requested by {run.RequestedBy}", null), run.CompanyId, AuditActions.RuleTestRunFinished, now, "rule", run.RuleId.ToString(),
            new { run = run.Id, version = run.RuleVersion, status = run.Status.ToString(), passed = run.Passed, failed = run.Failed, error = run.Error });
    }

    internal static (bool Passed, string Message) Judge(RuleTestCase testCase, RuleEvaluation evaluation)
    {
        if (evaluation.Error is { } error)
            return (false, error);
        var matched = evaluation.Matches.Count;
        return testCase.Expectation switch
        {
            TestExpectation.NoAlert when matched == 0 => (true, $"No alert on {evaluation.EventCount} event(s), as expected."),
            TestExpectation.NoAlert => (false, $"Expected no alert, but {matched} of {evaluation.EventCount} event(s) matched."),
            _ when testCase.ExpectedCount is { } exact && matched != exact => (false, $"Expected exactly {exact} match(es), got {matched} of {evaluation.EventCount}."),
            _ when matched == 0 => (false, $"Expected an alert, but none of {evaluation.EventCount} event(s) matched."),
            _ => (true, $"{matched} of {evaluation.EventCount} event(s) matched, as expected."),
        };
    }
}
