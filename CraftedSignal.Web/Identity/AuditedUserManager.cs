using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Tenancy;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Web.Identity;

/// <summary>
/// The framework's user manager, plus an audit entry for every change to how an account signs in: its password, two-factor
/// authentication, authenticator key, recovery codes and passkeys, in the chain of the user's current company (the
/// instance chain for a user with none), naming the user, their address and never a secret. Every page and endpoint that
/// changes these goes through here, so none can forget the entry.
/// </summary>
public sealed class AuditedUserManager(
    IUserStore<ApplicationUser> store,
    IOptions<IdentityOptions> optionsAccessor,
    IPasswordHasher<ApplicationUser> passwordHasher,
    IEnumerable<IUserValidator<ApplicationUser>> userValidators,
    IEnumerable<IPasswordValidator<ApplicationUser>> passwordValidators,
    ILookupNormalizer keyNormalizer,
    IdentityErrorDescriber errors,
    IServiceProvider services,
    ILogger<UserManager<ApplicationUser>> logger,
    IHttpContextAccessor http,
    AuditTrailService audit,
    CompanyService companies,
    SessionService sessions)
    : UserManager<ApplicationUser>(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger)
{
    /// <summary>A new password also signs the user out everywhere else: whoever knew the old one loses their session.</summary>
    public override async Task<IdentityResult> ChangePasswordAsync(ApplicationUser user, string currentPassword, string newPassword) =>
        await PasswordChangedAsync(user, await base.ChangePasswordAsync(user, currentPassword, newPassword), null);

    public override async Task<IdentityResult> AddPasswordAsync(ApplicationUser user, string password) =>
        await PasswordChangedAsync(user, await base.AddPasswordAsync(user, password), "set");

    public override async Task<IdentityResult> ResetPasswordAsync(ApplicationUser user, string token, string newPassword) =>
        await PasswordChangedAsync(user, await base.ResetPasswordAsync(user, token, newPassword), "reset with a token");

    public override async Task<IdentityResult> RemovePasswordAsync(ApplicationUser user) =>
        await PasswordChangedAsync(user, await base.RemovePasswordAsync(user), "removed");

    public override async Task<IdentityResult> SetTwoFactorEnabledAsync(ApplicationUser user, bool enabled)
    {
        var before = await GetTwoFactorEnabledAsync(user);
        var result = await base.SetTwoFactorEnabledAsync(user, enabled);
        return before == enabled ? result : await AuditedAsync(user, result, enabled ? AuditActions.TwoFactorEnabled : AuditActions.TwoFactorDisabled, null);
    }

    public override async Task<IdentityResult> ResetAuthenticatorKeyAsync(ApplicationUser user) =>
        await AuditedAsync(user, await base.ResetAuthenticatorKeyAsync(user), AuditActions.AuthenticatorReset, null);

    public override async Task<IEnumerable<string>?> GenerateNewTwoFactorRecoveryCodesAsync(ApplicationUser user, int number)
    {
        var codes = await base.GenerateNewTwoFactorRecoveryCodesAsync(user, number);
        if (codes is not null)
            await RecordAsync(user, AuditActions.RecoveryCodesGenerated, new { count = number });
        return codes;
    }

    /// <summary>Audits a passkey added or renamed; a sign-in updating its counter is not an account change.</summary>
    public override async Task<IdentityResult> AddOrUpdatePasskeyAsync(ApplicationUser user, UserPasskeyInfo passkey)
    {
        var existing = await GetPasskeyAsync(user, passkey.CredentialId);
        var result = await base.AddOrUpdatePasskeyAsync(user, passkey);
        if (existing is null)
            return await AuditedAsync(user, result, AuditActions.PasskeyAdded, new { name = passkey.Name });
        return existing.Name == passkey.Name ? result : await AuditedAsync(user, result, AuditActions.PasskeyRenamed, new { from = existing.Name, to = passkey.Name });
    }

    public override async Task<IdentityResult> RemovePasskeyAsync(ApplicationUser user, byte[] credentialId)
    {
        var existing = await GetPasskeyAsync(user, credentialId);
        return await AuditedAsync(user, await base.RemovePasskeyAsync(user, credentialId), AuditActions.PasskeyRemoved, new { name = existing?.Name });
    }

    private async Task<IdentityResult> PasswordChangedAsync(ApplicationUser user, IdentityResult result, string? how)
    {
        if (!result.Succeeded)
            return result;
        var current = http.HttpContext is { } context ? SessionTicketStore.SessionOf(context.User) : null;
        var ended = await sessions.EndOtherSessionsAsync(user.Id, current, "password changed");
        await RecordAsync(user, AuditActions.PasswordChanged, new { how, other_sessions_ended = ended });
        return result;
    }

    private async Task<IdentityResult> AuditedAsync(ApplicationUser user, IdentityResult result, string action, object? details)
    {
        if (result.Succeeded)
            await RecordAsync(user, action, details);
        return result;
    }

    private async Task RecordAsync(ApplicationUser user, string action, object? details)
    {
        var company = await companies.ResolveCurrentAsync(user.Id);
        var address = http.HttpContext?.Connection.RemoteIpAddress?.ToString();
        await audit.RecordAsync(new Actor(user.Id, user.Email ?? user.UserName ?? user.Id, address), company?.Id, action, "user", user.Id, details);
    }
}
