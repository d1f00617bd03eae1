using System.Security.Cryptography;
using System.Text;
using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Security;

/// <summary>
/// The stored form of one secret, version 1: <c>version (1) | salt (16) | nonce (12) | ciphertext | tag (16)</c>. The
/// key is PBKDF2 of the tenant key with the salt; AES-256-GCM authenticates the version, the company and the purpose as
/// associated data, so a value moved to another company or field, or altered anywhere, does not open.
/// </summary>
internal static class CredentialCiphertext
{
    public const byte Version = 1;
    public const int SaltBytes = 16;
    public const int NonceBytes = 12;
    public const int TagBytes = 16;
    public const int HeaderBytes = 1 + SaltBytes + NonceBytes;
    public const int MinimumBytes = HeaderBytes + TagBytes;
    public const int MaxPurposeLength = 200;

    public static byte[] Seal(ReadOnlySpan<byte> tenantKey, Guid companyId, string purpose, string plaintext)
    {
        var plainBytes = Encoding.UTF8.GetBytes(plaintext);
        var sealedValue = new byte[HeaderBytes + plainBytes.Length + TagBytes];
        sealedValue[0] = Version;
        var salt = sealedValue.AsSpan(1, SaltBytes);
        var nonce = sealedValue.AsSpan(1 + SaltBytes, NonceBytes);
        RandomNumberGenerator.Fill(salt);
        RandomNumberGenerator.Fill(nonce);
        Span<byte> key = stackalloc byte[32];
        try
        {
            KeyDerivation.PerOperationKey(tenantKey, salt, key);
            using var aes = new AesGcm(key, TagBytes);
            aes.Encrypt(nonce, plainBytes, sealedValue.AsSpan(HeaderBytes, plainBytes.Length), sealedValue.AsSpan(HeaderBytes + plainBytes.Length), AssociatedData(Version, companyId, purpose));
            return sealedValue;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plainBytes);
        }
    }

    /// <summary>Refuses what cannot be a version-1 value before any key is read.</summary>
    public static Error? CheckShape(ReadOnlySpan<byte> value) =>
        value.Length == 0 ? new CredentialMalformed("it is empty.")
        : value[0] != Version ? new CredentialMalformed($"its format version is {value[0]}, and this version of CraftedSignal reads version {Version}.")
        : value.Length < MinimumBytes ? new CredentialMalformed($"it is {value.Length} bytes, shorter than the {MinimumBytes} of an empty one: it was cut off.")
        : null;

    public static Result<string> Open(ReadOnlySpan<byte> tenantKey, Guid companyId, string purpose, ReadOnlySpan<byte> value)
    {
        if (CheckShape(value) is { } malformed)
            return malformed;
        var salt = value.Slice(1, SaltBytes);
        var nonce = value.Slice(1 + SaltBytes, NonceBytes);
        var body = value[HeaderBytes..^TagBytes];
        var tag = value[^TagBytes..];
        var plainBytes = new byte[body.Length];
        Span<byte> key = stackalloc byte[32];
        try
        {
            KeyDerivation.PerOperationKey(tenantKey, salt, key);
            using var aes = new AesGcm(key, TagBytes);
            aes.Decrypt(nonce, body, tag, plainBytes, AssociatedData(value[0], companyId, purpose));
            return Encoding.UTF8.GetString(plainBytes);
        }
        catch (AuthenticationTagMismatchException)
        {
            return new CredentialNotAuthentic();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(plainBytes);
        }
    }

    /// <summary>A purpose names the field a value belongs to, such as <c>target:{id}:token</c>; an empty one is a bug of the caller.</summary>
    public static void RequireValidPurpose(string purpose)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        if (purpose.Length > MaxPurposeLength || purpose.Any(char.IsControl))
            throw new ArgumentException($"A purpose is at most {MaxPurposeLength} characters without control characters.", nameof(purpose));
    }

    private static byte[] AssociatedData(byte version, Guid companyId, string purpose) =>
        Encoding.UTF8.GetBytes($"craftedsignal:credential:v{version}:{companyId:D}:{purpose}");
}
