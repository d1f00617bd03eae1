namespace CraftedSignal.Domain.Identity;

/// <summary>
/// One signed-in browser: the server-side half of the sign-in cookie, which carries only this row's id. The ticket (the
/// user's claims) is kept here sealed (<see cref="Security.AtRestKey"/>), so revoking the row signs the browser out at its
/// next request, and an open circuit within seconds.
/// </summary>
public sealed class UserSession
{
    public const int UserAgentMaxLength = 256;

    public Guid Id { get; set; }

    public required string UserId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime LastSeenAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public string? IpAddress { get; set; }

    /// <summary>The browser's User-Agent when it signed in, cut to <see cref="UserAgentMaxLength"/>; to tell one's devices apart.</summary>
    public string? UserAgent { get; set; }

    /// <summary>The authentication ticket, serialized and sealed; replaced when the cookie is renewed.</summary>
    public required byte[] Ticket { get; set; }

    public DateTime? RevokedAt { get; set; }

    /// <summary>Why it ended: signed out, revoked by the user, by an Admin, by a password change.</summary>
    public string? RevokedReason { get; set; }
}
