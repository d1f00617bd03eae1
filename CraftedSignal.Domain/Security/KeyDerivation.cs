using System.Security.Cryptography;

namespace CraftedSignal.Domain.Security;

/// <summary>The key derivations of the hierarchy, in one place so that the tests hold exactly these calls to their vectors.</summary>
internal static class KeyDerivation
{
    /// <summary>The HKDF info of the master credential key; another purpose of the master secret gets another info.</summary>
    public static ReadOnlySpan<byte> CredentialsInfo => "credentials"u8;

    /// <summary>The HKDF info of the key for data at rest that is not a credential (<see cref="AtRestKey"/>).</summary>
    public static ReadOnlySpan<byte> DataAtRestInfo => "data-at-rest"u8;

    /// <summary>The HKDF info of the first-run setup token (<see cref="SetupToken"/>).</summary>
    public static ReadOnlySpan<byte> SetupTokenInfo => "setup-token"u8;

    /// <summary>The HKDF info of the PASETO v2.local key of session cookies (<see cref="Paseto.PasetoV2Local"/>).</summary>
    public static ReadOnlySpan<byte> SessionTokenInfo => "session-token"u8;

    /// <summary>
    /// PBKDF2 rounds of a per-operation key. The tenant key is 256 random bits, so the rounds add no strength against
    /// guessing; they are a second, salted derivation step and cost about 3 ms a decrypt (see README.md).
    /// </summary>
    public const int PerOperationIterations = 10_000;

    /// <summary>HKDF-SHA256 (RFC 5869): extract with <paramref name="salt"/> (none is HashLen zero bytes), expand to <paramref name="length"/> bytes.</summary>
    public static byte[] HkdfSha256(ReadOnlySpan<byte> inputKeyMaterial, int length, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info)
    {
        var output = new byte[length];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, inputKeyMaterial, output, salt, info);
        return output;
    }

    /// <summary>The master credential key: HKDF-SHA256 of the master secret, no salt, info "credentials", 32 bytes.</summary>
    public static byte[] MasterCredentialKey(ReadOnlySpan<byte> masterSecret) =>
        HkdfSha256(masterSecret, 32, [], CredentialsInfo);

    /// <summary>The key for data at rest: HKDF-SHA256 of the master secret, no salt, info "data-at-rest", 32 bytes.</summary>
    public static byte[] DataAtRestKey(ReadOnlySpan<byte> masterSecret) =>
        HkdfSha256(masterSecret, 32, [], DataAtRestInfo);

    /// <summary>The session token key: HKDF-SHA256 of the master secret, no salt, info "session-token", 32 bytes.</summary>
    public static byte[] SessionTokenKey(ReadOnlySpan<byte> masterSecret) =>
        HkdfSha256(masterSecret, Paseto.PasetoV2Local.KeyBytes, [], SessionTokenInfo);

    /// <summary>PBKDF2-HMAC-SHA256 of <paramref name="password"/> and <paramref name="salt"/> into <paramref name="destination"/>.</summary>
    public static void Pbkdf2Sha256(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations, Span<byte> destination) =>
        Rfc2898DeriveBytes.Pbkdf2(password, salt, destination, iterations, HashAlgorithmName.SHA256);

    /// <summary>The key of one encryption: PBKDF2 of the tenant key with the operation's fresh salt.</summary>
    public static void PerOperationKey(ReadOnlySpan<byte> tenantKey, ReadOnlySpan<byte> salt, Span<byte> destination) =>
        Pbkdf2Sha256(tenantKey, salt, PerOperationIterations, destination);
}
