using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Web.Identity;

/// <summary>
/// Where the sign-in cookie's ticket lives: a <see cref="UserSession"/> row, the ticket sealed in it; the cookie holds
/// only the row's id. A revoked or expired row is no ticket, so its browser is signed out at its next request. Sign-out
/// marks the row ended (kept for the user's own view of where they were signed in, until it expires).
/// </summary>
public sealed class SessionTicketStore(IServiceScopeFactory scopes, AtRestKey atRest, IHttpContextAccessor http, TimeProvider time) : ITicketStore
{
    /// <summary>The claim the cookie handler adds with the session's id.</summary>
    public const string SessionIdClaim = "Microsoft.AspNetCore.Authentication.Cookies-SessionId";

    /// <summary>How often a request moves a session's "last seen" forward: not on every request.</summary>
    private static readonly TimeSpan LastSeenResolution = TimeSpan.FromMinutes(1);

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var id = Guid.CreateVersion7();
        // The handler puts the session's id in the cookie only; kept in the ticket too, the request and circuit know it.
        if (ticket.Principal.Identity is System.Security.Claims.ClaimsIdentity identity && SessionOf(ticket.Principal) is null)
            identity.AddClaim(new System.Security.Claims.Claim(SessionIdClaim, id.ToString("N")));
        var now = time.GetUtcNow().UtcDateTime;
        var context = http.HttpContext;
        var userAgent = context?.Request.Headers.UserAgent.ToString();
        await using var owned = await NewContextAsync();
        var db = owned.Db;
        db.UserSessions.Add(new UserSession
        {
            Id = id,
            UserId = ticket.Principal.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value ?? throw new InvalidOperationException("A sign-in ticket without a user id."),
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = Expiry(ticket, now),
            IpAddress = context?.Connection.RemoteIpAddress?.ToString(),
            UserAgent = string.IsNullOrEmpty(userAgent) ? null : userAgent.Length > UserSession.UserAgentMaxLength ? userAgent[..UserSession.UserAgentMaxLength] : userAgent,
            Ticket = Seal(id, ticket),
        });
        await db.SaveChangesAsync();
        return id.ToString("N");
    }

    public async Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        if (!Guid.TryParseExact(key, "N", out var id))
            return;
        var now = time.GetUtcNow().UtcDateTime;
        await using var owned = await NewContextAsync();
        var db = owned.Db;
        await db.UserSessions.Where(s => s.Id == id && s.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Ticket, Seal(id, ticket)).SetProperty(r => r.ExpiresAt, Expiry(ticket, now)).SetProperty(r => r.LastSeenAt, now));
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        if (!Guid.TryParseExact(key, "N", out var id))
            return null;
        var now = time.GetUtcNow().UtcDateTime;
        await using var owned = await NewContextAsync();
        var db = owned.Db;
        var session = await db.UserSessions.Where(s => s.Id == id && s.RevokedAt == null && s.ExpiresAt > now)
            .Select(s => new { s.Ticket, s.LastSeenAt }).FirstOrDefaultAsync();
        if (session is null)
            return null;
        if (now - session.LastSeenAt >= LastSeenResolution)
            await db.UserSessions.Where(s => s.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.LastSeenAt, now));
        var opened = atRest.Open(session.Ticket, Purpose(id));
        return opened is null ? null : TicketSerializer.Default.Deserialize(opened);
    }

    public async Task RemoveAsync(string key)
    {
        if (!Guid.TryParseExact(key, "N", out var id))
            return;
        var now = time.GetUtcNow().UtcDateTime;
        await using var owned = await NewContextAsync();
        var db = owned.Db;
        await db.UserSessions.Where(s => s.Id == id && s.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.RevokedAt, now).SetProperty(r => r.RevokedReason, "signed out"));
    }

    /// <summary>A context of its own, in a scope of its own that lives as long as it (the store is a singleton; the context factory is scoped).</summary>
    private async Task<ScopedContext> NewContextAsync()
    {
        var scope = scopes.CreateAsyncScope();
        return new ScopedContext(scope, await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync());
    }

    private sealed record ScopedContext(AsyncServiceScope Scope, AppDbContext Db) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Db.DisposeAsync();
            await Scope.DisposeAsync();
        }
    }

    /// <summary>The session id a circuit's or request's user signed in with, when they did through a session.</summary>
    public static Guid? SessionOf(System.Security.Claims.ClaimsPrincipal user) =>
        Guid.TryParseExact(user.FindFirst(SessionIdClaim)?.Value, "N", out var id) ? id : null;

    private byte[] Seal(Guid id, AuthenticationTicket ticket) => atRest.Seal(TicketSerializer.Default.Serialize(ticket), Purpose(id));

    private static DateTime Expiry(AuthenticationTicket ticket, DateTime now) => ticket.Properties.ExpiresUtc?.UtcDateTime ?? now.AddHours(12);

    private static string Purpose(Guid id) => $"session-ticket:{id:N}";
}
