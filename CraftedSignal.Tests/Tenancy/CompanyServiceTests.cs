using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Dashboard;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Tenancy;

public sealed class CompanyServiceTests : IAsyncLifetime
{
    private TestDatabase _db = default!;
    private string _owner = "";
    private string _viewer = "";
    private Guid _company;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _owner = await _db.AddUserAsync("olivia@acme.test");
        _viewer = await _db.AddUserAsync("vera@acme.test");
        _company = await _db.AddCompanyAsync("Acme", _owner);
        await _db.AddMemberAsync(_company, _viewer, CompanyRole.Viewer);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Create_ByAnOwner_MakesThemOwnerOfTheNewCompanyAndSwitchesToIt()
    {
        await using var scope = _db.As(_owner, _company);

        var created = await scope.ServiceProvider.GetRequiredService<CompanyService>().CreateAsync("Globex");

        Assert.True(created.Succeeded);
        var mine = await scope.ServiceProvider.GetRequiredService<CompanyService>().ListMineAsync(_owner);
        Assert.Equal(["Acme", "Globex"], mine.Select(c => c.Name));
        Assert.All(mine, c => Assert.Equal(CompanyRole.Owner, c.Role));
        var current = await scope.ServiceProvider.GetRequiredService<CompanyService>().ResolveCurrentAsync(_owner);
        Assert.Equal(created.Value, current!.Id);
        await using var db = _db.NewContext();
        Assert.True(await db.AuditEntries.IgnoreQueryFilters().AnyAsync(e => e.Action == AuditActions.CompanyCreated && e.CompanyId == created.Value));
    }

    [Fact]
    public async Task Create_ByAMemberWhoOwnsNothing_IsForbidden()
    {
        await using var scope = _db.As(_viewer, _company);

        var created = await scope.ServiceProvider.GetRequiredService<CompanyService>().CreateAsync("Side project");

        Assert.IsType<Forbidden>(created.Error);
    }

    [Fact]
    public async Task UpdateSettings_ByViewer_IsNotPermittedAndChangesNothing()
    {
        await using var scope = _db.As(_viewer, _company);

        var result = await scope.ServiceProvider.GetRequiredService<CompanyService>().UpdateSettingsAsync(new CompanySettings("Pwned", 7));

        Assert.IsType<NotPermitted>(result.Error);
        await using var db = _db.NewContext();
        Assert.Equal("Acme", (await db.Companies.SingleAsync()).Name);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(-5)]
    public async Task UpdateSettings_WithInvitationLifetimeOutOfRange_SaysTheRange(int days)
    {
        await using var scope = _db.As(_owner, _company);

        var result = await scope.ServiceProvider.GetRequiredService<CompanyService>().UpdateSettingsAsync(new CompanySettings("Acme", days));

        var invalid = Assert.IsType<Invalid>(result.Error);
        Assert.Equal(nameof(CompanySettings.InvitationLifetimeDays), invalid.Field);
        Assert.Contains("between 1 and 30 days", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_ForViewer_LeavesOutAdminOnlyFigures()
    {
        await using var scope = _db.As(_viewer, _company);

        var summary = await scope.ServiceProvider.GetRequiredService<DashboardService>().GetAsync();

        Assert.NotNull(summary);
        Assert.Equal(2, summary.Members);
        Assert.Null(summary.PendingInvitations);
        Assert.Null(summary.Audit);
        Assert.Null(summary.RecentActivity);
    }

    [Fact]
    public async Task Dashboard_ForOwner_ShowsTheLastScheduledVerificationOfTheAuditChain()
    {
        await using (var scope = _db.As(_owner, _company))
            Assert.True((await scope.ServiceProvider.GetRequiredService<CompanyService>().UpdateSettingsAsync(new CompanySettings("Acme Blue", 7))).Succeeded);

        var before = (await DashboardAsync())!;
        Assert.Equal((1L, (DateTime?)null), (before.Audit!.Entries, before.Audit.CheckedAt));
        Assert.True(before.SettingsReviewed);
        Assert.Equal(AuditActions.CompanySettingsChanged, Assert.Single(before.RecentActivity!).Action);

        await VerifyChainsAsync();
        var verified = (await DashboardAsync())!.Audit!;
        Assert.True(verified.IsIntact);
        Assert.Equal((1L, _db.Clock.GetUtcNow().UtcDateTime), (verified.EntriesChecked, verified.CheckedAt));

        // Someone with the database file edits an entry: the next scheduled check says where the chain breaks.
        await using (var db = _db.NewContext())
            await db.Database.ExecuteSqlRawAsync("UPDATE AuditEntries SET ActorName = 'someone else'");
        await VerifyChainsAsync();
        var broken = (await DashboardAsync())!.Audit!;
        Assert.Equal((false, 1L), (broken.IsIntact, broken.FirstBrokenSequence));
        Assert.Contains("does not match its hash", broken.Problem, StringComparison.Ordinal);
    }

    private async Task<DashboardSummary?> DashboardAsync()
    {
        await using var dashboard = _db.As(_owner, _company);
        return await dashboard.ServiceProvider.GetRequiredService<DashboardService>().GetAsync();
    }

    private async Task VerifyChainsAsync()
    {
        await using (var scope = _db.As(null, null))
            await scope.ServiceProvider.GetRequiredService<Domain.Jobs.WorkScheduler>().ScheduleOnceAsync(AuditVerificationWork.WorkKind, null);
        await _db.RunQueuedWorkAsync();
    }

    [Fact]
    public async Task Dashboard_ForSomeoneOutsideTheCompany_IsNull()
    {
        var stranger = await _db.AddUserAsync("eve@globex.test");
        await using var scope = _db.As(stranger, _company);

        Assert.Null(await scope.ServiceProvider.GetRequiredService<DashboardService>().GetAsync());
    }
}
