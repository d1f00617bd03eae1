namespace CraftedSignal.Domain.Tenancy;

/// <summary>A one-time link that lets a person join a company with a role. Only the token's hash is stored.</summary>
public sealed class Invitation : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public Company? Company { get; set; }

    public required string Email { get; set; }

    public CompanyRole Role { get; set; }

    public required string TokenHash { get; set; }

    public required string CreatedByUserId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? AcceptedAt { get; set; }

    public string? AcceptedByUserId { get; set; }

    public DateTime? RevokedAt { get; set; }

    public InvitationStatus StatusAt(DateTime now) =>
        AcceptedAt is not null ? InvitationStatus.Accepted
        : RevokedAt is not null ? InvitationStatus.Revoked
        : ExpiresAt <= now ? InvitationStatus.Expired
        : InvitationStatus.Pending;
}

public enum InvitationStatus
{
    Pending,
    Accepted,
    Revoked,
    Expired,
}
