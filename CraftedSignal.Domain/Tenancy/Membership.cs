namespace CraftedSignal.Domain.Tenancy;

/// <summary>A user's role in one company.</summary>
public sealed class Membership : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public Company? Company { get; set; }

    public required string UserId { get; set; }

    public Identity.ApplicationUser? User { get; set; }

    public CompanyRole Role { get; set; }

    public DateTime JoinedAt { get; set; }
}
