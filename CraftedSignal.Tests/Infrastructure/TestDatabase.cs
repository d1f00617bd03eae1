using System.Security.Cryptography;
using CraftedSignal.Domain;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Security;
using CraftedSignal.Domain.Tenancy;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CraftedSignal.Tests.Infrastructure;

/// <summary>
/// A real, migrated SQLite file per test, with the domain services wired as the app wires them and a clock the test controls.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "craftedsignal-tests-" + Guid.NewGuid().ToString("N"));
    private readonly ServiceProvider _root;
    private readonly HashSet<Guid> _ran = [];

    private TestDatabase(Action<IServiceCollection>? configure)
    {
        Directory.CreateDirectory(_directory);
        ConnectionString = $"Data Source={FilePath};Default Timeout=30";
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddSingleton(Queue);
        services.AddSingleton<Domain.Jobs.IWorkQueue>(Queue);
        services.AddCraftedSignalDomain(ConnectionString);
        services.Configure<MasterSecretOptions>(o => o.MasterSecret = MasterSecret);
        configure?.Invoke(services);
        _root = services.BuildServiceProvider();
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

    public string ConnectionString { get; }

    /// <summary>This database's master secret, random per test database.</summary>
    public string MasterSecret { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The SQLite file, for tests that read its bytes.</summary>
    public string FilePath => Path.Combine(_directory, "test.db");

    /// <summary>The SQLite file's bytes, the write-ahead log moved into it first: what a disk holds, for tests that search it for secrets.</summary>
    public async Task<byte[]> FileBytesAsync()
    {
        SqliteConnection.ClearAllPools();
        await using (var connection = new SqliteConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await checkpoint.ExecuteNonQueryAsync();
        }

        return await File.ReadAllBytesAsync(FilePath);
    }

    /// <summary>The app's own services, for tests that need a singleton (the key ring).</summary>
    public IServiceProvider Services => _root;

    /// <summary>Work the services handed to the background job system, in order.</summary>
    public RecordingQueue Queue { get; } = new();

    /// <param name="configure">Adds to the app's own services (a connector of the test's own, say) after they are registered.</param>
    public static async Task<TestDatabase> CreateAsync(Action<IServiceCollection>? configure = null)
    {
        var database = new TestDatabase(configure);
        await using var db = database.NewContext();
        await DatabaseSetup.MigrateAsync(db);
        return database;
    }

    /// <summary>A context that sees what <paramref name="tenant"/> may see (nothing tenant-owned when null).</summary>
    public AppDbContext NewContext(CurrentTenant? tenant = null) =>
        new(new DbContextOptionsBuilder<AppDbContext>().UseSqlite(ConnectionString).Options, tenant);

    /// <summary>A DI scope acting as <paramref name="userId"/> in <paramref name="companyId"/>.</summary>
    public AsyncServiceScope As(string? userId, Guid? companyId, string? name = null)
    {
        var scope = _root.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(companyId, userId, name ?? userId, null, "127.0.0.1");
        return scope;
    }

    public async Task<string> AddUserAsync(string email, string? displayName = null)
    {
        await using var db = NewContext();
        var user = new ApplicationUser
        {
            UserName = email,
            NormalizedUserName = email.ToUpperInvariant(),
            Email = email,
            NormalizedEmail = email.ToUpperInvariant(),
            DisplayName = displayName ?? email.Split('@')[0],
            SecurityStamp = Guid.NewGuid().ToString(),
            CreatedAt = Clock.GetUtcNow().UtcDateTime,
        };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return user.Id;
    }

    public async Task<Guid> AddCompanyAsync(string name, string ownerUserId)
    {
        await using var db = NewContext();
        var company = CompanyService.NewCompany(db, name, ownerUserId, Clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync();
        return company.Id;
    }

    public async Task<Guid> AddMemberAsync(Guid companyId, string userId, CompanyRole role)
    {
        await using var db = NewContext();
        var membership = new Membership { Id = Guid.CreateVersion7(), CompanyId = companyId, UserId = userId, Role = role, JoinedAt = Clock.GetUtcNow().UtcDateTime };
        db.Memberships.Add(membership);
        await db.SaveChangesAsync();
        return membership.Id;
    }

    /// <summary>
    /// Runs, through the app's own <see cref="Domain.Jobs.WorkRunner"/>, every item enqueued so far and not yet run here, in
    /// order, then what that work enqueued, until nothing new is.
    /// </summary>
    public async Task RunQueuedWorkAsync()
    {
        while (Queue.Enqueued.Except(_ran).ToList() is { Count: > 0 } pending)
        {
            foreach (var id in pending)
                await RunWorkAsync(id);
        }
    }

    /// <summary>Runs one work item through the app's own <see cref="Domain.Jobs.WorkRunner"/>, in a scope of its own, as the job system does.</summary>
    public async Task RunWorkAsync(Guid workItemId)
    {
        _ran.Add(workItemId);
        await using var scope = _root.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Domain.Jobs.WorkRunner>().RunAsync(workItemId, CancellationToken.None);
    }

    /// <summary>The notifier the app's work announces itself on.</summary>
    public Domain.Jobs.WorkNotifier Notifier => _root.GetRequiredService<Domain.Jobs.WorkNotifier>();

    /// <summary>
    /// Gives a rule that detects <c>whoami.exe</c> (<see cref="Rules.RuleServiceTests.Whoami"/>) a test case and a finished,
    /// passing run of its latest version, as a review requires.
    /// </summary>
    public async Task PassTestsAsync(string userId, Guid companyId, Guid ruleId)
    {
        await using (var scope = As(userId, companyId))
        {
            var tests = scope.ServiceProvider.GetRequiredService<Domain.Testing.RuleTestService>();
            if ((await tests.ListCasesAsync(ruleId)).Value!.Count == 0)
            {
                var saved = await tests.SaveCaseAsync(ruleId, null, "whoami runs", Domain.Testing.TestExpectation.Alert, null,
                    """{"Image": "C:\\Windows\\System32\\whoami.exe"}""");
                if (!saved.Succeeded)
                    throw new InvalidOperationException(saved.Error.Message);
            }

            var started = await tests.StartRunAsync(ruleId);
            if (!started.Succeeded)
                throw new InvalidOperationException(started.Error.Message);
        }

        await RunQueuedWorkAsync();
    }

    /// <summary>A Sigma rule by <paramref name="author"/> with a passing test, its first version approved by <paramref name="reviewer"/>.</summary>
    public async Task<Guid> ApprovedRuleAsync(string author, string reviewer, Guid companyId, string content)
    {
        Guid rule;
        await using (var scope = As(author, companyId))
            rule = (await scope.ServiceProvider.GetRequiredService<Domain.Rules.RuleService>().CreateAsync(new Domain.Rules.RuleDraft(Domain.Rules.RuleFormat.Sigma, content))).Value!.RuleId;
        await PassTestsAsync(author, companyId, rule);
        Guid request;
        await using (var scope = As(author, companyId))
            request = (await scope.ServiceProvider.GetRequiredService<Domain.Approvals.ApprovalService>().SubmitAsync(rule)).Value;
        await using (var scope = As(reviewer, companyId))
        {
            var decided = await scope.ServiceProvider.GetRequiredService<Domain.Approvals.ApprovalService>().DecideAsync(request, Domain.Approvals.ReviewDecisionKind.Approve, null);
            if (decided.Value != Domain.Approvals.ApprovalStatus.Approved)
                throw new InvalidOperationException($"The review was not approved: {decided.Error?.Message ?? decided.Value.ToString()}");
        }

        return rule;
    }

    public async ValueTask DisposeAsync()
    {
        await _root.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>An <see cref="Domain.Jobs.IWorkQueue"/> that only remembers what was enqueued; tests run the work themselves.</summary>
public sealed class RecordingQueue : Domain.Jobs.IWorkQueue
{
    private readonly List<Guid> _enqueued = [];
    private readonly List<(Guid, TimeSpan)> _deferred = [];

    public IReadOnlyList<Guid> Enqueued
    {
        get
        {
            lock (_enqueued)
                return [.. _enqueued];
        }
    }

    public void Enqueue(Guid workItemId)
    {
        lock (_enqueued)
            _enqueued.Add(workItemId);
    }

    /// <summary>What was handed back for later, with its delay, in order.</summary>
    public IReadOnlyList<(Guid WorkItemId, TimeSpan Delay)> Deferred
    {
        get
        {
            lock (_deferred)
                return [.. _deferred];
        }
    }

    /// <summary>Deferred work is not enqueued again here: a test that needs it back runs it itself.</summary>
    public void Defer(Guid workItemId, TimeSpan delay)
    {
        lock (_deferred)
            _deferred.Add((workItemId, delay));
    }
}
