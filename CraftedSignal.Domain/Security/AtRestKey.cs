using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Domain.Security;

/// <summary>
/// The key for what the app keeps at rest that is not a SIEM credential: the Data Protection key ring (which signs the
/// sign-in cookies), TOTP secrets and recovery codes. HKDF-SHA256 of the master secret with its own info
/// ("data-at-rest"), in memory only, so a copy of the data folder without the master secret opens none of them. Each
/// value is AES-256-GCM with a fresh nonce, bound to its purpose (associated data), so a value moved to another user or
/// use is refused.
/// </summary>
public sealed class AtRestKey : IDisposable
{
    /// <summary>Marks a sealed text value (and its format version); a value without it was stored before sealing existed.</summary>
    public const string TextPrefix = "csar1:";

    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly byte[] _key;

    private AtRestKey(byte[] key) => _key = key;

    internal static AtRestKey Load(MasterSecretOptions options, bool generateIfMissing, ILogger logger) =>
        MasterSecretLoader.Derive(options, generateIfMissing, logger, secret => FromMasterSecret(secret));

    internal static AtRestKey FromMasterSecret(ReadOnlySpan<byte> masterSecret) => new(KeyDerivation.DataAtRestKey(masterSecret));

    /// <summary>nonce | ciphertext | tag of <paramref name="plaintext"/>, bound to <paramref name="purpose"/>.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, string purpose)
    {
        var sealedValue = new byte[NonceBytes + plaintext.Length + TagBytes];
        var nonce = sealedValue.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plaintext, sealedValue.AsSpan(NonceBytes, plaintext.Length), sealedValue.AsSpan(NonceBytes + plaintext.Length), AssociatedData(purpose));
        return sealedValue;
    }

    /// <summary>The plaintext, or null when <paramref name="sealedValue"/> was not sealed by this key for <paramref name="purpose"/>.</summary>
    public byte[]? Open(ReadOnlySpan<byte> sealedValue, string purpose)
    {
        if (sealedValue.Length < NonceBytes + TagBytes)
            return null;
        var plaintext = new byte[sealedValue.Length - NonceBytes - TagBytes];
        try
        {
            using var aes = new AesGcm(_key, TagBytes);
            aes.Decrypt(sealedValue[..NonceBytes], sealedValue[NonceBytes..^TagBytes], sealedValue[^TagBytes..], plaintext, AssociatedData(purpose));
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    /// <summary>A text value sealed for a text column: <see cref="TextPrefix"/> and base64.</summary>
    public string SealText(string plaintext, string purpose) => TextPrefix + Convert.ToBase64String(Seal(Encoding.UTF8.GetBytes(plaintext), purpose));

    /// <summary>The text <see cref="SealText"/> sealed, or null when it is not authentic (altered, another purpose, another master secret).</summary>
    public string? OpenText(string sealedText, string purpose)
    {
        if (!IsSealed(sealedText))
            return null;
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(sealedText[TextPrefix.Length..]);
        }
        catch (FormatException)
        {
            return null;
        }

        return Open(bytes, purpose) is { } plaintext ? Encoding.UTF8.GetString(plaintext) : null;
    }

    public static bool IsSealed(string? text) => text?.StartsWith(TextPrefix, StringComparison.Ordinal) == true;

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);

    private static byte[] AssociatedData(string purpose) => Encoding.UTF8.GetBytes($"craftedsignal:at-rest:v1:{purpose}");
}
