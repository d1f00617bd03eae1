using Microsoft.AspNetCore.Identity;

namespace CraftedSignal.Domain.Identity;

/// <summary>A person who signs in. Membership in companies lives in <see cref="Tenancy.Membership"/>.</summary>
public sealed class ApplicationUser : IdentityUser
{
    public string DisplayName { get; set; } = "";

    /// <summary>The company the user last switched to; everything they see is scoped to it.</summary>
    public Guid? CurrentCompanyId { get; set; }

    public DateTime CreatedAt { get; set; }
}
