using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace CraftedSignal.Domain.Identity;

/// <summary>Argon2id cost: iterations (t), memory in KiB (m) and lanes (p).</summary>
internal readonly record struct Argon2idCost(int Iterations, int MemoryKiB, int Parallelism);

/// <summary>
/// A stored Argon2id hash in PHC string format:
/// <c>$argon2id$v=19$m=65536,t=3,p=4$&lt;salt&gt;$&lt;hash&gt;</c>, salt and hash in standard base64 without padding,
/// exactly as the reference implementation (<c>argon2 -e</c>) encodes it.
/// </summary>
internal sealed record Argon2idPhcString(Argon2idCost Cost, byte[] Salt, byte[] Hash)
{
    private const string Prefix = "$argon2id$v=19$";

    // Longest well-formed string within the caps: prefix, "m=1048576,t=10,p=16$", 64-byte salt and hash.
    private const int MaxLength = 256;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{Prefix}m={Cost.MemoryKiB},t={Cost.Iterations},p={Cost.Parallelism}${ToBase64(Salt)}${ToBase64(Hash)}");

    /// <summary>Parses strictly; anything unexpected, out of bounds or non-canonical is rejected, never thrown.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out Argon2idPhcString? phc)
    {
        phc = null;
        if (value is null || value.Length > MaxLength || !value.StartsWith(Prefix, StringComparison.Ordinal))
            return false;

        var rest = value.AsSpan(Prefix.Length);
        if (!TryReadParameter(ref rest, "m=", ',', out var memoryKiB)
            || !TryReadParameter(ref rest, "t=", ',', out var iterations)
            || !TryReadParameter(ref rest, "p=", '$', out var parallelism))
            return false;

        if (iterations is < 1 or > PasswordHashingOptions.MaxIterations
            || parallelism is < 1 or > PasswordHashingOptions.MaxParallelism
            || memoryKiB < 8 * parallelism || memoryKiB > PasswordHashingOptions.MaxMemoryKiB)
            return false;

        var separator = rest.IndexOf('$');
        if (separator < 0
            || !TryFromBase64(rest[..separator], out var salt)
            || !TryFromBase64(rest[(separator + 1)..], out var hash)
            || salt.Length is < PasswordHashingOptions.MinSaltBytes or > PasswordHashingOptions.MaxSaltBytes
            || hash.Length is < PasswordHashingOptions.MinHashBytes or > PasswordHashingOptions.MaxHashBytes)
            return false;

        phc = new Argon2idPhcString(new Argon2idCost(iterations, memoryKiB, parallelism), salt, hash);
        return true;
    }

    // Reads "name=<decimal>" followed by the terminator; no sign, no leading zeros, at most 7 digits.
    private static bool TryReadParameter(ref ReadOnlySpan<char> rest, string name, char terminator, out int value)
    {
        value = 0;
        if (!rest.StartsWith(name, StringComparison.Ordinal))
            return false;
        var end = rest.IndexOf(terminator);
        var digits = end < 0 ? default : rest[name.Length..end];
        if (digits.Length is 0 or > 7 || (digits[0] == '0' && digits.Length > 1))
            return false;
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
                return false;
            value = (value * 10) + (c - '0');
        }
        rest = rest[(end + 1)..];
        return true;
    }

    private static string ToBase64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    // Standard alphabet, no padding, canonical (re-encoding gives back the same text).
    private static bool TryFromBase64(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (text.IsEmpty || text.Length % 4 == 1)
            return false;
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/'))
                return false;
        }
        var padded = string.Concat(text, new string('=', (4 - (text.Length % 4)) % 4));
        var buffer = new byte[Base64.GetMaxDecodedFromUtf8Length(padded.Length)];
        if (!Convert.TryFromBase64String(padded, buffer, out var written))
            return false;
        bytes = buffer[..written];
        return ToBase64(bytes).AsSpan().SequenceEqual(text);
    }
}
