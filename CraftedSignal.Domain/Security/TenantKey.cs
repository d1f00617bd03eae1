using CraftedSignal.Domain.Tenancy;

namespace CraftedSignal.Domain.Security;

/// <summary>
/// A company's random 256-bit tenant key, stored only wrapped (AES-256-GCM under the master credential key, the company
/// id bound as associated data). Created the first time the company needs one; one per company (the key is the company).
/// </summary>
public sealed class TenantKey : ITenantOwned
{
    public Guid CompanyId { get; set; }

    /// <summary>Nonce (12), the encrypted key (32), tag (16).</summary>
    public required byte[] WrappedKey { get; set; }

    /// <summary>The <see cref="CredentialKeyring.KeyId"/> of the master secret that wrapped it, so a rotation can resume.</summary>
    public required string MasterKeyId { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When a master secret rotation last re-wrapped it.</summary>
    public DateTime? RewrappedAt { get; set; }
}
