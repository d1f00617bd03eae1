using System.Security.Claims;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Web.Security;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Web.Components.Account;

/// <summary>
/// The circuit's authentication state: the security stamp is re-validated every 30 minutes, and the moment the member's
/// role changes or they are removed from a company the circuit's user is signed out, so an open tab loses access at once
/// (the next page load reads the role from the database again).
/// </summary>
internal sealed class IdentityRevalidatingAuthenticationStateProvider : RevalidatingServerAuthenticationStateProvider
{
    private readonly IServiceScopeFactory _scopeFactory;
    private readonly IOptions<IdentityOptions> _options;
    private readonly MembershipNotifier _memberships;

    public IdentityRevalidatingAuthenticationStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopeFactory, IOptions<IdentityOptions> options,
        MembershipNotifier memberships)
        : base(loggerFactory)
    {
        (_scopeFactory, _options, _memberships) = (scopeFactory, options, memberships);
        _memberships.Changed += OnMembershipChanged;
    }

    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(30);

    private async void OnMembershipChanged(MembershipChange change)
    {
        try
        {
            var user = (await GetAuthenticationStateAsync()).User;
            if (user.GetUserId() != change.UserId || user.GetCompanyId() != change.CompanyId)
                return;
            NotifyAuthenticationStateChanged(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
        }
        catch (InvalidOperationException)
        {
            // No authentication state yet: the circuit is still starting and will read the membership from the database.
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _memberships.Changed -= OnMembershipChanged;
        base.Dispose(disposing);
    }

    protected override async Task<bool> ValidateAuthenticationStateAsync(
        AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        // Get the user manager from a new scope to ensure it fetches fresh data
        await using var scope = _scopeFactory.CreateAsyncScope();
        var userManager = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        return await ValidateSecurityStampAsync(userManager, authenticationState.User);
    }

    private async Task<bool> ValidateSecurityStampAsync(UserManager<ApplicationUser> userManager, ClaimsPrincipal principal)
    {
        var user = await userManager.GetUserAsync(principal);
        if (user is null)
        {
            return false;
        }
        else if (!userManager.SupportsUserSecurityStamp)
        {
            return true;
        }
        else
        {
            var principalStamp = principal.FindFirstValue(_options.Value.ClaimsIdentity.SecurityStampClaimType);
            var userStamp = await userManager.GetSecurityStampAsync(user);
            return principalStamp == userStamp;
        }
    }
}
