using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Tenancy;

public sealed class InvitationAndOnboardingTests : IAsyncLifetime
{
    private static readonly Actor Someone = new(null, "someone", "127.0.0.1");
    private TestDatabase _db = default!;
    private Guid _company;
    private string _owner = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _owner = await _db.AddUserAsync("olivia@acme.test");
        _company = await _db.AddCompanyAsync("Acme", _owner);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Create_StoresOnlyTheTokensHash()
    {
        var issued = await Invite("Vera@Acme.test ", CompanyRole.Viewer);

        await using var ctx = _db.NewContext();
        var row = await ctx.Invitations.IgnoreQueryFilters().SingleAsync();
        Assert.Equal("vera@acme.test", row.Email);
        Assert.NotEqual(issued.Token, row.TokenHash);
        Assert.DoesNotContain(issued.Token, row.TokenHash, StringComparison.Ordinal);
        Assert.True(issued.Token.Length >= 40);
        Assert.Equal(_db.Clock.GetUtcNow().UtcDateTime.AddDays(7), row.ExpiresAt);
        Assert.True(await ctx.AuditEntries.IgnoreQueryFilters().AnyAsync(e => e.Action == AuditActions.InvitationCreated));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not an email")]
    [InlineData("a@b")]
    [InlineData("two@acme.test, three@acme.test")]
    [InlineData("new\nline@acme.test")]
    [InlineData("<script>alert(1)</script>@acme.test")]
    public async Task Create_WithBadEmail_SaysWhatIsWrong(string email)
    {
        await using var scope = _db.As(_owner, _company);
        var result = await scope.ServiceProvider.GetRequiredService<InvitationService>().CreateAsync(email, CompanyRole.User);

        var invalid = Assert.IsType<Invalid>(result.Error);
        Assert.Equal("Email", invalid.Field);
        Assert.Contains("valid email address", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithHugeEmail_IsRefused()
    {
        await using var scope = _db.As(_owner, _company);
        var result = await scope.ServiceProvider.GetRequiredService<InvitationService>().CreateAsync(new string('a', 10_000) + "@acme.test", CompanyRole.User);

        Assert.IsType<Invalid>(result.Error);
    }

    [Fact]
    public async Task Create_ByViewer_IsNotPermitted()
    {
        var viewer = await _db.AddUserAsync("vic@acme.test");
        await _db.AddMemberAsync(_company, viewer, CompanyRole.Viewer);
        await using var scope = _db.As(viewer, _company);

        var result = await scope.ServiceProvider.GetRequiredService<InvitationService>().CreateAsync("new@acme.test", CompanyRole.User);

        Assert.IsType<NotPermitted>(result.Error);
    }

    [Fact]
    public async Task Create_OwnerInvitationByAdmin_IsRefused()
    {
        var admin = await _db.AddUserAsync("adam@acme.test");
        await _db.AddMemberAsync(_company, admin, CompanyRole.Admin);
        await using var scope = _db.As(admin, _company);

        var result = await scope.ServiceProvider.GetRequiredService<InvitationService>().CreateAsync("new@acme.test", CompanyRole.Owner);

        Assert.IsType<OnlyOwnerMayChangeOwner>(result.Error);
    }

    [Fact]
    public async Task Create_ForAnExistingMember_SaysSo()
    {
        await using var scope = _db.As(_owner, _company);
        var result = await scope.ServiceProvider.GetRequiredService<InvitationService>().CreateAsync("OLIVIA@acme.test", CompanyRole.User);

        Assert.IsType<AlreadyMember>(result.Error);
    }

    [Fact]
    public async Task Accept_AddsMembershipWithTheRoleAndUsesTheInvitationUp()
    {
        var issued = await Invite("vera@acme.test", CompanyRole.Viewer);
        var vera = await _db.AddUserAsync("vera@acme.test");

        var result = await Onboarding().AcceptInvitationAsync(vera, issued.Token, Someone, newAccount: true);

        Assert.True(result.Succeeded);
        await using var ctx = _db.NewContext();
        var membership = await ctx.Memberships.IgnoreQueryFilters().SingleAsync(m => m.UserId == vera);
        Assert.Equal(CompanyRole.Viewer, membership.Role);
        Assert.Equal(_company, (await ctx.Users.SingleAsync(u => u.Id == vera)).CurrentCompanyId);

        var again = await Onboarding().AcceptInvitationAsync(vera, issued.Token, Someone, newAccount: false);
        Assert.IsType<InvitationAlreadyUsed>(again.Error);
    }

    [Fact]
    public async Task Accept_AfterExpiry_SaysWhenItExpired()
    {
        var issued = await Invite("vera@acme.test", CompanyRole.User);
        var vera = await _db.AddUserAsync("vera@acme.test");
        _db.Clock.Advance(TimeSpan.FromDays(8));

        var result = await Onboarding().AcceptInvitationAsync(vera, issued.Token, Someone, newAccount: false);

        var expired = Assert.IsType<InvitationExpired>(result.Error);
        Assert.Contains("expired on 2026-11-30 09:00 UTC", expired.Message, StringComparison.Ordinal);
        await using var ctx = _db.NewContext();
        Assert.False(await ctx.Memberships.IgnoreQueryFilters().AnyAsync(m => m.UserId == vera));
    }

    [Fact]
    public async Task Accept_Revoked_IsRefused()
    {
        var issued = await Invite("vera@acme.test", CompanyRole.User);
        await using (var scope = _db.As(_owner, _company))
            Assert.True((await scope.ServiceProvider.GetRequiredService<InvitationService>().RevokeAsync(issued.Id)).Succeeded);
        var vera = await _db.AddUserAsync("vera@acme.test");

        var result = await Onboarding().AcceptInvitationAsync(vera, issued.Token, Someone, newAccount: false);

        Assert.IsType<InvitationRevoked>(result.Error);
    }

    [Fact]
    public async Task Accept_ByAnotherEmail_IsRefused()
    {
        var issued = await Invite("vera@acme.test", CompanyRole.Admin);
        var mallory = await _db.AddUserAsync("mallory@evil.test");

        var result = await Onboarding().AcceptInvitationAsync(mallory, issued.Token, Someone, newAccount: false);

        Assert.IsType<InvitationEmailMismatch>(result.Error);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("made-up-token")]
    [InlineData("' OR 1=1 --")]
    public async Task Preview_WithUnknownToken_SaysTheLinkIsNotValid(string? token)
    {
        await using var scope = _db.As(null, null);
        var result = await scope.ServiceProvider.GetRequiredService<InvitationService>().PreviewAsync(token);

        Assert.IsType<InvitationInvalid>(result.Error);
    }

    [Fact]
    public async Task Claim_OnAClaimedInstance_IsRefused()
    {
        var first = await _db.AddUserAsync("first@acme.test");
        var second = await _db.AddUserAsync("second@acme.test");
        Assert.True((await Onboarding().ClaimAsync(first, "First", Someone)).Succeeded);

        var result = await Onboarding().ClaimAsync(second, "Second", Someone);

        Assert.IsType<InstanceAlreadyClaimed>(result.Error);
    }

    [Fact]
    public async Task Claim_ByTwoPeopleAtOnce_LetsExactlyOneWin()
    {
        var users = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => _db.AddUserAsync($"racer{i}@acme.test")));

        var results = await Task.WhenAll(users.Select(u => Onboarding().ClaimAsync(u, "Race", Someone)));

        Assert.Single(results, r => r.Succeeded);
        Assert.All(results.Where(r => !r.Succeeded), r => Assert.IsType<InstanceAlreadyClaimed>(r.Error));
        await using var ctx = _db.NewContext();
        Assert.Single(await ctx.Companies.Where(c => c.Name == "Race").ToListAsync());
    }

    [Fact]
    public async Task Claim_MakesTheUserOwnerAndAuditsRegistration()
    {
        var first = await _db.AddUserAsync("first@acme.test");

        var result = await Onboarding().ClaimAsync(first, "  Blue Team  ", Someone);

        Assert.True(result.Succeeded);
        await using var ctx = _db.NewContext();
        Assert.Equal("Blue Team", (await ctx.Companies.SingleAsync(c => c.Id == result.Value)).Name);
        Assert.Equal(CompanyRole.Owner, (await ctx.Memberships.IgnoreQueryFilters().SingleAsync(m => m.UserId == first)).Role);
        var actions = await ctx.AuditEntries.IgnoreQueryFilters().Where(e => e.CompanyId == result.Value).Select(e => e.Action).ToListAsync();
        Assert.Equal([AuditActions.Registered, AuditActions.InstanceClaimed], actions);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Line\nbreak")]
    public async Task Claim_WithBadCompanyName_SaysWhatIsWrong(string name)
    {
        var first = await _db.AddUserAsync("first@acme.test");

        var result = await Onboarding().ClaimAsync(first, name, Someone);

        Assert.IsType<Invalid>(result.Error);
        Assert.False(await Onboarding().IsClaimedAsync());
    }

    private async Task<IssuedInvitation> Invite(string email, CompanyRole role)
    {
        await using var scope = _db.As(_owner, _company);
        var result = await scope.ServiceProvider.GetRequiredService<InvitationService>().CreateAsync(email, role);
        Assert.True(result.Succeeded, result.Error?.Message);
        return result.Value;
    }

    private OnboardingService Onboarding() => _db.As(null, null).ServiceProvider.GetRequiredService<OnboardingService>();
}
