using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Domain.Testing;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Tests.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CraftedSignal.Tests.Testing;

public sealed class RuleTesterTests
{
    private const string TwoSelections = """
        title: Whoami Or Net
        logsource:
            category: process_creation
            product: windows
        detection:
            whoami:
                Image|endswith: '\whoami.exe'
            net:
                Image|endswith: '\net.exe'
            condition: whoami or net
        level: high
        """;

    [Fact]
    public void Evaluate_ExplainsEachMatchByTheSelectionsThatHeld()
    {
        var result = RuleTester.Evaluate(TwoSelections, """
            {"Image": "C:\\Windows\\System32\\whoami.exe"}
            {"Image": "C:\\Windows\\System32\\notepad.exe"}
            {"Image": "C:\\Windows\\System32\\net.exe"}
            """);

        Assert.Null(result.Error);
        Assert.Equal(3, result.EventCount);
        Assert.Equal([0, 2], result.Matches.Select(m => m.Event));
        Assert.Equal(["whoami"], result.Matches[0].Selections);
        Assert.Equal(["net"], result.Matches[1].Selections);
    }

    [Fact]
    public void Evaluate_AcceptsAJsonArrayToo()
    {
        var result = RuleTester.Evaluate(TwoSelections, """[{"Image": "x\\whoami.exe"}, {"Image": "y"}]""");

        Assert.Equal(2, result.EventCount);
        Assert.Single(result.Matches);
    }

    [Theory]
    [InlineData("", "Add at least one event")]
    [InlineData("{\"Image\": \"x\"", "not valid JSON at line 1")]
    [InlineData("{\"a\": 1}\n{\"b\": }", "not valid JSON at line 2")]
    [InlineData("42", "expected a JSON object")]
    public void CheckEvents_SaysWhatIsWrongAndWhere(string events, string expected) =>
        Assert.Contains(expected, RuleTester.CheckEvents(events), StringComparison.Ordinal);

    [Fact]
    public void Judge_ExactCount_FailsOnADifferentCount()
    {
        var testCase = new RuleTestCase { Name = "two", Events = "{}", Expectation = TestExpectation.Alert, ExpectedCount = 2 };

        var (passed, message) = RuleTestWork.Judge(testCase, new RuleEvaluation(3, [new MatchedEvent(0, ["whoami"])], null));

        Assert.False(passed);
        Assert.Contains("Expected exactly 2 match(es), got 1 of 3", message, StringComparison.Ordinal);
    }
}

public sealed class RuleTestServiceTests : IAsyncLifetime
{
    private TestDatabase _db = default!;
    private Guid _company;
    private string _author = "";
    private Guid _rule;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _author = await _db.AddUserAsync("uma@acme.test");
        _company = await _db.AddCompanyAsync("Acme", _author);
        await using var scope = Scope();
        _rule = (await scope.ServiceProvider.GetRequiredService<RuleService>().CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task SaveCase_WithEventsThatAreNotJson_IsRejectedWithThePosition()
    {
        await using var scope = Scope();

        var result = await scope.ServiceProvider.GetRequiredService<RuleTestService>().SaveCaseAsync(_rule, null, "broken", TestExpectation.Alert, null, "{\"Image\": }");

        var invalid = Assert.IsType<Invalid>(result.Error);
        Assert.Equal("Events", invalid.Field);
        Assert.Contains("line 1, column", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PositiveAndNegativeCases_PassesRecordsResultsAndSetsTheRulesTestStatus()
    {
        await using var scope = Scope();
        var tests = scope.ServiceProvider.GetRequiredService<RuleTestService>();
        Assert.True((await tests.SaveCaseAsync(_rule, null, "whoami runs", TestExpectation.Alert, 1, """{"Image": "C:\\Windows\\System32\\whoami.exe"}""")).Succeeded);
        Assert.True((await tests.SaveCaseAsync(_rule, null, "notepad runs", TestExpectation.NoAlert, null, """{"Image": "C:\\Windows\\notepad.exe"}""")).Succeeded);

        var run = await tests.StartRunAsync(_rule);
        Assert.True(run.Succeeded);
        Assert.Equal([run.Value], _db.Queue.Enqueued);
        await RunWorkAsync(run.Value);

        var latest = (await tests.LatestRunAsync(_rule)).Value!;
        Assert.Equal(TestRunStatus.Passed, latest.Status);
        Assert.Equal(2, latest.Passed);
        var positive = latest.Results.Single(r => r.CaseName == "whoami runs");
        Assert.Equal(["selection"], Assert.Single(positive.Matches).Selections);
        Assert.Equal(RuleTestStatus.Passing, (await scope.ServiceProvider.GetRequiredService<RuleService>().GetAsync(_rule)).Value!.TestStatus);
        await using var db = _db.NewContext();
        Assert.True(await db.AuditEntries.IgnoreQueryFilters().AnyAsync(e => e.Action == AuditActions.RuleTestRunFinished));
    }

    [Fact]
    public async Task Save_OfANewVersion_RunsTheTestsAgainAndAFailingCaseFailsTheRule()
    {
        await using var scope = Scope();
        var tests = scope.ServiceProvider.GetRequiredService<RuleTestService>();
        await tests.SaveCaseAsync(_rule, null, "whoami runs", TestExpectation.Alert, null, """{"Image": "C:\\Windows\\System32\\whoami.exe"}""");

        var saved = await scope.ServiceProvider.GetRequiredService<RuleService>().SaveAsync(_rule, RuleServiceTests.Whoami.Replace("whoami.exe", "who.exe", StringComparison.Ordinal), 1);

        Assert.Equal(2, saved.Value!.Version);
        var runId = Assert.Single(_db.Queue.Enqueued);
        await RunWorkAsync(runId);
        var latest = (await tests.LatestRunAsync(_rule)).Value!;
        Assert.Equal(TestRunStatus.Failed, latest.Status);
        Assert.Equal(2, latest.RuleVersion);
        Assert.Contains("Expected an alert, but none of 1 event(s) matched.", latest.Results.Single().Message, StringComparison.Ordinal);
        Assert.Equal(RuleTestStatus.Failing, (await scope.ServiceProvider.GetRequiredService<RuleService>().GetAsync(_rule)).Value!.TestStatus);
    }

    [Fact]
    public async Task Run_SavesAndAnnouncesEachCaseAsItIsDone()
    {
        await using var scope = Scope();
        var tests = scope.ServiceProvider.GetRequiredService<RuleTestService>();
        foreach (var name in new[] { "a", "b", "c" })
            await tests.SaveCaseAsync(_rule, null, name, TestExpectation.Alert, null, """{"Image": "C:\\Windows\\System32\\whoami.exe"}""");
        var run = (await tests.StartRunAsync(_rule)).Value;

        // At each announcement the results saved so far are readable: the page shows the run case by case.
        var seen = new List<(WorkStatus Status, int Results, int Cases)>();
        await RunWorkAsync(run, update =>
        {
            using var db = _db.NewContext();
            var row = db.TestRuns.IgnoreQueryFilters().Include(r => r.Results).Single(r => r.Id == update.WorkItemId);
            seen.Add((update.Status, row.Results.Count, row.CaseCount));
        });

        Assert.Equal([(WorkStatus.Running, 0, 0), (WorkStatus.Running, 1, 3), (WorkStatus.Running, 2, 3), (WorkStatus.Running, 3, 3), (WorkStatus.Succeeded, 3, 3)], seen);
        var latest = (await tests.LatestRunAsync(_rule)).Value!;
        Assert.Equal(3, latest.CaseCount);
        Assert.Equal(3, latest.Passed);
    }

    [Fact]
    public async Task StartRun_WithoutCases_SaysToAddOne()
    {
        await using var scope = Scope();

        var run = await scope.ServiceProvider.GetRequiredService<RuleTestService>().StartRunAsync(_rule);

        Assert.Contains("Add a test case first", run.Error!.Message, StringComparison.Ordinal);
        Assert.Empty(_db.Queue.Enqueued);
    }

    [Fact]
    public async Task Viewer_CanReadResultsButNotChangeOrRunTests()
    {
        var viewer = await _db.AddUserAsync("vera@acme.test");
        await _db.AddMemberAsync(_company, viewer, CompanyRole.Viewer);
        await using var scope = _db.As(viewer, _company);
        var tests = scope.ServiceProvider.GetRequiredService<RuleTestService>();

        Assert.True((await tests.ListCasesAsync(_rule)).Succeeded);
        Assert.IsType<NotPermitted>((await tests.SaveCaseAsync(_rule, null, "x", TestExpectation.Alert, null, "{}")).Error);
        Assert.IsType<NotPermitted>((await tests.StartRunAsync(_rule)).Error);
    }

    [Fact]
    public async Task Work_RunsAsTheCompanyItWasRecordedFor_AndCannotReachAnotherCompanysRows()
    {
        await using (var scope = Scope())
            Assert.True((await scope.ServiceProvider.GetRequiredService<RuleTestService>().SaveCaseAsync(_rule, null, "whoami runs", TestExpectation.Alert, null, """{"Image": "C:\\Windows\\System32\\whoami.exe"}""")).Succeeded);
        Guid run;
        await using (var scope = Scope())
        {
            var started = await scope.ServiceProvider.GetRequiredService<RuleTestService>().StartRunAsync(_rule);
            Assert.True(started.Succeeded, started.Error?.Message);
            run = started.Value;
        }

        // Someone with the database re-labels the work as another company's: the job then sees that company's rows only.
        var eve = await _db.AddUserAsync("eve@globex.test");
        var globex = await _db.AddCompanyAsync("Globex", eve);
        await using (var db = _db.NewContext())
            Assert.Equal(1, await db.Database.ExecuteSqlAsync($"UPDATE WorkItems SET CompanyId = {globex.ToString().ToUpperInvariant()} WHERE Id = {run.ToString().ToUpperInvariant()}"));

        await _db.RunWorkAsync(run);

        await using var check = _db.NewContext();
        Assert.Equal(WorkStatus.Failed, (await check.WorkItems.IgnoreQueryFilters().SingleAsync(w => w.Id == run)).Status);
        Assert.Equal(TestRunStatus.Queued, (await check.TestRuns.IgnoreQueryFilters().SingleAsync(r => r.Id == run)).Status);
        Assert.False(await check.AuditEntries.IgnoreQueryFilters().AnyAsync(e => e.Action == AuditActions.RuleTestRunFinished));
    }

    private AsyncServiceScope Scope() => _db.As(_author, _company, "uma@acme.test");

    private async Task RunWorkAsync(Guid id, Action<WorkUpdate>? listener = null)
    {
        if (listener is not null)
            _db.Notifier.Updated += listener;
        try
        {
            await _db.RunWorkAsync(id);
        }
        finally
        {
            if (listener is not null)
                _db.Notifier.Updated -= listener;
        }

        await using var db = _db.NewContext();
        var item = await db.WorkItems.IgnoreQueryFilters().SingleAsync(w => w.Id == id);
        Assert.True(item.Status == WorkStatus.Succeeded, item.Error);
    }
}
