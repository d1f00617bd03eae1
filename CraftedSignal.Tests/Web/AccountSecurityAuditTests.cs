using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Web;

/// <summary>Every change to how an account signs in leaves an entry in its company's chain, with no secret in it.</summary>
public sealed class AccountSecurityAuditTests : IAsyncLifetime
{
    private readonly AppFactory _app = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Password_TwoFactor_RecoveryCodes_AndPasskeys_AreAudited_WithoutTheirSecrets()
    {
        var userId = await _app.AddUserAsync("owner@acme.test", "Owner");
        var acme = await _app.AddCompanyAsync("Acme", userId);
        const string newPassword = "a brand new passphrase for olivia";
        var credentialId = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 };

        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = (await users.FindByIdAsync(userId))!;
            Assert.False((await users.ChangePasswordAsync(user, "not the password", newPassword)).Succeeded);
            Assert.True((await users.ChangePasswordAsync(user, AppFactory.Password, newPassword)).Succeeded);
            await users.ResetAuthenticatorKeyAsync(user);
            await users.SetTwoFactorEnabledAsync(user, true);
            await users.SetTwoFactorEnabledAsync(user, true);
            var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!.ToList();
            var passkey = new UserPasskeyInfo(credentialId, [9, 9, 9], DateTimeOffset.UtcNow, 0, ["internal"], false, true, false, [1], [2]) { Name = "Laptop" };
            Assert.True((await users.AddOrUpdatePasskeyAsync(user, passkey)).Succeeded);
            // A sign-in with the passkey updates its counter: not an account change.
            passkey.SignCount = 1;
            await users.AddOrUpdatePasskeyAsync(user, passkey);
            passkey.Name = "Work laptop";
            await users.AddOrUpdatePasskeyAsync(user, passkey);
            await users.RemovePasskeyAsync(user, credentialId);
            await users.SetTwoFactorEnabledAsync(user, false);

            await using var db = _app.NewContext();
            var entries = await db.AuditEntries.IgnoreQueryFilters().Where(e => e.CompanyId == acme && e.Action.StartsWith("account.")).OrderBy(e => e.Sequence).ToListAsync();
            Assert.Equal(
                [AuditActions.PasswordChanged, AuditActions.AuthenticatorReset, AuditActions.TwoFactorEnabled, AuditActions.RecoveryCodesGenerated,
                 AuditActions.PasskeyAdded, AuditActions.PasskeyRenamed, AuditActions.PasskeyRemoved, AuditActions.TwoFactorDisabled],
                entries.Select(e => e.Action));
            Assert.All(entries, e => Assert.Equal((userId, "owner@acme.test"), (e.ActorUserId, e.ActorName)));
            Assert.Contains("\"to\":\"Work laptop\"", entries[5].Details, StringComparison.Ordinal);
            var key = (await users.GetAuthenticatorKeyAsync(user))!;
            Assert.All(entries, e => Assert.DoesNotContain(newPassword, e.Details ?? "", StringComparison.Ordinal));
            Assert.All(entries, e => Assert.DoesNotContain(key, e.Details ?? "", StringComparison.Ordinal));
            Assert.All(entries, e => Assert.DoesNotContain(codes[0], e.Details ?? "", StringComparison.Ordinal));
        }
    }
}
