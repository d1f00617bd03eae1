using System.Linq.Expressions;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Domain.Testing;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Domain.Persistence;

/// <summary>
/// The product's database. Tenant-owned rows are filtered by <see cref="CurrentTenant"/>; code that must
/// cross companies (sign-in, maintenance jobs) says so with <c>IgnoreQueryFilters()</c>.
/// </summary>
public sealed class AppDbContext(DbContextOptions<AppDbContext> options, CurrentTenant? tenant = null)
    : IdentityDbContext<ApplicationUser>(options)
{
    private const int MaxAuditSealAttempts = 5;

    private static readonly IServiceProvider IdentitySchemaServices =
        new ServiceCollection().Configure<IdentityOptions>(ConfigureIdentitySchema).BuildServiceProvider();

    /// <summary>The Identity schema version (3 adds passkeys), for hosts that configure <see cref="IdentityOptions"/>.</summary>
    public static void ConfigureIdentitySchema(IdentityOptions options) => options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;

    /// <summary>The company whose rows this context sees; null sees no tenant-owned row.</summary>
    public Guid? TenantId => tenant?.CompanyId;

    /// <summary>The acting user, so that a user always sees their own memberships in every company.</summary>
    public string? TenantUserId => tenant?.UserId;

    public DbSet<Company> Companies => Set<Company>();

    public DbSet<UserSession> UserSessions => Set<UserSession>();

    public DbSet<Membership> Memberships => Set<Membership>();

    public DbSet<Invitation> Invitations => Set<Invitation>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<AuditChainCheck> AuditChainChecks => Set<AuditChainCheck>();

    public DbSet<WorkItem> WorkItems => Set<WorkItem>();

    public DbSet<InstanceClaim> InstanceClaims => Set<InstanceClaim>();

    public DbSet<DetectionRule> DetectionRules => Set<DetectionRule>();

    public DbSet<RuleVersion> RuleVersions => Set<RuleVersion>();

    public DbSet<RuleTag> RuleTags => Set<RuleTag>();

    public DbSet<RuleTestCase> RuleTestCases => Set<RuleTestCase>();

    public DbSet<TestRun> TestRuns => Set<TestRun>();

    public DbSet<TestResult> TestResults => Set<TestResult>();

    public DbSet<Approvals.ApprovalRequest> ApprovalRequests => Set<Approvals.ApprovalRequest>();

    public DbSet<Approvals.ReviewDecision> ReviewDecisions => Set<Approvals.ReviewDecision>();

    public DbSet<Targets.SiemTarget> SiemTargets => Set<Targets.SiemTarget>();

    public DbSet<Targets.Settings.TargetSecret> TargetSecrets => Set<Targets.Settings.TargetSecret>();

    public DbSet<Deployments.Deployment> Deployments => Set<Deployments.Deployment>();

    public DbSet<Security.TenantKey> TenantKeys => Set<Security.TenantKey>();

    public DbSet<Sandbox.SandboxEvent> SandboxEvents => Set<Sandbox.SandboxEvent>();

    public DbSet<Sandbox.SandboxAlert> SandboxAlerts => Set<Sandbox.SandboxAlert>();

    public DbSet<Sandbox.SandboxRun> SandboxRuns => Set<Sandbox.SandboxRun>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);

        // Every tenant-owned row is filtered by the current company: a new ITenantOwned entity gets the filter by itself.
        foreach (var entity in builder.Model.GetEntityTypes().Where(e => typeof(ITenantOwned).IsAssignableFrom(e.ClrType) && e.ClrType != typeof(Membership)))
        {
            var row = Expression.Parameter(entity.ClrType, "row");
            var companyId = Expression.Convert(Expression.Property(row, nameof(ITenantOwned.CompanyId)), typeof(Guid?));
            var current = Expression.Property(Expression.Constant(this), nameof(TenantId));
            entity.SetQueryFilter(Expression.Lambda(Expression.Equal(companyId, current), row));
        }

        // A user always sees their own memberships in every company (the company switcher); audit entries and work of
        // instance-wide maintenance have no company and are seen by none.
        builder.Entity<Membership>().HasQueryFilter(m => m.CompanyId == TenantId || m.UserId == TenantUserId);
        builder.Entity<AuditEntry>().HasQueryFilter(e => e.CompanyId == TenantId);
        builder.Entity<AuditChainCheck>().HasQueryFilter(c => c.CompanyId == TenantId);
        builder.Entity<WorkItem>().HasQueryFilter(w => w.CompanyId == TenantId);
    }

    /// <summary>
    /// Identity reads its schema version from the application's services. A context made without them (tests, tools)
    /// gets a provider that says version 3, so that every host builds the same model as the migrations.
    /// </summary>
    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
    {
        if (optionsBuilder.Options.FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider is null)
            optionsBuilder.UseApplicationServiceProvider(IdentitySchemaServices);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<Enum>().HaveConversion<string>().HaveMaxLength(32);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess) =>
        SaveChangesAsync(acceptAllChangesOnSuccess).GetAwaiter().GetResult();

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        RefuseAuditRewrites();
        for (var attempt = 1; ; attempt++)
        {
            await SealAuditEntriesAsync(cancellationToken);
            try
            {
                return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
            }
            catch (DbUpdateException ex) when (attempt < MaxAuditSealAttempts && HasPendingAuditEntries() && IsAuditChainConflict(ex))
            {
                // Another writer appended to the same chain first (unique ChainId+Sequence): re-seal on the new head.
            }
        }
    }

    private void RefuseAuditRewrites()
    {
        foreach (var entry in ChangeTracker.Entries<AuditEntry>())
        {
            if (entry.State is EntityState.Modified or EntityState.Deleted)
                throw new InvalidOperationException("Audit entries are append-only: they can never be changed or deleted.");
        }

        foreach (var entry in ChangeTracker.Entries<RuleVersion>())
        {
            if (entry.State is EntityState.Modified)
                throw new InvalidOperationException("Rule versions are immutable: save a new version instead.");
        }
    }

    /// <summary>
    /// True only for the audit chain's own race: the unique (ChainId, Sequence) index refused a row. Any other failure
    /// (a concurrency token, another unique index, a foreign key) is the caller's to handle and is never retried here.
    /// SQLite names the columns ("UNIQUE constraint failed: AuditEntries.ChainId, AuditEntries.Sequence"), PostgreSQL
    /// the index ("IX_AuditEntries_ChainId_Sequence").
    /// </summary>
    internal static bool IsAuditChainConflict(DbUpdateException exception) =>
        exception is not DbUpdateConcurrencyException
        && exception.InnerException?.Message is { } message
        && (message.Contains("AuditEntries.ChainId, AuditEntries.Sequence", StringComparison.Ordinal)
            || message.Contains("IX_AuditEntries_ChainId_Sequence", StringComparison.Ordinal));

    private bool HasPendingAuditEntries() =>
        ChangeTracker.Entries<AuditEntry>().Any(e => e.State == EntityState.Added);

    private async Task SealAuditEntriesAsync(CancellationToken cancellationToken)
    {
        var pending = ChangeTracker.Entries<AuditEntry>()
            .Where(e => e.State == EntityState.Added)
            .Select(e => e.Entity)
            .GroupBy(e => e.ChainId)
            .ToList();

        foreach (var chain in pending)
        {
            var head = await AuditEntries.IgnoreQueryFilters().AsNoTracking()
                .Where(e => e.ChainId == chain.Key)
                .OrderByDescending(e => e.Sequence)
                .Select(e => new { e.Sequence, e.Hash })
                .FirstOrDefaultAsync(cancellationToken);

            var sequence = head?.Sequence ?? 0;
            var previous = head?.Hash ?? AuditHasher.GenesisHash;
            foreach (var entry in chain.OrderBy(e => e.Timestamp))
            {
                entry.Sequence = ++sequence;
                entry.PreviousHash = previous;
                entry.Hash = AuditHasher.ComputeHash(entry);
                previous = entry.Hash;
            }
        }
    }
}
