using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Maintenance;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Jobs;

/// <summary>Background work recorded as rows survives a host that stops mid-job, and clean-up does what it says.</summary>
[Collection(NotInParallel.Name)]
public sealed class DurableWorkTests
{
    [Fact]
    public async Task Cleanup_InterruptedByAHostRestart_IsResumedAndFinishedByTheNextHost()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "craftedsignal-restart-" + Guid.NewGuid().ToString("N"));
        var step = new BlockingStep();
        Guid workId;
        Guid company;

        await using (var first = new AppFactory(dataDirectory, services => services.Insert(0, ServiceDescriptor.Scoped<ICleanupStep>(_ => step))))
        {
            _ = first.Server;
            company = await SeedStaleInvitationAsync(first);
            await using (var scope = first.Services.CreateAsyncScope())
                workId = await scope.ServiceProvider.GetRequiredService<WorkScheduler>().ScheduleOnceAsync(CleanupWork.WorkKind, null);

            await step.Entered.Task.WaitAsync(TimeSpan.FromSeconds(90));
            var running = await StatusAsync(first, workId);
            Assert.Equal(WorkStatus.Running, running.Status);
        }

        // The process is gone with the job half done; a new one on the same database picks the row up by itself.
        await using var second = new AppFactory(dataDirectory);
        _ = second.Server;
        var finished = await WaitForAsync(second, workId, w => w.Status is WorkStatus.Succeeded or WorkStatus.Failed);

        Assert.Equal(WorkStatus.Succeeded, finished.Status);
        Assert.Equal(2, finished.Attempts);
        Assert.Contains("expired invitations: 1", finished.Summary, StringComparison.Ordinal);
        await using var db = second.NewContext();
        Assert.False(await db.Invitations.IgnoreQueryFilters().AnyAsync());
        var purge = await db.AuditEntries.IgnoreQueryFilters().SingleAsync(e => e.Action == AuditActions.InvitationsPurged);
        Assert.Equal(company, purge.CompanyId);
        Assert.Contains("stale@acme.test", purge.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScheduleOnce_WhileTheSameWorkIsQueued_ReturnsTheExistingRow()
    {
        await using var database = await TestDatabase.CreateAsync();
        var queue = new RecordingQueue();
        await using var scope = database.As(null, null);
        var scheduler = new WorkScheduler(scope.ServiceProvider.GetRequiredService<IDbContextFactory<Domain.Persistence.AppDbContext>>(), queue, database.Clock);

        var first = await scheduler.ScheduleOnceAsync(CleanupWork.WorkKind, null);
        var second = await scheduler.ScheduleOnceAsync(CleanupWork.WorkKind, null);

        Assert.Equal(first, second);
        Assert.Equal([first], queue.Enqueued);
        Assert.Equal(1, await scheduler.ResumeUnfinishedAsync());
        Assert.Equal([first, first], queue.Enqueued);
    }

    [Fact]
    public async Task Cleanup_KeepsRecentlyExpiredAndAcceptedInvitations()
    {
        await using var database = await TestDatabase.CreateAsync();
        var owner = await database.AddUserAsync("olivia@acme.test");
        var company = await database.AddCompanyAsync("Acme", owner);
        var now = database.Clock.GetUtcNow().UtcDateTime;
        await using (var db = database.NewContext())
        {
            db.Invitations.AddRange(
                Invitation(company, owner, "old@acme.test", expires: now.AddDays(-8)),
                Invitation(company, owner, "recent@acme.test", expires: now.AddDays(-2)),
                Invitation(company, owner, "pending@acme.test", expires: now.AddDays(3)),
                Invitation(company, owner, "accepted@acme.test", expires: now.AddDays(-30), acceptedAt: now.AddDays(-35)));
            await db.SaveChangesAsync();
        }

        await using var scope = database.As(null, null);
        var step = new PurgeExpiredInvitations(
            scope.ServiceProvider.GetRequiredService<IDbContextFactory<Domain.Persistence.AppDbContext>>(),
            Microsoft.Extensions.Options.Options.Create(new MaintenanceOptions()));
        var removed = await step.RunAsync(now, CancellationToken.None);

        Assert.Equal(1, removed);
        await using var check = database.NewContext();
        var left = await check.Invitations.IgnoreQueryFilters().Select(i => i.Email).OrderBy(e => e).ToListAsync();
        Assert.Equal(["accepted@acme.test", "pending@acme.test", "recent@acme.test"], left);
        Assert.Equal(0, await step.RunAsync(now, CancellationToken.None));
    }

    private static Invitation Invitation(Guid company, string owner, string email, DateTime expires, DateTime? acceptedAt = null) => new()
    {
        Id = Guid.CreateVersion7(),
        CompanyId = company,
        Email = email,
        Role = CompanyRole.User,
        TokenHash = Guid.NewGuid().ToString("N"),
        CreatedByUserId = owner,
        CreatedAt = expires.AddDays(-7),
        ExpiresAt = expires,
        AcceptedAt = acceptedAt,
    };

    private static async Task<Guid> SeedStaleInvitationAsync(AppFactory app)
    {
        var owner = await app.AddUserAsync("olivia@acme.test", "Olivia");
        var company = await app.AddCompanyAsync("Acme", owner);
        await using var db = app.NewContext();
        db.Invitations.Add(Invitation(company, owner, "stale@acme.test", DateTime.UtcNow.AddDays(-10)));
        await db.SaveChangesAsync();
        return company;
    }

    private static async Task<WorkItem> StatusAsync(AppFactory app, Guid id)
    {
        await using var db = app.NewContext();
        return await db.WorkItems.IgnoreQueryFilters().AsNoTracking().SingleAsync(w => w.Id == id);
    }

    private static async Task<WorkItem> WaitForAsync(AppFactory app, Guid id, Func<WorkItem, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var item = await StatusAsync(app, id);
            if (done(item) || DateTime.UtcNow > deadline)
                return item;
            await Task.Delay(100);
        }
    }

    /// <summary>A clean-up step that stops half-way until its host shuts down.</summary>
    private sealed class BlockingStep : ICleanupStep
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "blocking";

        public async Task<int> RunAsync(DateTime now, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }
}
