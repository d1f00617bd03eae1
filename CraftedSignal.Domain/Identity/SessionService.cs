using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Identity;

/// <summary>A signed-in browser as its owner sees it.</summary>
public sealed record SessionView(Guid Id, string? UserAgent, string? IpAddress, DateTime CreatedAt, DateTime LastSeenAt, bool Current);

/// <summary>Tells open circuits that sessions ended, so a revoked tab stops working at once on this node.</summary>
public sealed class SessionNotifier
{
    public event Action<IReadOnlyCollection<Guid>>? Revoked;

    public void Publish(IReadOnlyCollection<Guid> sessions)
    {
        if (sessions.Count > 0)
            Revoked?.Invoke(sessions);
    }
}

/// <summary>
/// The signed-in user's sessions (list, revoke one, revoke all but this one), and an Admin's revocation of a member's
/// sessions. Every revocation is audited; a revoked session signs its browser out at its next request and closes its
/// open circuits (<see cref="SessionNotifier"/>, and the circuits' revalidation on other nodes).
/// </summary>
public sealed class SessionService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, SessionNotifier notifier, TimeProvider time)
{
    public async Task<Result<IReadOnlyList<SessionView>>> ListMineAsync(Guid? currentSession, CancellationToken cancellationToken = default)
    {
        if (tenant.UserId is not { } userId)
            return new Forbidden("Sign in to see your sessions.");
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var sessions = await db.UserSessions.Where(s => s.UserId == userId && s.RevokedAt == null && s.ExpiresAt > now)
            .OrderByDescending(s => s.LastSeenAt)
            .Select(s => new SessionView(s.Id, s.UserAgent, s.IpAddress, s.CreatedAt, s.LastSeenAt, s.Id == currentSession))
            .ToListAsync(cancellationToken);
        return sessions;
    }

    /// <summary>Revokes one of the user's own sessions, or all of them but <paramref name="keep"/> when <paramref name="session"/> is null.</summary>
    public async Task<Result<int>> RevokeMineAsync(Guid? session, Guid? keep, CancellationToken cancellationToken = default)
    {
        if (tenant.UserId is not { } userId)
            return new Forbidden("Sign in to manage your sessions.");
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.UserSessions.Where(s => s.UserId == userId && s.RevokedAt == null);
        query = session is { } one ? query.Where(s => s.Id == one) : query.Where(s => s.Id != keep);
        var revoked = await RevokeAsync(db, query, "revoked by the user", cancellationToken);
        if (session is not null && revoked.Count == 0)
            return new NotFound("The session");
        return revoked.Count;
    }

    /// <summary>
    /// An Owner or Admin signs a member of their company out everywhere. Only an Owner may do it to an Owner; the member
    /// is found in the current company only (another company's member is not found).
    /// </summary>
    public async Task<Result<int>> RevokeMemberAsync(string memberUserId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Administer, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var role = await db.Memberships.IgnoreQueryFilters().Where(m => m.CompanyId == access.Value.CompanyId && m.UserId == memberUserId)
            .Select(m => (CompanyRole?)m.Role).FirstOrDefaultAsync(cancellationToken);
        if (role is null)
            return new NotFound("The member");
        if (role == CompanyRole.Owner && access.Value.Role != CompanyRole.Owner)
            return new Forbidden("Only an Owner can sign an Owner out.");
        var revoked = await RevokeAsync(db, db.UserSessions.Where(s => s.UserId == memberUserId && s.RevokedAt == null), $"revoked by {tenant.UserName}", cancellationToken,
            audit: (access.Value.CompanyId, memberUserId));
        return revoked.Count;
    }

    /// <summary>
    /// Ends every session of <paramref name="userId"/> but <paramref name="keep"/> (a password changed: the browser that
    /// changed it stays signed in); the caller audits the change that caused it. Returns how many ended.
    /// </summary>
    public async Task<int> EndOtherSessionsAsync(string userId, Guid? keep, string reason, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var ended = await RevokeAsync(db, db.UserSessions.Where(s => s.UserId == userId && s.RevokedAt == null && s.Id != keep), reason, cancellationToken, audited: false);
        return ended.Count;
    }

    /// <summary>Ends the sessions <paramref name="query"/> finds, tells their circuits, and (unless the caller audits the cause) audits it.</summary>
    private async Task<IReadOnlyList<Guid>> RevokeAsync(AppDbContext db, IQueryable<UserSession> query, string reason, CancellationToken cancellationToken,
        (Guid CompanyId, string UserId)? audit = null, bool audited = true)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var sessions = await query.ToListAsync(cancellationToken);
        foreach (var session in sessions)
            (session.RevokedAt, session.RevokedReason) = (now, reason);
        if (audited && sessions.Count > 0)
        {
            var companyId = audit?.CompanyId ?? tenant.CompanyId;
            db.Audit(tenant.ToActor(), companyId, AuditActions.SessionsRevoked, now, "user", audit?.UserId ?? tenant.UserId, new { sessions = sessions.Count, reason });
        }

        await db.SaveChangesAsync(cancellationToken);
        var ids = sessions.Select(s => s.Id).ToList();
        notifier.Publish(ids);
        return ids;
    }
}
