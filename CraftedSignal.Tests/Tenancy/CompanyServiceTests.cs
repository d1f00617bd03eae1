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
    public async Task Dashboard_ForOwner_VerifiesTheAuditChain()
    {
        await using (var scope = _db.As(_owner, _company))
            Assert.True((await scope.ServiceProvider.GetRequiredService<CompanyService>().UpdateSettingsAsync(new CompanySettings("Acme Blue", 7))).Succeeded);
        await using var dashboard = _db.As(_owner, _company);

        var summary = await dashboard.ServiceProvider.GetRequiredService<DashboardService>().GetAsync();

        Assert.True(summary!.Audit!.IsIntact);
        Assert.Equal(1, summary.Audit.EntriesChecked);
        Assert.True(summary.SettingsReviewed);
        Assert.Equal(AuditActions.CompanySettingsChanged, Assert.Single(summary.RecentActivity!).Action);
    }

    [Fact]
    public async Task Dashboard_ForSomeoneOutsideTheCompany_IsNull()
    {
        var stranger = await _db.AddUserAsync("eve@globex.test");
        await using var scope = _db.As(stranger, _company);

        Assert.Null(await scope.ServiceProvider.GetRequiredService<DashboardService>().GetAsync());
    }
}
