using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using CraftedSignal.Domain.Sigma.Events;

namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>A compiled test of one event value against one rule value.</summary>
internal abstract class ValueTest
{
    public abstract bool Test(EventValue value, EventContext context);

    /// <summary>
    /// Lowercase ASCII substrings at least one of which occurs (ignoring ASCII case) in every value the test accepts;
    /// null when there are none such.
    /// </summary>
    public virtual string[]? Needles() => null;

    /// <summary>
    /// What a field (or keyword, slot -1) item needs: one needle of any test, or of every test with <c>all</c>. A field
    /// test without needles still needs the field.
    /// </summary>
    public static Requirement Require(int slot, ValueTest[] tests, bool all, Func<string, bool>? usable = null)
    {
        var parts = tests.Select(t => t.Needles() is { } needles && needles.All(usable ?? (_ => true))
            ? Requirement.AnyNeedle(slot, needles)
            : slot >= 0 ? Requirement.Present(slot) : Requirement.Unknown);
        return all ? Requirement.All(parts) : Requirement.Any(parts);
    }

    /// <summary>
    /// Whether a literal can be a needle: ASCII (found ignoring ASCII case), or holding a character that no case mapping
    /// turns into ASCII (then only a non-ASCII value can match, see <see cref="RulePrefilter"/>). Other non-ASCII
    /// literals are not: the comparisons used map non-ASCII case differently.
    /// </summary>
    protected static bool IsNeedle(string text) => text.Length > 0
        && (System.Text.Ascii.IsValid(text) || text.Any(c => c >= 128 && char.ToUpperInvariant(c) >= 128 && char.ToLowerInvariant(c) >= 128));
}

/// <summary>Several alternatives for one rule value (windash, base64offset, expand): any may match.</summary>
internal sealed class AnyOfTest(ValueTest[] alternatives) : ValueTest
{
    public override string[]? Needles()
    {
        var needles = new List<string>();
        foreach (var alternative in alternatives)
        {
            if (alternative.Needles() is not { } some)
            {
                return null;
            }

            needles.AddRange(some);
        }

        return [.. needles.Distinct(StringComparer.Ordinal)];
    }
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Test(EventValue value, EventContext context)
    {
        foreach (var alternative in alternatives)
        {
            if (alternative.Test(value, context))
            {
                return true;
            }
        }

        return false;
    }
}

internal enum StringTestKind
{
    Equals,
    StartsWith,
    EndsWith,
    Contains,
    Any,
}

/// <summary>Plain string comparisons on spans, case-insensitive unless <c>cased</c>.</summary>
internal sealed class StringTest(StringTestKind kind, string needle, bool cased) : ValueTest
{
    public string Needle => _needle;

    public bool Cased => cased;

    private readonly StringComparison _comparison = cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
    private readonly string _needle = cased ? needle : needle.ToLowerInvariant();

    public StringTestKind Kind => kind;

    public override string[]? Needles() => kind != StringTestKind.Any && IsNeedle(_needle) ? [_needle.ToLowerInvariant()] : null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Test(EventValue value, EventContext context)
    {
        if (!value.IsScalar)
        {
            return false;
        }

        var text = value.Text.AsSpan();
        return kind switch
        {
            StringTestKind.Equals => text.Equals(_needle, _comparison),
            StringTestKind.StartsWith => text.StartsWith(_needle, _comparison),
            StringTestKind.EndsWith => text.EndsWith(_needle, _comparison),
            // Lowercase haystack (once per value and event) + ordinal search: vectorised, also for non-ASCII needles.
            StringTestKind.Contains => (cased ? value.Text : value.Lower).Contains(_needle, StringComparison.Ordinal),
            _ => true,
        };
    }
}

/// <summary>A value with wildcards in the middle (<c>C:\Users\*\AppData\*.exe</c>): linear-time glob matching.</summary>
internal sealed class GlobTest : ValueTest
{
    private readonly string _pattern;
    private readonly bool[] _star;
    private readonly bool[] _single;
    private readonly bool _cased;

    public GlobTest(IReadOnlyList<SigmaStringPart> parts, bool cased)
    {
        _cased = cased;
        var chars = new List<char>();
        var star = new List<bool>();
        var single = new List<bool>();
        foreach (var part in parts)
        {
            switch (part.Kind)
            {
                case SigmaStringPartKind.AnyChars:
                    chars.Add('*');
                    star.Add(true);
                    single.Add(false);
                    break;
                case SigmaStringPartKind.SingleChar:
                    chars.Add('?');
                    star.Add(false);
                    single.Add(true);
                    break;
                default:
                    foreach (var c in part.Text)
                    {
                        chars.Add(cased ? c : char.ToLowerInvariant(c));
                        star.Add(false);
                        single.Add(false);
                    }

                    break;
            }
        }

        _pattern = new string([.. chars]);
        _star = [.. star];
        _single = [.. single];
    }

    /// <summary>The longest run of literal characters: every accepted value contains it.</summary>
    public override string[]? Needles()
    {
        var best = string.Empty;
        var start = 0;
        for (var i = 0; i <= _pattern.Length; i++)
        {
            if (i == _pattern.Length || _star[i] || _single[i])
            {
                if (i - start > best.Length)
                {
                    best = _pattern[start..i];
                }

                start = i + 1;
            }
        }

        return IsNeedle(best) ? [best.ToLowerInvariant()] : null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Test(EventValue value, EventContext context)
    {
        if (!value.IsScalar)
        {
            return false;
        }

        var text = value.Text;
        int p = 0, t = 0, starAt = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < _pattern.Length && !_star[p] && (_single[p] || _pattern[p] == Fold(text[t])))
            {
                p++;
                t++;
            }
            else if (p < _pattern.Length && _star[p])
            {
                starAt = p++;
                mark = t;
            }
            else if (starAt >= 0)
            {
                p = starAt + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < _pattern.Length && _star[p])
        {
            p++;
        }

        return p == _pattern.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private char Fold(char c) => _cased ? c : char.ToLowerInvariant(c);
}

/// <summary>A YAML number: equal as a number, or as text when the event value is not numeric.</summary>
internal sealed class NumberTest(SigmaNumber number) : ValueTest
{
    /// <summary>
    /// Text that parses to the number either has a decimal point, an exponent or a 0x prefix, or is an integer written
    /// with its digits (signs, blanks and leading zeros aside, and exact below 10^15); text that does not parse must
    /// equal the raw value.
    /// </summary>
    public override string[]? Needles()
    {
        if (!IsNeedle(number.Raw))
        {
            return null;
        }

        var value = number.Value;
        if (double.IsInfinity(value))
        {
            return null;
        }

        var needles = new List<string> { ".", "e", "0x", number.Raw.ToLowerInvariant() };
        if (Math.Abs(value) < 1e15 && value == Math.Floor(value))
        {
            needles.Add(Math.Abs(value).ToString("0", CultureInfo.InvariantCulture));
        }

        return [.. needles.Distinct(StringComparer.Ordinal)];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Test(EventValue value, EventContext context)
    {
        if (!value.IsScalar)
        {
            return false;
        }

        if (value.Number is { } actual && !double.IsNaN(number.Value))
        {
            return actual == number.Value;
        }

        return value.Text.Equals(number.Raw, StringComparison.OrdinalIgnoreCase);
    }
}

internal sealed class BooleanTest(bool expected) : ValueTest
{
    private readonly string _text = expected ? "true" : "false";

    public override string[]? Needles() => [_text];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Test(EventValue value, EventContext context) =>
        value.Kind is EventValueKind.Boolean or EventValueKind.String && value.Text.Equals(_text, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// <c>re</c>: a regular expression that can never hang (linear-time engine or a match timeout). It is built on first
/// use: the linear-time engine holds about half a megabyte per pattern, and the prefilter leaves many never needed.
/// </summary>
internal sealed class RegexTest(Func<Regex> create, string? literal, bool linear) : ValueTest
{
    private Regex? _regex;

    // The backtracking pattern with the shorter timeouts of SigmaRegex.ShorterTimeouts, built when a budget first needs one.
    private Regex?[]? _shorter;

    /// <summary>A literal every match contains (<see cref="RegexLiterals"/>), when there is one.</summary>
    public override string[]? Needles() => literal is not null && IsNeedle(literal) ? [literal] : null;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Test(EventValue value, EventContext context)
    {
        if (!value.IsScalar)
        {
            return false;
        }

        var regex = _regex ??= create();

        // A backtracking match can take up to its timeout: the evaluation's budget is checked before each one, and a
        // match may take no longer than what is left of it.
        if (!linear && context.Budget is { } budget)
        {
            budget.ThrowIfSpent();
            if (SigmaRegex.ShorterTimeout(budget.Remaining) is { } index)
            {
                _shorter ??= new Regex?[SigmaRegex.ShorterTimeouts.Length];
                regex = _shorter[index] ??= new Regex(regex.ToString(), regex.Options, SigmaRegex.ShorterTimeouts[index]);
            }
        }

        try
        {
            return regex.IsMatch(value.Text);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}

/// <summary><c>cidr</c>: the value is an IPv4 or IPv6 address inside the network.</summary>
internal sealed class CidrTest(byte[] network, int prefixLength) : ValueTest
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Test(EventValue value, EventContext context)
    {
        if (!value.IsScalar || !IPAddress.TryParse(value.Text.AsSpan().Trim(), out var address))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6 && network.Length == 4)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written) || written != network.Length)
        {
            return false;
        }

        return Cidr.PrefixMatches(bytes[..written], network, prefixLength);
    }
}

internal static class Cidr
{
    public static bool TryParse(string text, out byte[] network, out int prefixLength)
    {
        network = [];
        prefixLength = 0;
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText, out var address) || (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            && address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6))
        {
            return false;
        }

        network = address.GetAddressBytes();
        var max = network.Length * 8;
        if (slash < 0)
        {
            prefixLength = max;
            return true;
        }

        return int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefixLength)
            && prefixLength >= 0 && prefixLength <= max;
    }

    public static bool PrefixMatches(ReadOnlySpan<byte> address, byte[] network, int prefixLength)
    {
        var full = prefixLength / 8;
        if (!address[..full].SequenceEqual(network.AsSpan(0, full)))
        {
            return false;
        }

        var rest = prefixLength % 8;
        if (rest == 0)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - rest));
        return (address[full] & mask) == (network[full] & mask);
    }
}

internal enum Comparison
{
    Eq,
    Lt,
    Lte,
    Gt,
    Gte,
}

/// <summary><c>lt</c>, <c>lte</c>, <c>gt</c>, <c>gte</c>: numeric comparison of the event value.</summary>
internal sealed class CompareTest(Comparison comparison, double limit) : ValueTest
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Test(EventValue value, EventContext context) =>
        value.IsScalar && value.Number is { } actual && Compare(comparison, actual, limit);

    public static bool Compare(Comparison comparison, double actual, double limit) => comparison switch
    {
        Comparison.Lt => actual < limit,
        Comparison.Lte => actual <= limit,
        Comparison.Gt => actual > limit,
        Comparison.Gte => actual >= limit,
        _ => actual == limit,
    };
}

/// <summary><c>minute</c> ... <c>year</c>: a part of the event's date, compared with the value.</summary>
internal sealed class TimePartTest(SigmaModifier part, Comparison comparison, double limit) : ValueTest
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Test(EventValue value, EventContext context)
    {
        if (!value.IsScalar || !DateTimeOffset.TryParse(value.Text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date))
        {
            return false;
        }

        var actual = part switch
        {
            SigmaModifier.Minute => date.Minute,
            SigmaModifier.Hour => date.Hour,
            SigmaModifier.Day => date.Day,
            SigmaModifier.Week => ISOWeek.GetWeekOfYear(date.UtcDateTime),
            SigmaModifier.Month => date.Month,
            _ => date.Year,
        };
        return CompareTest.Compare(comparison, actual, limit);
    }
}

/// <summary><c>fieldref</c>: compares with another field of the same event.</summary>
internal sealed class FieldRefTest(int otherSlot, StringTestKind kind, bool cased) : ValueTest
{
    private readonly StringComparison _comparison = cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Test(EventValue value, EventContext context)
    {
        var other = context.Get(otherSlot);
        if (other is null || !other.IsScalar || !value.IsScalar)
        {
            return false;
        }

        var text = value.Text.AsSpan();
        return kind switch
        {
            StringTestKind.StartsWith => text.StartsWith(other.Text, _comparison),
            StringTestKind.EndsWith => text.EndsWith(other.Text, _comparison),
            StringTestKind.Contains => text.Contains(other.Text, _comparison),
            _ => value.Kind == EventValueKind.Number && other.Number is { } n && value.Number is { } m ? n == m : text.Equals(other.Text, _comparison),
        };
    }
}
