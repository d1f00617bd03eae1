using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Tenancy;

public sealed class MembershipServiceTests : IAsyncLifetime
{
    private TestDatabase _db = default!;
    private Guid _company;
    private string _owner = "";
    private string _admin = "";
    private string _user = "";
    private Guid _ownerMembership;
    private Guid _adminMembership;
    private Guid _userMembership;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _owner = await _db.AddUserAsync("olivia@acme.test");
        _admin = await _db.AddUserAsync("adam@acme.test");
        _user = await _db.AddUserAsync("uma@acme.test");
        _company = await _db.AddCompanyAsync("Acme", _owner);
        _adminMembership = await _db.AddMemberAsync(_company, _admin, CompanyRole.Admin);
        _userMembership = await _db.AddMemberAsync(_company, _user, CompanyRole.User);
        await using var ctx = _db.NewContext();
        _ownerMembership = await ctx.Memberships.IgnoreQueryFilters().Where(m => m.UserId == _owner).Select(m => m.Id).SingleAsync();
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task ChangeRole_LastOwnerDemotingThemselves_IsRefused()
    {
        var result = await Service(_owner).ChangeRoleAsync(_ownerMembership, CompanyRole.Admin);

        Assert.IsType<LastOwnerRequired>(result.Error);
        Assert.Equal(CompanyRole.Owner, await RoleOf(_owner));
    }

    [Fact]
    public async Task Remove_LastOwner_IsRefused()
    {
        var result = await Service(_owner).RemoveAsync(_ownerMembership);

        Assert.IsType<LastOwnerRequired>(result.Error);
        Assert.Equal(CompanyRole.Owner, await RoleOf(_owner));
    }

    [Fact]
    public async Task ChangeRole_AdminChangingAnOwner_IsRefused()
    {
        var result = await Service(_admin).ChangeRoleAsync(_ownerMembership, CompanyRole.Viewer);

        Assert.IsType<OnlyOwnerMayChangeOwner>(result.Error);
        Assert.Equal(CompanyRole.Owner, await RoleOf(_owner));
    }

    [Fact]
    public async Task ChangeRole_AdminPromotingSomeoneToOwner_IsRefused()
    {
        var result = await Service(_admin).ChangeRoleAsync(_userMembership, CompanyRole.Owner);

        Assert.IsType<OnlyOwnerMayChangeOwner>(result.Error);
        Assert.Equal(CompanyRole.User, await RoleOf(_user));
    }

    [Fact]
    public async Task Remove_AdminRemovingAnOwner_IsRefused()
    {
        var result = await Service(_admin).RemoveAsync(_ownerMembership);

        Assert.IsType<OnlyOwnerMayChangeOwner>(result.Error);
    }

    [Fact]
    public async Task ChangeRole_ByUserRole_IsNotPermitted()
    {
        var result = await Service(_user).ChangeRoleAsync(_adminMembership, CompanyRole.Viewer);

        Assert.Equal(new NotPermitted(Permission.Administer), result.Error);
        Assert.Equal(CompanyRole.Admin, await RoleOf(_admin));
    }

    [Fact]
    public async Task ChangeRole_ByAdmin_ChangesRoleAndAuditsBeforeAndAfter()
    {
        var result = await Service(_admin).ChangeRoleAsync(_userMembership, CompanyRole.Viewer);

        Assert.True(result.Succeeded);
        Assert.Equal(CompanyRole.Viewer, await RoleOf(_user));
        await using var ctx = _db.NewContext();
        var entry = await ctx.AuditEntries.IgnoreQueryFilters().SingleAsync(e => e.Action == AuditActions.MemberRoleChanged);
        Assert.Equal(_admin, entry.ActorUserId);
        Assert.Equal(_user, entry.TargetId);
        Assert.Equal(_company, entry.CompanyId);
        Assert.Equal("127.0.0.1", entry.IpAddress);
        Assert.Contains("\"before\":\"User\"", entry.Details, StringComparison.Ordinal);
        Assert.Contains("\"after\":\"Viewer\"", entry.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangeRole_OwnerHandsOverAfterPromotingAnother_Succeeds()
    {
        Assert.True((await Service(_owner).ChangeRoleAsync(_adminMembership, CompanyRole.Owner)).Succeeded);

        var result = await Service(_owner).ChangeRoleAsync(_ownerMembership, CompanyRole.Admin);

        Assert.True(result.Succeeded);
        Assert.Equal(CompanyRole.Owner, await RoleOf(_admin));
        Assert.Equal(CompanyRole.Admin, await RoleOf(_owner));
    }

    [Fact]
    public async Task ChangeRole_TwoOwnersDemotingEachOtherAtOnce_LeavesAnOwner()
    {
        Assert.True((await Service(_owner).ChangeRoleAsync(_adminMembership, CompanyRole.Owner)).Succeeded);

        var results = await Task.WhenAll(
            Service(_owner).ChangeRoleAsync(_adminMembership, CompanyRole.Admin),
            Service(_admin).ChangeRoleAsync(_ownerMembership, CompanyRole.Admin));

        Assert.Contains(results, r => r.Succeeded);
        await using var ctx = _db.NewContext();
        Assert.Equal(1, await ctx.Memberships.IgnoreQueryFilters().CountAsync(m => m.CompanyId == _company && m.Role == CompanyRole.Owner));
    }

    [Fact]
    public async Task Remove_Member_RemovesAccessAndClearsTheirCurrentCompany()
    {
        await using (var ctx = _db.NewContext())
        {
            var user = await ctx.Users.SingleAsync(u => u.Id == _user);
            user.CurrentCompanyId = _company;
            await ctx.SaveChangesAsync();
        }

        var result = await Service(_admin).RemoveAsync(_userMembership);

        Assert.True(result.Succeeded);
        Assert.Null(await RoleOf(_user));
        await using var check = _db.NewContext();
        Assert.Null((await check.Users.SingleAsync(u => u.Id == _user)).CurrentCompanyId);
        Assert.True(await check.AuditEntries.IgnoreQueryFilters().AnyAsync(e => e.Action == AuditActions.MemberRemoved && e.TargetId == _user));
    }

    [Fact]
    public async Task ChangeRole_MembershipOfAnotherCompany_IsNotFound()
    {
        var otherOwner = await _db.AddUserAsync("eve@globex.test");
        var other = await _db.AddCompanyAsync("Globex", otherOwner);
        await using var ctx = _db.NewContext();
        var otherMembership = await ctx.Memberships.IgnoreQueryFilters().Where(m => m.CompanyId == other).Select(m => m.Id).SingleAsync();

        var result = await Service(_owner).RemoveAsync(otherMembership);

        Assert.IsType<NotFound>(result.Error);
        await using var check = _db.NewContext();
        Assert.True(await check.Memberships.IgnoreQueryFilters().AnyAsync(m => m.Id == otherMembership));
    }

    [Fact]
    public async Task List_ShowsOnlyTheCurrentCompanysMembers()
    {
        var otherOwner = await _db.AddUserAsync("eve@globex.test");
        await _db.AddCompanyAsync("Globex", otherOwner);

        var members = await Service(_owner).ListAsync();

        Assert.True(members.Succeeded);
        Assert.Equal(["olivia@acme.test", "adam@acme.test", "uma@acme.test"], members.Value.Select(m => m.Email));
        Assert.Single(members.Value, m => m.IsYou);
    }

    private MembershipService Service(string actingUser)
    {
        var scope = _db.As(actingUser, _company);
        return scope.ServiceProvider.GetRequiredService<MembershipService>();
    }

    private async Task<CompanyRole?> RoleOf(string userId)
    {
        await using var ctx = _db.NewContext();
        return await ctx.Memberships.IgnoreQueryFilters().Where(m => m.UserId == userId && m.CompanyId == _company).Select(m => (CompanyRole?)m.Role).SingleOrDefaultAsync();
    }
}
