using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Security.Paseto;

/// <summary>
/// PASETO v2.local (paseto-spec, Version2): <c>v2.local.base64url(nonce || ciphertext || tag)[.base64url(footer)]</c>,
/// XChaCha20-Poly1305 under a 32-byte key with <c>PAE(header, nonce, footer)</c> as associated data. The footer is
/// authenticated, not encrypted.
/// </summary>
public static class PasetoV2Local
{
    public const int KeyBytes = XChaCha20Poly1305.KeyBytes;

    /// <summary>
    /// The longest token accepted or made, in characters. A session cookie names a row and stays far below it; the bound
    /// keeps a stranger's megabyte cookie from being decoded and decrypted at all.
    /// </summary>
    public const int MaxTokenLength = 8 * 1024;

    private const string Header = "v2.local.";
    private static readonly byte[] HeaderBytes = [.. "v2.local."u8];
    private const int NonceBytes = XChaCha20Poly1305.NonceBytes;
    private const int TagBytes = XChaCha20Poly1305.TagBytes;

    /// <summary>Encrypts <paramref name="payload"/> under <paramref name="key"/>, with <paramref name="footer"/> (empty: none) in the clear but authenticated.</summary>
    public static string Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> footer = default)
    {
        Span<byte> random = stackalloc byte[NonceBytes];
        RandomNumberGenerator.Fill(random);
        return Encrypt(key, payload, footer, random);
    }

    /// <summary>
    /// The spec's encryption with the 24 random bytes given: they key the BLAKE2b-192 of the payload that is the nonce, so a
    /// fault in the random source cannot repeat a nonce for another payload. Given bytes only reproduce the test vectors
    /// (whose <c>nonce</c> is this input, not the nonce in the token).
    /// </summary>
    internal static string Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> footer, ReadOnlySpan<byte> random)
    {
        RequireKey(key);
        if (random.Length != NonceBytes)
            throw new ArgumentException($"The nonce key is {NonceBytes} bytes.", nameof(random));
        var length = Header.Length + Base64Url.GetEncodedLength(NonceBytes + payload.Length + TagBytes)
            + (footer.IsEmpty ? 0 : 1 + Base64Url.GetEncodedLength(footer.Length));
        if (length > MaxTokenLength)
            throw new ArgumentException($"The token would be {length} characters; at most {MaxTokenLength} are accepted.", nameof(payload));

        var body = new byte[NonceBytes + payload.Length + TagBytes];
        var nonce = body.AsSpan(0, NonceBytes);
        Blake2b.Hash(random, payload, nonce);
        var associatedData = PreAuthEncode(HeaderBytes, nonce.ToArray(), footer.ToArray());
        XChaCha20Poly1305.Encrypt(key, nonce, payload, body.AsSpan(NonceBytes, payload.Length), body.AsSpan(NonceBytes + payload.Length), associatedData);

        var token = Header + Base64Url.EncodeToString(body);
        return footer.IsEmpty ? token : token + "." + Base64Url.EncodeToString(footer);
    }

    /// <summary>
    /// The payload and footer of <paramref name="token"/> when it is a v2.local token made under <paramref name="key"/>
    /// and, when <paramref name="expectedFooter"/> is given, with exactly that footer (empty: none). Any other input, of
    /// any size, is refused with <see cref="PasetoTokenRefused"/>, never an exception; the refusal never quotes the token.
    /// </summary>
    public static Result<PasetoMessage> Decrypt(ReadOnlySpan<byte> key, string? token, byte[]? expectedFooter = null)
    {
        RequireKey(key);
        if (string.IsNullOrEmpty(token))
            return new PasetoTokenRefused("it is empty.");
        if (token.Length > MaxTokenLength)
            return new PasetoTokenRefused($"it is longer than {MaxTokenLength} characters.");
        if (!token.StartsWith(Header, StringComparison.Ordinal))
            return new PasetoTokenRefused("it is not a v2.local token.");

        var parts = token.AsSpan(Header.Length);
        var dot = parts.IndexOf('.');
        var bodyText = dot < 0 ? parts : parts[..dot];
        var footerText = dot < 0 ? [] : parts[(dot + 1)..];
        if (dot >= 0 && (footerText.IsEmpty || footerText.Contains('.')))
            return new PasetoTokenRefused("it does not have the form v2.local.body[.footer].");
        if (!TryDecode(bodyText, out var body) || !TryDecode(footerText, out var footer))
            return new PasetoTokenRefused("it is not unpadded base64url.");
        if (body.Length < NonceBytes + TagBytes)
            return new PasetoTokenRefused("it is too short to hold a nonce and a tag.");
        if (expectedFooter is not null && !CryptographicOperations.FixedTimeEquals(footer, expectedFooter))
            return new PasetoTokenRefused("its footer is not the expected one.");

        var nonce = body.AsSpan(0, NonceBytes);
        var ciphertext = body.AsSpan(NonceBytes, body.Length - NonceBytes - TagBytes);
        var payload = new byte[ciphertext.Length];
        var associatedData = PreAuthEncode(HeaderBytes, nonce.ToArray(), footer);
        if (!XChaCha20Poly1305.TryDecrypt(key, nonce, ciphertext, body.AsSpan(body.Length - TagBytes), payload, associatedData))
            return new PasetoTokenRefused("it does not authenticate under this key: it was altered, or made with another key.");
        return new PasetoMessage(payload, footer);
    }

    /// <summary>
    /// PAE (paseto-spec, Common): the number of pieces, then each piece's length and bytes, lengths as 64-bit little-endian
    /// with the top bit clear. It makes the associated data unambiguous: no two lists of pieces encode alike.
    /// </summary>
    internal static byte[] PreAuthEncode(params ReadOnlySpan<byte[]> pieces)
    {
        var length = 8;
        foreach (var piece in pieces)
            length += 8 + piece.Length;
        var output = new byte[length];
        BinaryPrimitives.WriteUInt64LittleEndian(output, (ulong)pieces.Length & long.MaxValue);
        var offset = 8;
        foreach (var piece in pieces)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(output.AsSpan(offset), (ulong)piece.Length & long.MaxValue);
            piece.CopyTo(output, offset + 8);
            offset += 8 + piece.Length;
        }
        return output;
    }

    /// <summary>Strict base64url: the alphabet only, no padding, no white space, no stray bits (it must encode back to itself).</summary>
    private static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        // IsValid first: the decoder throws on a character outside the alphabet ("Try" is about the destination's size).
        bytes = [];
        if (!Base64Url.IsValid(text))
            return false;
        bytes = Base64Url.DecodeFromChars(text);
        return Base64Url.EncodeToString(bytes).AsSpan().SequenceEqual(text);
    }

    private static void RequireKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyBytes)
            throw new ArgumentException($"A v2.local key is {KeyBytes} bytes.", nameof(key));
    }
}
