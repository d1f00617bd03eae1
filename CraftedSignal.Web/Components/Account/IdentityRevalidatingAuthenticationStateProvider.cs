using System.Security.Claims;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Web.Identity;
using CraftedSignal.Web.Security;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Web.Components.Account;

/// <summary>
/// The circuit's authentication state: every 30 seconds its session must still be open (not revoked, not expired) and
/// its security stamp current; the moment its session is revoked on this node, or the member's role changes or they are
/// removed from a company, the circuit's user is signed out, so an open tab loses access at once (the next page load
/// reads the role from the database again). Another node's revocation reaches the circuit at its next revalidation.
/// </summary>
internal sealed class IdentityRevalidatingAuthenticationStateProvider : RevalidatingServerAuthenticationStateProvider
{
    private readonly IServiceScopeFactory _scopeFactory;
    private readonly IOptions<IdentityOptions> _options;
    private readonly MembershipNotifier _memberships;
    private readonly SessionNotifier _sessions;

    public IdentityRevalidatingAuthenticationStateProvider(ILoggerFactory loggerFactory, IServiceScopeFactory scopeFactory, IOptions<IdentityOptions> options,
        MembershipNotifier memberships, SessionNotifier sessions)
        : base(loggerFactory)
    {
        (_scopeFactory, _options, _memberships, _sessions) = (scopeFactory, options, memberships, sessions);
        _memberships.Changed += OnMembershipChanged;
        _sessions.Revoked += OnSessionsRevoked;
    }

    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(30);

    private async void OnSessionsRevoked(IReadOnlyCollection<Guid> revoked)
    {
        try
        {
            if (SessionTicketStore.SessionOf((await GetAuthenticationStateAsync()).User) is { } session && revoked.Contains(session))
                NotifyAuthenticationStateChanged(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
        }
        catch (InvalidOperationException)
        {
            // No authentication state yet: the circuit is still starting, and its first request found the session revoked.
        }
    }

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
        {
            _memberships.Changed -= OnMembershipChanged;
            _sessions.Revoked -= OnSessionsRevoked;
        }

        base.Dispose(disposing);
    }

    protected override async Task<bool> ValidateAuthenticationStateAsync(
        AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        // Get the user manager from a new scope to ensure it fetches fresh data
        await using var scope = _scopeFactory.CreateAsyncScope();
        if (SessionTicketStore.SessionOf(authenticationState.User) is { } session)
        {
            var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(cancellationToken);
            await using (db)
            {
                var now = DateTime.UtcNow;
                if (!await db.UserSessions.AnyAsync(s => s.Id == session && s.RevokedAt == null && s.ExpiresAt > now, cancellationToken))
                    return false;
            }
        }

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
