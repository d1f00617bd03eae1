using System.Security.Claims;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Tenancy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Web.Identity;

/// <summary>A sign-in not attempted: the address has failed too often (<see cref="SignInThrottle"/>) or no hashing slot came free in time.</summary>
public sealed class SignInThrottled(TimeSpan retryAfter, string message) : SignInResult
{
    public TimeSpan RetryAfter { get; } = retryAfter;

    public string Message { get; } = message;
}

/// <summary>
/// The framework's sign-in manager, plus an audit entry for every sign-in, failed sign-in, lockout and sign-out,
/// whatever the method (password, passkey, authenticator code, recovery code). Password and passkey sign-ins are throttled
/// by their source (<see cref="SignInThrottle"/>: an account is never locked by strangers' failures), wait for a hashing
/// slot asynchronously, and audit the first failure of each throttle window (the rest are counted into one entry).
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
    CompanyService companies,
    SignInThrottle throttle)
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

    /// <summary>
    /// Checks the throttle, waits for a hashing slot, then signs in without the framework's account lockout (which would
    /// let anyone lock any account): failures count against the address they come from.
    /// </summary>
    public override async Task<SignInResult> PasswordSignInAsync(string userName, string password, bool isPersistent, bool lockoutOnFailure)
    {
        var account = Truncate(userName.Trim().ToLowerInvariant());
        if (Throttled(account) is { } throttled)
            return throttled;
        using var slot = UserManager.PasswordHasher is IPasswordHashSlots slots ? await slots.ReserveAsync(Context.RequestAborted) : null;
        if (slot is null && UserManager.PasswordHasher is IPasswordHashSlots)
            return new SignInThrottled(TimeSpan.FromSeconds(5), "The server is busy checking other sign-ins. Try again in a few seconds.");

        var user = await UserManager.FindByNameAsync(userName);
        if (user is null)
        {
            UserManager.PasswordHasher.VerifyHashedPassword(new ApplicationUser(), DecoyHashValue(), password);
            await RecordFailureAsync(new SignInAttempt(Address, account, "password", null, null, account), new { reason = "unknown account", method = "password" });
            return SignInResult.Failed;
        }

        var result = await base.PasswordSignInAsync(user, password, isPersistent, lockoutOnFailure: false);
        if (result.Succeeded || result.RequiresTwoFactor)
            throttle.RecordSuccess(Address, account);
        else
            await RecordFailureAsync(user, account, result, "password");
        return result;
    }

    public override async Task<SignInResult> TwoFactorAuthenticatorSignInAsync(string code, bool isPersistent, bool rememberClient)
    {
        var user = await GetTwoFactorAuthenticationUserAsync();
        var result = await base.TwoFactorAuthenticatorSignInAsync(code, isPersistent, rememberClient);
        if (user is not null && !result.Succeeded)
            await RecordFailureAsync(user, AccountOf(user), result, "authenticator");
        return result;
    }

    public override async Task<SignInResult> TwoFactorRecoveryCodeSignInAsync(string recoveryCode)
    {
        var user = await GetTwoFactorAuthenticationUserAsync();
        var result = await base.TwoFactorRecoveryCodeSignInAsync(recoveryCode);
        if (user is not null && !result.Succeeded)
            await RecordFailureAsync(user, AccountOf(user), result, "recovery code");
        return result;
    }

    public override async Task<SignInResult> PasskeySignInAsync(string credentialJson)
    {
        // A passkey names its account only once it is accepted: failures count against the address, under "passkey".
        if (Throttled(PasskeyAccount) is { } throttled)
            return throttled;
        var result = await base.PasskeySignInAsync(credentialJson);
        if (!result.Succeeded)
            await RecordFailureAsync(new SignInAttempt(Address, PasskeyAccount, "passkey", null, null, "unknown"), new { reason = "passkey not accepted", method = "passkey" });
        return result;
    }

    public override async Task SignOutAsync()
    {
        var user = Context.User.Identity?.IsAuthenticated == true ? await UserManager.GetUserAsync(Context.User) : null;
        await base.SignOutAsync();
        if (user is not null)
            await RecordAsync(user, AuditActions.SignOut, null);
    }

    private async Task RecordFailureAsync(ApplicationUser user, string account, SignInResult result, string method)
    {
        if (result.Succeeded || result.RequiresTwoFactor)
            return;
        var reason = result.IsLockedOut ? "account locked out" : result.IsNotAllowed ? "sign-in not allowed" : "wrong credentials";
        if (result.IsLockedOut)
        {
            await RecordAsync(user, AuditActions.LockedOut, new { reason, method });
            return;
        }

        var company = await companies.ResolveCurrentAsync(user.Id);
        await RecordFailureAsync(new SignInAttempt(Address, account, method, user.Id, company?.Id, user.Email ?? user.UserName ?? user.Id), new { reason, method });
    }

    /// <summary>Counts the failure against its address; only the first of its throttle window is audited now.</summary>
    private async Task RecordFailureAsync(SignInAttempt attempt, object details)
    {
        if (throttle.RecordFailure(attempt))
            await audit.RecordAsync(Actor(attempt.UserId, attempt.ActorName), attempt.CompanyId, AuditActions.SignInFailed, "user", attempt.UserId, details);
    }

    private SignInThrottled? Throttled(string account) =>
        throttle.Refusal(Address, account) is { } wait
            ? new SignInThrottled(wait, $"Too many failed sign-ins from your address. Try again in {Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes))} minutes.")
            : null;

    private const string PasskeyAccount = "(passkey)";

    private string Address => Security.RateLimits.ClientAddress(Context);

    private static string AccountOf(ApplicationUser user) => Truncate((user.UserName ?? user.Id).ToLowerInvariant());

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
