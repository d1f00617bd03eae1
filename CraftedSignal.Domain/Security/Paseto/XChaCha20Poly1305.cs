using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace CraftedSignal.Domain.Security.Paseto;

/// <summary>
/// XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03): the 24-byte nonce's first 16 bytes and the key give a subkey through
/// HChaCha20, and the subkey seals with the platform's ChaCha20-Poly1305 (RFC 8439) under the nonce
/// <c>00000000 || nonce[16..24]</c>. Only HChaCha20 is written here; the AEAD itself is .NET's.
/// </summary>
internal static class XChaCha20Poly1305
{
    public const int KeyBytes = 32;
    public const int NonceBytes = 24;
    public const int TagBytes = 16;

    private const int HChaChaNonceBytes = 16;

    /// <summary>Seals <paramref name="plaintext"/> into <paramref name="ciphertext"/> (same length) and <paramref name="tag"/>.</summary>
    public static void Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> innerNonce = stackalloc byte[12];
        using var aead = Inner(key, nonce, innerNonce);
        aead.Encrypt(innerNonce, plaintext, ciphertext, tag, associatedData);
    }

    /// <summary>Opens <paramref name="ciphertext"/> into <paramref name="plaintext"/>; false (and zeros) when the tag does not match.</summary>
    public static bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        Span<byte> innerNonce = stackalloc byte[12];
        using var aead = Inner(key, nonce, innerNonce);
        try
        {
            aead.Decrypt(innerNonce, ciphertext, tag, plaintext, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
    }

    /// <summary>
    /// HChaCha20 (draft section 2.2): the ChaCha20 state of the key and the 16-byte input, 20 rounds, and words 0-3 and
    /// 12-15 of the result without the final addition.
    /// </summary>
    public static void HChaCha20(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> subkey)
    {
        if (key.Length != KeyBytes || input.Length != HChaChaNonceBytes || subkey.Length != KeyBytes)
            throw new ArgumentException($"HChaCha20 takes a {KeyBytes}-byte key and a {HChaChaNonceBytes}-byte input, and gives {KeyBytes} bytes.");
        Span<uint> x = stackalloc uint[16];
        x[0] = 0x61707865;
        x[1] = 0x3320646e;
        x[2] = 0x79622d32;
        x[3] = 0x6b206574;
        for (var i = 0; i < 8; i++)
            x[4 + i] = BinaryPrimitives.ReadUInt32LittleEndian(key[(i * 4)..]);
        for (var i = 0; i < 4; i++)
            x[12 + i] = BinaryPrimitives.ReadUInt32LittleEndian(input[(i * 4)..]);

        for (var i = 0; i < 10; i++)
        {
            QuarterRound(x, 0, 4, 8, 12);
            QuarterRound(x, 1, 5, 9, 13);
            QuarterRound(x, 2, 6, 10, 14);
            QuarterRound(x, 3, 7, 11, 15);
            QuarterRound(x, 0, 5, 10, 15);
            QuarterRound(x, 1, 6, 11, 12);
            QuarterRound(x, 2, 7, 8, 13);
            QuarterRound(x, 3, 4, 9, 14);
        }

        for (var i = 0; i < 4; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(subkey[(i * 4)..], x[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(subkey[(16 + i * 4)..], x[12 + i]);
        }
        x.Clear();
    }

    /// <summary>The RFC 8439 AEAD under the HChaCha20 subkey (zeroed here once the AEAD holds it), and its 12-byte nonce.</summary>
    private static ChaCha20Poly1305 Inner(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, Span<byte> innerNonce)
    {
        if (nonce.Length != NonceBytes)
            throw new ArgumentException($"An XChaCha20 nonce is {NonceBytes} bytes.", nameof(nonce));
        Span<byte> subkey = stackalloc byte[KeyBytes];
        try
        {
            HChaCha20(key, nonce[..HChaChaNonceBytes], subkey);
            innerNonce[..4].Clear();
            nonce[HChaChaNonceBytes..].CopyTo(innerNonce[4..]);
            return new ChaCha20Poly1305(subkey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(subkey);
        }
    }

    private static void QuarterRound(Span<uint> x, int a, int b, int c, int d)
    {
        x[a] += x[b];
        x[d] = BitOperations.RotateLeft(x[d] ^ x[a], 16);
        x[c] += x[d];
        x[b] = BitOperations.RotateLeft(x[b] ^ x[c], 12);
        x[a] += x[b];
        x[d] = BitOperations.RotateLeft(x[d] ^ x[a], 8);
        x[c] += x[d];
        x[b] = BitOperations.RotateLeft(x[b] ^ x[c], 7);
    }
}
