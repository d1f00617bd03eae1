using System.Security.Claims;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Tenancy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Web.Identity;

/// <summary>
/// The framework's sign-in manager, plus an audit entry for every sign-in, failed sign-in, lockout and sign-out,
/// whatever the method (password, passkey, authenticator code, recovery code).
/// </summary>
public sealed class AuditedSignInManager(
    UserManager<ApplicationUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<ApplicationUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<ApplicationUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<ApplicationUser> confirmation,
    AuditTrailService audit,
    CompanyService companies)
    : SignInManager<ApplicationUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    // A real hash of a random password, verified when the email is unknown so that timing does not reveal which accounts exist.
    private static string? _decoyHash;

    private bool _refreshing;

    public override async Task RefreshSignInAsync(ApplicationUser user)
    {
        _refreshing = true;
        try
        {
            await base.RefreshSignInAsync(user);
        }
        finally
        {
            _refreshing = false;
        }
    }

    public override async Task SignInWithClaimsAsync(ApplicationUser user, AuthenticationProperties? authenticationProperties, IEnumerable<Claim> additionalClaims)
    {
        var claims = additionalClaims.ToList();
        await base.SignInWithClaimsAsync(user, authenticationProperties, claims);
        if (!_refreshing)
        {
            var method = claims.FirstOrDefault(c => c.Type == "amr")?.Value ?? "password";
            await RecordAsync(user, AuditActions.SignIn, new { method });
        }
    }

    public override async Task<SignInResult> PasswordSignInAsync(string userName, string password, bool isPersistent, bool lockoutOnFailure)
    {
        var user = await UserManager.FindByNameAsync(userName);
        if (user is null)
        {
            UserManager.PasswordHasher.VerifyHashedPassword(new ApplicationUser(), DecoyHashValue(), password);
            await audit.RecordAsync(Actor(null, Truncate(userName)), null, AuditActions.SignInFailed, "user", null, new { reason = "unknown account", method = "password" });
            return SignInResult.Failed;
        }

        return await PasswordSignInAsync(user, password, isPersistent, lockoutOnFailure);
    }

    public override async Task<SignInResult> PasswordSignInAsync(ApplicationUser user, string password, bool isPersistent, bool lockoutOnFailure)
    {
        var result = await base.PasswordSignInAsync(user, password, isPersistent, lockoutOnFailure);
        await RecordFailureAsync(user, result, "password");
        return result;
    }

    public override async Task<SignInResult> TwoFactorAuthenticatorSignInAsync(string code, bool isPersistent, bool rememberClient)
    {
        var user = await GetTwoFactorAuthenticationUserAsync();
        var result = await base.TwoFactorAuthenticatorSignInAsync(code, isPersistent, rememberClient);
        if (user is not null)
            await RecordFailureAsync(user, result, "authenticator");
        return result;
    }

    public override async Task<SignInResult> TwoFactorRecoveryCodeSignInAsync(string recoveryCode)
    {
        var user = await GetTwoFactorAuthenticationUserAsync();
        var result = await base.TwoFactorRecoveryCodeSignInAsync(recoveryCode);
        if (user is not null)
            await RecordFailureAsync(user, result, "recovery code");
        return result;
    }

    public override async Task<SignInResult> PasskeySignInAsync(string credentialJson)
    {
        var result = await base.PasskeySignInAsync(credentialJson);
        if (!result.Succeeded)
            await audit.RecordAsync(Actor(null, "unknown"), null, AuditActions.SignInFailed, "user", null, new { reason = "passkey not accepted", method = "passkey" });
        return result;
    }

    public override async Task SignOutAsync()
    {
        var user = Context.User.Identity?.IsAuthenticated == true ? await UserManager.GetUserAsync(Context.User) : null;
        await base.SignOutAsync();
        if (user is not null)
            await RecordAsync(user, AuditActions.SignOut, null);
    }

    private async Task RecordFailureAsync(ApplicationUser user, SignInResult result, string method)
    {
        if (result.Succeeded || result.RequiresTwoFactor)
            return;
        var action = result.IsLockedOut ? AuditActions.LockedOut : AuditActions.SignInFailed;
        var reason = result.IsLockedOut ? "account locked out" : result.IsNotAllowed ? "sign-in not allowed" : "wrong credentials";
        await RecordAsync(user, action, new { reason, method });
    }

    private async Task RecordAsync(ApplicationUser user, string action, object? details)
    {
        var company = await companies.ResolveCurrentAsync(user.Id);
        await audit.RecordAsync(Actor(user.Id, user.Email ?? user.UserName ?? user.Id), company?.Id, action, "user", user.Id, details);
    }

    private Actor Actor(string? userId, string name) => new(userId, name, Context.Connection.RemoteIpAddress?.ToString());

    private string DecoyHashValue() =>
        _decoyHash ??= UserManager.PasswordHasher.HashPassword(new ApplicationUser(), Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));

    private static string Truncate(string text) => text.Length > 256 ? text[..256] : text;
}
