using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Rules;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Testing;

/// <summary>
/// Runs a recorded <see cref="TestRun"/>: every case of the rule against the version the run was for. Each case's result
/// is saved and announced as soon as it is known, so the page shows the run's progress case by case. The run's end (its
/// status, the rule's test status and the audit entry) commits with the work item's.
/// </summary>
public sealed class RuleTestWork(TimeProvider time, WorkNotifier notifier) : IWorkHandler
{
    public string Kind => RuleTestService.WorkKind;

    public async Task<Result<string>> ExecuteAsync(WorkItem item, AppDbContext db, CancellationToken cancellationToken)
    {
        var run = await db.TestRuns.Include(r => r.Results).FirstAsync(r => r.Id == item.Id, cancellationToken);
        var rule = await db.DetectionRules.FirstOrDefaultAsync(r => r.Id == run.RuleId, cancellationToken);
        var content = await db.RuleVersions
            .Where(v => v.RuleId == run.RuleId && v.Number == run.RuleVersion).Select(v => v.Content).FirstOrDefaultAsync(cancellationToken);
        if (rule is null || content is null)
            return new NotFound("The rule or its version");
        var cases = await db.RuleTestCases.Where(c => c.RuleId == run.RuleId).OrderBy(c => c.Name).ToListAsync(cancellationToken);

        // A run resumed after a restart starts over: results of the interrupted attempt are discarded.
        db.TestResults.RemoveRange(run.Results);
        run.Results.Clear();
        run.Status = TestRunStatus.Running;
        run.CaseCount = cases.Count;
        await db.SaveChangesAsync(cancellationToken);
        foreach (var testCase in cases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var evaluation = RuleTester.Evaluate(content, testCase.Events);
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
        await db.Entry(rule).ReloadAsync(cancellationToken);
        if (rule.LatestVersion == run.RuleVersion && sameCases)
            rule.TestStatus = run.Failed == 0 ? RuleTestStatus.Passing : RuleTestStatus.Failing;
        Finish(db, run);
        return $"{run.Status}: {run.Passed} passed, {run.Failed} failed";
    }

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
