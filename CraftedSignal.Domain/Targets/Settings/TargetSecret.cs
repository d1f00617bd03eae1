using CraftedSignal.Domain.Tenancy;

namespace CraftedSignal.Domain.Targets.Settings;

/// <summary>
/// One secret field of a target (a token, a client secret, an API key), encrypted by <see cref="Security.CredentialProtector"/>
/// with the purpose <c>target:{TargetId}:{Field}</c>. Written and replaced, never read back by anyone but a connector call.
/// </summary>
public sealed class TargetSecret : ITenantOwned
{
    public const int FieldMaxLength = 64;

    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public Guid TargetId { get; set; }

    public required string Field { get; set; }

    public required byte[] Ciphertext { get; set; }

    public string? ReplacedByUserId { get; set; }

    public required string ReplacedByName { get; set; }

    public DateTime ReplacedAt { get; set; }
}
