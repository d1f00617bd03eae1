using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Domain.Security;

/// <summary>
/// The master credential key, derived in memory from the master secret and never stored; it wraps and unwraps the
/// companies' tenant keys. <see cref="KeyId"/> names it without revealing it.
/// </summary>
public sealed class CredentialKeyring : IDisposable
{
    public const int TenantKeyBytes = 32;

    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    /// <summary>A wrapped tenant key: nonce, ciphertext, tag.</summary>
    internal const int WrappedKeyBytes = NonceBytes + TenantKeyBytes + TagBytes;

    private readonly byte[] _key;
    private bool _disposed;

    private CredentialKeyring(byte[] key)
    {
        _key = key;
        KeyId = Convert.ToHexStringLower(SHA256.HashData(key).AsSpan(0, 8));
    }

    /// <summary>The first 8 bytes of SHA-256 of the master credential key, in hex: which master secret wrapped a tenant key.</summary>
    public string KeyId { get; }

    /// <summary>Loads the master secret <paramref name="options"/> name (see <see cref="MasterSecretLoader"/>) and derives the key from it.</summary>
    internal static CredentialKeyring Load(MasterSecretOptions options, bool generateIfMissing, ILogger logger) =>
        MasterSecretLoader.Derive(options, generateIfMissing, logger, secret => FromMasterSecret(secret));

    /// <summary>Derives the master credential key from <paramref name="masterSecret"/> (the caller keeps and zeroes the secret).</summary>
    internal static CredentialKeyring FromMasterSecret(ReadOnlySpan<byte> masterSecret) =>
        new(KeyDerivation.MasterCredentialKey(masterSecret));

    /// <summary>AES-256-GCM of <paramref name="tenantKey"/> under the master credential key, bound to <paramref name="companyId"/>.</summary>
    internal byte[] Wrap(Guid companyId, ReadOnlySpan<byte> tenantKey)
    {
        // After Dispose the key is zeros: wrapping under it would store a key that nothing can open again.
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (tenantKey.Length != TenantKeyBytes)
            throw new ArgumentException($"A tenant key is {TenantKeyBytes} bytes.", nameof(tenantKey));
        var wrapped = new byte[WrappedKeyBytes];
        var nonce = wrapped.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, tenantKey, wrapped.AsSpan(NonceBytes, TenantKeyBytes), wrapped.AsSpan(NonceBytes + TenantKeyBytes), AssociatedData(companyId));
        return wrapped;
    }

    /// <summary>The tenant key (the caller zeroes it), or null when <paramref name="wrapped"/> was not wrapped by this key for this company.</summary>
    internal byte[]? Unwrap(Guid companyId, byte[] wrapped)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (wrapped.Length != WrappedKeyBytes)
            return null;
        var tenantKey = new byte[TenantKeyBytes];
        try
        {
            using var aes = new AesGcm(_key, TagBytes);
            aes.Decrypt(wrapped.AsSpan(0, NonceBytes), wrapped.AsSpan(NonceBytes, TenantKeyBytes), wrapped.AsSpan(NonceBytes + TenantKeyBytes), tenantKey, AssociatedData(companyId));
            return tenantKey;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(tenantKey);
            return null;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_key);
    }

    private static byte[] AssociatedData(Guid companyId) =>
        Encoding.UTF8.GetBytes($"craftedsignal:tenant-key:v1:{companyId:D}");
}
