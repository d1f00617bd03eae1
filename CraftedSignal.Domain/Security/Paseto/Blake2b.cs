using System.Buffers.Binary;
using System.Numerics;

namespace CraftedSignal.Domain.Security.Paseto;

/// <summary>
/// BLAKE2b (RFC 7693), keyed, with an output of 1 to 64 bytes. .NET has no BLAKE2b and no package may be added; PASETO v2
/// needs it only to derive a nonce, so this is the RFC's reference algorithm, one call at a time, without streaming.
/// </summary>
internal static class Blake2b
{
    public const int MaxOutputBytes = 64;
    public const int MaxKeyBytes = 64;

    private const int BlockBytes = 128;
    private const int Rounds = 12;

    private static readonly ulong[] Iv =
    [
        0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
        0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
    ];

    private static readonly byte[] Sigma =
    [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
        11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
        7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
        9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
        2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
        12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
        13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
        6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
        10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
    ];

    /// <summary>BLAKE2b of <paramref name="message"/> under <paramref name="key"/> (empty: unkeyed), <c>destination.Length</c> bytes long.</summary>
    public static void Hash(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, Span<byte> destination)
    {
        if (destination.Length is < 1 or > MaxOutputBytes)
            throw new ArgumentException($"A BLAKE2b output is 1 to {MaxOutputBytes} bytes.", nameof(destination));
        if (key.Length > MaxKeyBytes)
            throw new ArgumentException($"A BLAKE2b key is at most {MaxKeyBytes} bytes.", nameof(key));

        Span<ulong> h = stackalloc ulong[8];
        Iv.CopyTo(h);
        h[0] ^= 0x01010000UL ^ ((ulong)key.Length << 8) ^ (ulong)destination.Length;

        Span<byte> block = stackalloc byte[BlockBytes];
        Span<ulong> m = stackalloc ulong[16];
        Span<ulong> v = stackalloc ulong[16];
        UInt128 counter = 0;

        // A key is the first block on its own, padded with zeros (RFC 7693 section 3.3).
        var remaining = message;
        var keyed = !key.IsEmpty;
        if (keyed)
        {
            block.Clear();
            key.CopyTo(block);
            counter += BlockBytes;
            Compress(h, block, m, v, counter, last: message.IsEmpty);
        }

        if (!keyed || !message.IsEmpty)
        {
            while (remaining.Length > BlockBytes)
            {
                counter += BlockBytes;
                Compress(h, remaining[..BlockBytes], m, v, counter, last: false);
                remaining = remaining[BlockBytes..];
            }

            block.Clear();
            remaining.CopyTo(block);
            counter += (ulong)remaining.Length;
            Compress(h, block, m, v, counter, last: true);
        }

        Span<byte> output = stackalloc byte[MaxOutputBytes];
        for (var i = 0; i < 8; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(output[(i * 8)..], h[i]);
        output[..destination.Length].CopyTo(destination);
        block.Clear();
        output.Clear();
    }

    private static void Compress(Span<ulong> h, ReadOnlySpan<byte> block, Span<ulong> m, Span<ulong> v, UInt128 counter, bool last)
    {
        for (var i = 0; i < 16; i++)
            m[i] = BinaryPrimitives.ReadUInt64LittleEndian(block[(i * 8)..]);
        h.CopyTo(v);
        Iv.CopyTo(v[8..]);
        v[12] ^= (ulong)counter;
        v[13] ^= (ulong)(counter >> 64);
        if (last)
            v[14] = ~v[14];

        for (var round = 0; round < Rounds; round++)
        {
            var s = Sigma.AsSpan(round % 10 * 16, 16);
            Mix(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
            Mix(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
            Mix(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
            Mix(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
            Mix(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
            Mix(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
            Mix(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
            Mix(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
        }

        for (var i = 0; i < 8; i++)
            h[i] ^= v[i] ^ v[i + 8];
        m.Clear();
        v.Clear();
    }

    private static void Mix(Span<ulong> v, int a, int b, int c, int d, ulong x, ulong y)
    {
        v[a] = v[a] + v[b] + x;
        v[d] = BitOperations.RotateRight(v[d] ^ v[a], 32);
        v[c] += v[d];
        v[b] = BitOperations.RotateRight(v[b] ^ v[c], 24);
        v[a] = v[a] + v[b] + y;
        v[d] = BitOperations.RotateRight(v[d] ^ v[a], 16);
        v[c] += v[d];
        v[b] = BitOperations.RotateRight(v[b] ^ v[c], 63);
    }
}
