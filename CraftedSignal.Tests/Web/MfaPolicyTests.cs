using System.Net;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Web;

/// <summary>A company that requires a second factor: who is covered, where they are sent, what still opens, and who may set it.</summary>
public sealed class MfaPolicyTests : IAsyncLifetime
{
    private readonly AppFactory _app = new();
    private string _owner = "";
    private string _viewer = "";
    private Guid _acme;

    public async Task InitializeAsync()
    {
        _owner = await _app.AddUserAsync("owner@acme.test", "Owner");
        _viewer = await _app.AddUserAsync("viewer@acme.test", "Viewer");
        _acme = await _app.AddCompanyAsync("Acme", _owner);
        await _app.AddMemberAsync(_acme, _viewer, CompanyRole.Viewer);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task OwnersAndAdmins_WithoutASecondFactor_AreLedToAddOne_AndEveryoneElseIsNot()
    {
        await SetAsync(MfaRequirement.OwnersAndAdmins);
        var owner = await _app.SignInAsync("owner@acme.test");
        var viewer = await _app.SignInAsync("viewer@acme.test");

        var home = await owner.GetAsync("/rules");
        var api = await owner.GetAsync("/api/v1/attack/techniques");
        var enrol = await owner.GetAsync(home.Headers.Location!.ToString());
        var passkeys = await owner.GetAsync("/Account/Manage/Passkeys");

        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        Assert.Equal("/Account/Manage/TwoFactorAuthentication?required=true", home.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
        Assert.Contains("requires a second factor", await api.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, enrol.StatusCode);
        Assert.Contains("Your company requires a second factor.", WebUtility.HtmlDecode(await enrol.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, passkeys.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/rules")).StatusCode);

        // With an authenticator app confirmed (two-factor on), the owner is through at the next request.
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = (await users.FindByIdAsync(_owner))!;
            await users.ResetAuthenticatorKeyAsync(user);
            await users.SetTwoFactorEnabledAsync(user, true);
        }

        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync("/rules")).StatusCode);
    }

    [Fact]
    public async Task Everyone_CoversViewers_AndAPasskeyAloneIsASecondFactor()
    {
        await SetAsync(MfaRequirement.Everyone);
        var viewer = await _app.SignInAsync("viewer@acme.test");
        Assert.Equal(HttpStatusCode.Redirect, (await viewer.GetAsync("/")).StatusCode);

        await using (var db = _app.NewContext())
        {
            db.UserPasskeys.Add(new IdentityUserPasskey<string>
            {
                UserId = _viewer,
                CredentialId = [1, 2, 3, 4],
                Data = new IdentityPasskeyData { PublicKey = [5], Name = "Laptop", CreatedAt = DateTimeOffset.UtcNow, Transports = [], AttestationObject = [6], ClientDataJson = [7] },
            });
            await db.SaveChangesAsync();
        }

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task ThePolicy_IsSetByOwnersAndAdminsOnly_Validated_AndAudited()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var asViewer = await ServiceAsAsync(_viewer);
        var refused = await asViewer.UpdateSettingsAsync(new CompanySettings("Acme", 7, MfaRequirement: MfaRequirement.Nobody));
        var invalid = await (await ServiceAsAsync(_owner)).UpdateSettingsAsync(new CompanySettings("Acme", 7, MfaRequirement: (MfaRequirement)42));
        await SetAsync(MfaRequirement.Everyone);

        Assert.IsType<NotPermitted>(refused.Error);
        Assert.Equal("MfaRequirement", Assert.IsType<Invalid>(invalid.Error).Field);
        await using var db = _app.NewContext();
        var change = await db.AuditEntries.IgnoreQueryFilters().SingleAsync(e => e.CompanyId == _acme && e.Action == AuditActions.CompanySettingsChanged);
        Assert.Contains("\"mfaRequirement\":\"Everyone\"", change.Details, StringComparison.Ordinal);
    }

    private async Task SetAsync(MfaRequirement requirement)
    {
        var companies = await ServiceAsAsync(_owner);
        var current = (await companies.GetSettingsAsync()).Value!;
        Assert.True((await companies.UpdateSettingsAsync(current with { MfaRequirement = requirement })).Succeeded);
    }

    private async Task<CompanyService> ServiceAsAsync(string userId)
    {
        var scope = _app.Services.CreateAsyncScope();
        var role = await RoleAsync(userId);
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(_acme, userId, userId, role, null);
        return scope.ServiceProvider.GetRequiredService<CompanyService>();
    }

    private async Task<CompanyRole> RoleAsync(string userId)
    {
        await using var db = _app.NewContext();
        return await db.Memberships.IgnoreQueryFilters().Where(m => m.UserId == userId && m.CompanyId == _acme).Select(m => m.Role).SingleAsync();
    }
}
