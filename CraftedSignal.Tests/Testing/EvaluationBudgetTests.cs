using System.Diagnostics;
using System.Text;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Testing;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Tests.Rules;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace CraftedSignal.Tests.Testing;

public sealed class EvaluationBudgetTests(ITestOutputHelper output)
{
    // Catastrophic on the backtracking engine: every event costs a whole match timeout.
    private const string Catastrophic = """
        title: Nested quantifier after a lookahead
        logsource:
            category: process_creation
            product: windows
        detection:
            selection:
                CommandLine|re: '(?=a)(a+)+$'
            condition: selection
        level: low
        """;

    [Fact]
    public async Task ARunOfACatastrophicPattern_Over10000Events_EndsWithinItsBudget_SayingWhereItStopped()
    {
        // The real clock: the regex's own timeout is wall time, and so is what this test bounds.
        await using var db = await TestDatabase.CreateAsync(services =>
        {
            services.AddSingleton(TimeProvider.System);
            services.Configure<EvaluationOptions>(o => (o.TestRunBudgetSeconds, o.CaseBudgetSeconds) = (2, 2));
        });
        var events = string.Concat(Enumerable.Repeat("{\"CommandLine\": \"" + new string('a', 30) + "!\"}\n", 10_000));
        var (scope, rule) = await RuleWithCasesAsync(db, Catastrophic, TestExpectation.NoAlert, ("ten thousand", events));
        await using var _ = scope;
        var run = (await scope.ServiceProvider.GetRequiredService<RuleTestService>().StartRunAsync(rule)).Value;

        var clock = Stopwatch.StartNew();
        await db.RunWorkAsync(run).WaitAsync(TimeSpan.FromSeconds(60));
        clock.Stop();

        output.WriteLine($"wall time {clock.Elapsed.TotalSeconds:0.00} s");
        var result = Assert.Single((await scope.ServiceProvider.GetRequiredService<RuleTestService>().LatestRunAsync(rule)).Value!.Results);
        output.WriteLine(result.Message);
        Assert.False(result.Passed);
        Assert.Matches(@"^Stopped after \d+(\.\d)? s at event [\d,]+ of case 'ten thousand': the run's time budget is 2 s\.$", result.Message);
        Assert.True(result.EventCount < 10_000);

        // The budget, one match timeout it may overrun by, and the database work around the case.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2 + 3), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task ARunPastItsBudget_FailsTheCaseItStoppedIn_AndTheCasesAfterIt_AsNotRun()
    {
        // A second per reading of the clock: the 30 s are spent within the first case's events.
        await using var db = await SteppingClockDatabaseAsync(runBudgetSeconds: 30, caseBudgetSeconds: 60);
        var (scope, rule, run) = await RunWhoamiCasesAsync(db, ("a hundred events", Whoami(100)), ("b later", Whoami(1)));
        await using var _ = scope;

        Assert.Equal(TestRunStatus.Failed, run.Status);
        Assert.Equal((0, 2), (run.Passed, run.Failed));
        var stopped = run.Results.Single(r => r.CaseName == "a hundred events");
        Assert.Matches(@"^Stopped after 3\d(\.\d)? s at event \d+ of case 'a hundred events': the run's time budget is 30 s\.$", stopped.Message);
        Assert.InRange(stopped.EventCount, 1, 99);
        Assert.Equal("Not run: the run's time budget is 30 s, and it was spent before this case.", run.Results.Single(r => r.CaseName == "b later").Message);
        Assert.Equal(RuleTestStatus.Failing, (await scope.ServiceProvider.GetRequiredService<RuleService>().GetAsync(rule)).Value!.TestStatus);
    }

    [Fact]
    public async Task ACasePastItsOwnBudget_FailsSayingSo_AndTheNextCaseStillRuns()
    {
        await using var db = await SteppingClockDatabaseAsync(runBudgetSeconds: 300, caseBudgetSeconds: 5);
        var (scope, _, run) = await RunWhoamiCasesAsync(db, ("a hundred events", Whoami(100)), ("b one event", Whoami(1)));
        await using var __ = scope;

        Assert.Matches(@"^Stopped after \d(\.\d)? s at event \d of case 'a hundred events': a case's time budget is 5 s\.$", run.Results.Single(r => !r.Passed).Message);
        Assert.Equal("b one event", run.Results.Single(r => r.Passed).CaseName);
        Assert.Equal(TestRunStatus.Failed, run.Status);
    }

    [Fact]
    public async Task ACaseOfABacktrackingRule_WhenEverySlotIsTaken_WaitsWithinItsBudgetAndSaysSo_AndRunsOnceOneIsFree()
    {
        await using var db = await TestDatabase.CreateAsync(services =>
            services.Configure<EvaluationOptions>(o => (o.TestRunBudgetSeconds, o.CaseBudgetSeconds, o.MaxConcurrentBacktracking) = (30, 10, 1)));
        var (scope, rule) = await RuleWithCasesAsync(db, Catastrophic, TestExpectation.Alert, ("short", """{"CommandLine": "aaa"}"""));
        await using var _ = scope;
        var tests = scope.ServiceProvider.GetRequiredService<RuleTestService>();
        var limiter = scope.ServiceProvider.GetRequiredService<BacktrackingLimiter>();

        using (var taken = await limiter.EnterAsync(TimeSpan.Zero, CancellationToken.None))
        {
            Assert.NotNull(taken);
            var running = db.RunWorkAsync((await tests.StartRunAsync(rule)).Value);
            var waited = Stopwatch.StartNew();
            while (!running.IsCompleted && waited.Elapsed < TimeSpan.FromSeconds(60))
            {
                db.Clock.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(20);
            }

            await running;
        }

        var refused = Assert.Single((await tests.LatestRunAsync(rule)).Value!.Results);
        Assert.False(refused.Passed);
        Assert.Equal("Not run: rules with patterns that need backtracking run at most 1 at a time on this server, "
            + "and none freed up in time (a case's time budget is 10 s).", refused.Message);

        db.Clock.Advance(TimeSpan.FromSeconds(1));
        await db.RunWorkAsync((await tests.StartRunAsync(rule)).Value);

        var ran = Assert.Single((await tests.LatestRunAsync(rule)).Value!.Results);
        Assert.True(ran.Passed, ran.Message);
        Assert.Equal(1, ran.MatchCount);
    }

    [Fact]
    public async Task TheLimiter_WithOneSlot_NeverHasTwoEvaluationsInFlight()
    {
        using var limiter = new BacktrackingLimiter(Options.Create(new EvaluationOptions { MaxConcurrentBacktracking = 1 }), TimeProvider.System);
        var (inFlight, most, entered) = (0, 0, 0);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            using var slot = await limiter.EnterAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            Assert.NotNull(slot);
            var now = Interlocked.Increment(ref inFlight);
            lock (limiter)
                (most, entered) = (Math.Max(most, now), entered + 1);
            await Task.Delay(20);
            Interlocked.Decrement(ref inFlight);
        })));

        Assert.Equal(8, entered);
        Assert.Equal(1, most);
    }

    [Fact]
    public async Task TheLimiter_GivesUpAfterTheWait_OnItsClock()
    {
        var clock = new FakeTimeProvider();
        using var limiter = new BacktrackingLimiter(Options.Create(new EvaluationOptions { MaxConcurrentBacktracking = 1 }), clock);
        using var taken = await limiter.EnterAsync(TimeSpan.Zero, CancellationToken.None);

        var waiting = limiter.EnterAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(waiting.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Null(await waiting.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>A database whose clock moves on by a second at every reading, so budgets run out after a known number of events.</summary>
    private static Task<TestDatabase> SteppingClockDatabaseAsync(double runBudgetSeconds, double caseBudgetSeconds)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 2, 1, 0, 0, TimeSpan.Zero)) { AutoAdvanceAmount = TimeSpan.FromSeconds(1) };
        return TestDatabase.CreateAsync(services =>
        {
            services.AddSingleton<TimeProvider>(clock);
            services.Configure<EvaluationOptions>(o => (o.TestRunBudgetSeconds, o.CaseBudgetSeconds) = (runBudgetSeconds, caseBudgetSeconds));
        });
    }

    private static string Whoami(int events) => string.Concat(Enumerable.Repeat("""{"Image": "C:\\Windows\\System32\\whoami.exe"}""" + "\n", events));

    /// <summary>A whoami rule with cases that expect an alert, one run of them, and the run as the page shows it.</summary>
    private static async Task<(AsyncServiceScope Scope, Guid Rule, TestRunView Run)> RunWhoamiCasesAsync(TestDatabase db, params (string Name, string Events)[] cases)
    {
        var (scope, rule) = await RuleWithCasesAsync(db, RuleServiceTests.Whoami, TestExpectation.Alert, cases);
        var tests = scope.ServiceProvider.GetRequiredService<RuleTestService>();
        await db.RunWorkAsync((await tests.StartRunAsync(rule)).Value);
        return (scope, rule, (await tests.LatestRunAsync(rule)).Value!);
    }

    /// <summary>A company, its author, and a rule of <paramref name="content"/> with the cases given, all expecting <paramref name="expectation"/>; the scope acts as the author.</summary>
    internal static async Task<(AsyncServiceScope Scope, Guid Rule)> RuleWithCasesAsync(TestDatabase db, string content, TestExpectation expectation,
        params (string Name, string Events)[] cases)
    {
        var author = await db.AddUserAsync($"author-{Guid.NewGuid():N}@acme.test");
        var company = await db.AddCompanyAsync("Acme " + Guid.NewGuid().ToString("N")[..6], author);
        var scope = db.As(author, company, "author");
        var created = await scope.ServiceProvider.GetRequiredService<RuleService>().CreateAsync(new RuleDraft(RuleFormat.Sigma, content));
        Assert.True(created.Succeeded, created.Error?.Message);
        foreach (var (name, events) in cases)
        {
            var saved = await scope.ServiceProvider.GetRequiredService<RuleTestService>()
                .SaveCaseAsync(created.Value!.RuleId, null, name, expectation, null, events);
            Assert.True(saved.Succeeded, saved.Error?.Message);
        }

        return (scope, created.Value!.RuleId);
    }
}
