using System.Threading.Channels;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Domain.Testing;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Tests.Rules;
using CraftedSignal.Tests.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Jobs;

public sealed class FairWorkTests
{
    private const string Whoami = """{"Image": "C:\\Windows\\System32\\whoami.exe"}""";

    [Fact]
    public async Task ACompanysBacklogOfLongRuns_LeavesAWorker_SoAnotherCompanysRunStartsAndEndsFirst()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new HeldCompany();
        WorkerPool? pool = null;
        await using var db = await TestDatabase.CreateAsync(services =>
        {
            services.Configure<WorkOptions>(o => (o.WorkerCount, o.PerCompanyConcurrency, o.DeferSeconds) = (2, 1, 0.02));
            services.AddSingleton<IWorkQueue>(provider => pool = new WorkerPool(provider.GetRequiredService<IServiceScopeFactory>(), workers: 2));

            // Company A's test runs wait at the gate before they evaluate: runs as long as the test wants them to be.
            services.Insert(0, ServiceDescriptor.Scoped<IWorkHandler>(provider =>
                new HeldWork(ActivatorUtilities.CreateInstance<RuleTestWork>(provider), held, gate.Task)));
        });
        try
        {
            var (a, ruleA) = await EvaluationBudgetTests.RuleWithCasesAsync(db, RuleServiceTests.Whoami, TestExpectation.Alert, ("whoami runs", Whoami));
            await using var _ = a;
            held.CompanyId = a.ServiceProvider.GetRequiredService<CurrentTenant>().CompanyId;
            var backlog = new List<Guid>();
            for (var i = 0; i < 4; i++)
                backlog.Add((await a.ServiceProvider.GetRequiredService<RuleTestService>().StartRunAsync(ruleA)).Value);
            await WaitUntilAsync(db, backlog, items => items.Count(w => w.Status == WorkStatus.Running) == 1, "one of A's runs to start");

            var (b, ruleB) = await EvaluationBudgetTests.RuleWithCasesAsync(db, RuleServiceTests.Whoami, TestExpectation.Alert, ("whoami runs", Whoami));
            await using var __ = b;
            var runB = (await b.ServiceProvider.GetRequiredService<RuleTestService>().StartRunAsync(ruleB)).Value;

            await WaitUntilAsync(db, [runB], items => items.Single().Status == WorkStatus.Succeeded, "B's run to end while A's runs are held");
            var whileHeld = await ItemsAsync(db, backlog);
            Assert.Equal(1, whileHeld.Count(w => w.Status == WorkStatus.Running));
            Assert.Equal(3, whileHeld.Count(w => w.Status == WorkStatus.Queued));
            Assert.All(whileHeld.Where(w => w.Status == WorkStatus.Queued), w => Assert.Equal(0, w.Attempts));
            Assert.True(pool!.Deferred > 0);

            gate.SetResult();
            await WaitUntilAsync(db, backlog, items => items.All(w => w.Status is WorkStatus.Succeeded or WorkStatus.Failed), "A's backlog to finish");

            // Waiting for its turn spent no attempt and failed nothing: each of A's runs ran once, and passed.
            Assert.All(await ItemsAsync(db, backlog), w => Assert.Equal((WorkStatus.Succeeded, 1), (w.Status, w.Attempts)));
            await using var check = db.NewContext();
            Assert.All(await check.TestRuns.IgnoreQueryFilters().Where(r => backlog.Contains(r.Id)).ToListAsync(), r => Assert.Equal(TestRunStatus.Passed, r.Status));
        }
        finally
        {
            gate.TrySetResult();
        }
    }

    [Fact]
    public async Task ItemsAStoppedProcessLeftRunning_DoNotHoldTheirCompanysSlotsAfterARestart()
    {
        await using var db = await TestDatabase.CreateAsync(services => services.Configure<WorkOptions>(o => o.PerCompanyConcurrency = 1));
        var (scope, rule) = await EvaluationBudgetTests.RuleWithCasesAsync(db, RuleServiceTests.Whoami, TestExpectation.Alert, ("whoami runs", Whoami));
        await using var _ = scope;
        var tests = scope.ServiceProvider.GetRequiredService<RuleTestService>();
        var runs = new[] { (await tests.StartRunAsync(rule)).Value, (await tests.StartRunAsync(rule)).Value };
        await using (var context = db.NewContext())
            await context.WorkItems.IgnoreQueryFilters().Where(w => runs.Contains(w.Id)).ExecuteUpdateAsync(s => s.SetProperty(w => w.Status, WorkStatus.Running));

        Assert.Equal(2, await scope.ServiceProvider.GetRequiredService<WorkScheduler>().ResumeUnfinishedAsync());
        foreach (var run in runs)
            await db.RunWorkAsync(run);

        Assert.All(await ItemsAsync(db, runs), w => Assert.Equal(WorkStatus.Succeeded, w.Status));
    }

    private static async Task<List<WorkItem>> ItemsAsync(TestDatabase db, IReadOnlyList<Guid> ids)
    {
        await using var context = db.NewContext();
        return await context.WorkItems.IgnoreQueryFilters().AsNoTracking().Where(w => ids.Contains(w.Id)).ToListAsync();
    }

    private static async Task WaitUntilAsync(TestDatabase db, IReadOnlyList<Guid> ids, Func<List<WorkItem>, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!done(await ItemsAsync(db, ids)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Waited a minute for {what}.");
            await Task.Delay(20);
        }
    }

    private sealed class HeldCompany
    {
        public Guid? CompanyId { get; set; }
    }

    private sealed class HeldWork(RuleTestWork inner, HeldCompany held, Task gate) : IWorkHandler
    {
        public string Kind => inner.Kind;

        public async Task<Result<string>> ExecuteAsync(WorkItem item, AppDbContext db, CancellationToken cancellationToken)
        {
            if (item.CompanyId == held.CompanyId)
                await gate;
            return await inner.ExecuteAsync(item, db, cancellationToken);
        }

        public Task FailAsync(WorkItem item, AppDbContext db, string error, CancellationToken cancellationToken) => inner.FailAsync(item, db, error, cancellationToken);
    }

    /// <summary>A job system in miniature: a fixed number of workers taking ids in order; deferred ids come back after their delay.</summary>
    private sealed class WorkerPool : IWorkQueue, IAsyncDisposable
    {
        private readonly Channel<Guid> _queue = Channel.CreateUnbounded<Guid>();
        private readonly CancellationTokenSource _stop = new();
        private readonly Task[] _workers;
        private int _deferred;

        public WorkerPool(IServiceScopeFactory scopes, int workers) =>
            _workers = [.. Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(scopes)))];

        public int Deferred => Volatile.Read(ref _deferred);

        public void Enqueue(Guid workItemId) => _queue.Writer.TryWrite(workItemId);

        public void Defer(Guid workItemId, TimeSpan delay)
        {
            Interlocked.Increment(ref _deferred);
            _ = Task.Delay(delay, _stop.Token).ContinueWith(t => _queue.Writer.TryWrite(workItemId), CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }

        private async Task WorkAsync(IServiceScopeFactory scopes)
        {
            await foreach (var id in _queue.Reader.ReadAllAsync())
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<WorkRunner>().RunAsync(id, CancellationToken.None);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _queue.Writer.TryComplete();
            await Task.WhenAll(_workers);
            _stop.Dispose();
        }
    }
}
