using System.Text.Json;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Testing;

public sealed record TestCaseView(Guid Id, string Name, TestExpectation Expectation, int? ExpectedCount, string Events);

public sealed record TestResultView(Guid TestCaseId, string CaseName, bool Passed, int MatchCount, int EventCount, IReadOnlyList<MatchedEvent> Matches, string Message);

public sealed record TestRunView(Guid Id, int RuleVersion, TestRunStatus Status, string RequestedBy, DateTime CreatedAt, DateTime? FinishedAt,
    int CaseCount, int Passed, int Failed, string? Error, IReadOnlyList<TestResultView> Results);

/// <summary>A rule's test cases, and runs of them as durable background work.</summary>
public sealed class RuleTestService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, IWorkQueue queue, TimeProvider time)
{
    public const string WorkKind = "rule.test";
    public const int MaxCasesPerRule = 100;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<Result<IReadOnlyList<TestCaseView>>> ListCasesAsync(Guid ruleId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        return await db.RuleTestCases.Where(c => c.RuleId == ruleId).OrderBy(c => c.Name)
            .Select(c => new TestCaseView(c.Id, c.Name, c.Expectation, c.ExpectedCount, c.Events))
            .ToListAsync(cancellationToken);
    }

    public async Task<Result<Guid>> SaveCaseAsync(Guid ruleId, Guid? caseId, string name, TestExpectation expectation, int? expectedCount, string events, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Author, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 100)
            return new Invalid("Name", "Name the test case (at most 100 characters), e.g. 'whoami from cmd'.");
        if (expectedCount is < 0)
            return new Invalid("ExpectedCount", "The expected count cannot be negative.");
        if (RuleTester.CheckEvents(events) is { } problem)
            return new Invalid("Events", problem);
        var rule = await db.DetectionRules.FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        if (rule is null)
            return new NotFound("The rule");
        if (rule.ArchivedAt is not null)
            return new RuleArchived(rule.Title);

        var now = time.GetUtcNow().UtcDateTime;
        var testCase = caseId is { } id ? await db.RuleTestCases.FirstOrDefaultAsync(c => c.Id == id && c.RuleId == ruleId, cancellationToken) : null;
        if (caseId is not null && testCase is null)
            return new NotFound("The test case");
        if (testCase is null)
        {
            if (await db.RuleTestCases.CountAsync(c => c.RuleId == ruleId, cancellationToken) >= MaxCasesPerRule)
                return new Invalid("Name", $"A rule can have at most {MaxCasesPerRule} test cases.");
            testCase = new RuleTestCase { Id = Guid.CreateVersion7(), CompanyId = access.Value.CompanyId, RuleId = ruleId, Name = name.Trim(), Events = events };
            db.RuleTestCases.Add(testCase);
        }

        testCase.Name = name.Trim();
        testCase.Expectation = expectation;
        testCase.ExpectedCount = expectation == TestExpectation.Alert ? expectedCount : null;
        testCase.Events = events;
        testCase.UpdatedAt = now;

        // The last run no longer speaks for the rule's cases: a review waits for a run that includes this one.
        rule.TestStatus = RuleTestStatus.None;
        db.Audit(tenant.ToActor(), access.Value.CompanyId, AuditActions.RuleTestSaved, now, "rule", ruleId.ToString(),
            new { testCase = testCase.Name, expectation = expectation.ToString(), expectedCount });
        await db.SaveChangesAsync(cancellationToken);
        return testCase.Id;
    }

    public async Task<Result> DeleteCaseAsync(Guid ruleId, Guid caseId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Author, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var testCase = await db.RuleTestCases.FirstOrDefaultAsync(c => c.Id == caseId && c.RuleId == ruleId, cancellationToken);
        if (testCase is null)
            return new NotFound("The test case");
        var rule = await db.DetectionRules.FirstAsync(r => r.Id == ruleId, cancellationToken);
        if (rule.ArchivedAt is not null)
            return new RuleArchived(rule.Title);
        rule.TestStatus = RuleTestStatus.None;
        db.RuleTestCases.Remove(testCase);
        db.Audit(tenant.ToActor(), access.Value.CompanyId, AuditActions.RuleTestDeleted, time.GetUtcNow().UtcDateTime, "rule", ruleId.ToString(), new { testCase = testCase.Name });
        await db.SaveChangesAsync(cancellationToken);
        return Result.Ok();
    }

    /// <summary>Records a run of every case against the latest version, then hands it to the background job system.</summary>
    public async Task<Result<Guid>> StartRunAsync(Guid ruleId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Author, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var rule = await db.DetectionRules.FirstOrDefaultAsync(r => r.Id == ruleId, cancellationToken);
        if (rule is null)
            return new NotFound("The rule");
        if (!await db.RuleTestCases.AnyAsync(c => c.RuleId == ruleId, cancellationToken))
            return new Invalid("Tests", "Add a test case first: some events and whether the rule should alert on them.");

        var id = AddRun(db, rule, tenant.ToActor(), time.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(cancellationToken);
        queue.Enqueue(id);
        return id;
    }

    /// <summary>Adds, to the caller's unit of work, a run of every case against the rule's latest version; enqueue the id after saving.</summary>
    internal static Guid AddRun(AppDbContext db, DetectionRule rule, Actor actor, DateTime now)
    {
        var id = db.AddWork(WorkKind, rule.CompanyId, now);
        db.TestRuns.Add(new TestRun { Id = id, CompanyId = rule.CompanyId, RuleId = rule.Id, RuleVersion = rule.LatestVersion, Status = TestRunStatus.Queued, RequestedBy = actor.Name, CreatedAt = now });
        db.Audit(actor, rule.CompanyId, AuditActions.RuleTestRunStarted, now, "rule", rule.Id.ToString(), new { version = rule.LatestVersion, run = id });
        return id;
    }

    public async Task<Result<TestRunView?>> LatestRunAsync(Guid ruleId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var run = await db.TestRuns.AsNoTracking().Include(r => r.Results)
            .Where(r => r.RuleId == ruleId).OrderByDescending(r => r.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        return run is null ? (TestRunView?)null : ToView(run);
    }

    internal static TestRunView ToView(TestRun run) => new(run.Id, run.RuleVersion, run.Status, run.RequestedBy, run.CreatedAt, run.FinishedAt,
        run.CaseCount, run.Passed, run.Failed, run.Error,
        run.Results.OrderBy(r => r.CaseName, StringComparer.Ordinal)
            .Select(r => new TestResultView(r.TestCaseId, r.CaseName, r.Passed, r.MatchCount, r.EventCount,
                JsonSerializer.Deserialize<List<MatchedEvent>>(r.Explanation, Json) ?? [], r.Message))
            .ToList());

    internal static string Explain(IReadOnlyList<MatchedEvent> matches) => JsonSerializer.Serialize(matches, Json);
}
