using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace CraftedSignal.Domain.Sigma.Conversion;

/// <summary>Applies value modifiers left to right as pySigma does, turning rule values into <see cref="QueryValue"/>s.</summary>
internal static partial class ModifierApplier
{
    private static readonly string[] WindashCharacters = ["-", "/", "\u2013", "\u2014", "\u2015"];

    [GeneratedRegex(@"\B[-/]\b")]
    private static partial Regex WindashPosition();

    public static ConversionItem Apply(SigmaDetectionItem item)
    {
        var modifiers = item.Modifiers.Select(m => m.Modifier).ToList();
        var values = new List<QueryValue>(item.Values.Count);
        foreach (var value in item.Values)
        {
            var converted = Initial(value, modifiers);
            foreach (var modifier in modifiers)
            {
                converted = Apply(modifier, converted);
            }

            values.Add(converted);
        }

        return new ConversionItem(item.Field, values, item.Has(SigmaModifier.All), modifiers);
    }

    private static QueryValue Initial(SigmaValue value, List<SigmaModifier> modifiers) => value switch
    {
        SigmaString s when modifiers.Contains(SigmaModifier.Re) || modifiers.Contains(SigmaModifier.Cidr) || modifiers.Contains(SigmaModifier.FieldRef) =>
            QueryString.Literal(s.Original),
        SigmaString s => new QueryString(QueryString.Merge(s.Parts)),
        SigmaNumber n when IsYaml11String(n.Raw) => QueryString.Literal(n.Raw),
        SigmaNumber n => new QueryNumber(NumberText(n)),
        SigmaBoolean b => new QueryBoolean(b.Value),
        _ => new QueryNull(),
    };

    // pySigma reads rules with YAML 1.1: a leading zero means octal, and with a digit 8 or 9 the scalar is a string.
    private static bool IsYaml11String(string raw) =>
        raw.Length > 1 && raw[0] == '0' && raw.All(char.IsAsciiDigit) && raw.Any(c => c is '8' or '9');

    private static string NumberText(SigmaNumber number)
    {
        if (number.Raw.Length > 1 && number.Raw[0] == '0' && number.Raw.All(char.IsAsciiDigit))
        {
            return System.Convert.ToInt64(number.Raw, 8).ToString(CultureInfo.InvariantCulture);
        }

        if (long.TryParse(number.Raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer.ToString(CultureInfo.InvariantCulture);
        }

        return double.IsNaN(number.Value) || number.Value != Math.Floor(number.Value) || number.Raw.Contains('.', StringComparison.Ordinal)
            ? number.Raw
            : ((long)number.Value).ToString(CultureInfo.InvariantCulture);
    }

    private static QueryValue Apply(SigmaModifier modifier, QueryValue value)
    {
        if (value is QueryExpansion expansion && modifier is not SigmaModifier.All)
        {
            return new QueryExpansion([.. expansion.Values.Select(v => Apply(modifier, v))]);
        }

        return modifier switch
        {
            SigmaModifier.All or SigmaModifier.Expand => value,
            SigmaModifier.Contains => Wrap(value, true, true),
            SigmaModifier.StartsWith => Wrap(value, false, true),
            SigmaModifier.EndsWith => Wrap(value, true, false),
            SigmaModifier.Cased => String(value, modifier) with { Cased = true },
            SigmaModifier.Windash => Windash(String(value, modifier)),
            SigmaModifier.Base64 => QueryString.Literal(Convert.ToBase64String(Bytes(String(value, modifier), "base64"))),
            SigmaModifier.Base64Offset => Base64Offset(String(value, modifier)),
            SigmaModifier.Wide or SigmaModifier.Utf16Le => Encode(String(value, modifier), Encoding.Unicode, false),
            SigmaModifier.Utf16Be => Encode(String(value, modifier), Encoding.BigEndianUnicode, false),
            SigmaModifier.Utf16 => Encode(String(value, modifier), Encoding.Unicode, true),
            SigmaModifier.Re => new QueryRegex(String(value, modifier).Plain, string.Empty),
            SigmaModifier.ReIgnoreCase => Flag(value, 'i'),
            SigmaModifier.ReMultiline => Flag(value, 'm'),
            SigmaModifier.ReDotAll => Flag(value, 's'),
            SigmaModifier.Cidr => Cidr(String(value, modifier).Plain),
            SigmaModifier.Lt => Compare(value, QueryCompareOperator.Lt),
            SigmaModifier.Lte => Compare(value, QueryCompareOperator.Lte),
            SigmaModifier.Gt => Compare(value, QueryCompareOperator.Gt),
            SigmaModifier.Gte => Compare(value, QueryCompareOperator.Gte),
            SigmaModifier.Exists => value is QueryBoolean b
                ? new QueryExists(b.Value)
                : throw new ConversionException(new InvalidValue("The 'exists' modifier needs a boolean value (true or false).")),
            SigmaModifier.FieldRef => new QueryFieldRef(String(value, modifier).Plain),
            _ => throw new ConversionException(new InvalidValue($"The modifier '{modifier.ToString().ToLowerInvariant()}' is not supported by the converter.")),
        };
    }

    private static QueryString String(QueryValue value, SigmaModifier modifier) => value switch
    {
        QueryString s => s,
        QueryNumber n => QueryString.Literal(n.Text),
        _ => throw new ConversionException(new InvalidValue(
            $"The modifier '{modifier.ToString().ToLowerInvariant()}' can't be applied to a value of type {value.GetType().Name.Replace("Query", string.Empty, StringComparison.Ordinal).ToLowerInvariant()}.")),
    };

    private static QueryValue Wrap(QueryValue value, bool start, bool end)
    {
        if (value is QueryRegex regex)
        {
            var pattern = regex.Pattern;
            if (start && !pattern.StartsWith(".*", StringComparison.Ordinal) && !pattern.StartsWith('^'))
            {
                pattern = ".*" + pattern;
            }

            if (end && !pattern.EndsWith(".*", StringComparison.Ordinal) && !pattern.EndsWith('$'))
            {
                pattern += ".*";
            }

            return regex with { Pattern = pattern };
        }

        var s = String(value, start && end ? SigmaModifier.Contains : start ? SigmaModifier.EndsWith : SigmaModifier.StartsWith);
        if (start && !s.StartsWithAny)
        {
            s = s.Prepend(SigmaStringPart.AnyChars);
        }

        if (end && !s.EndsWithAny)
        {
            s = s.Append(SigmaStringPart.AnyChars);
        }

        return s;
    }

    private static QueryExpansion Windash(QueryString value)
    {
        // Each dash or slash that starts a word becomes a placeholder; the expansion is every combination.
        var variants = new List<List<SigmaStringPart>> { new() };
        foreach (var part in value.Parts)
        {
            if (part.Kind != SigmaStringPartKind.Literal)
            {
                variants.ForEach(v => v.Add(part));
                continue;
            }

            var position = 0;
            foreach (Match match in WindashPosition().Matches(part.Text))
            {
                var before = part.Text[position..match.Index];
                variants = [.. variants.SelectMany(v => WindashCharacters.Select(c => new List<SigmaStringPart>(v)
                {
                    new(SigmaStringPartKind.Literal, before + c),
                }))];
                position = match.Index + 1;
            }

            var rest = part.Text[position..];
            variants.ForEach(v => v.Add(new SigmaStringPart(SigmaStringPartKind.Literal, rest)));
        }

        return new QueryExpansion([.. variants.Select(v => (QueryValue)(value with { Parts = QueryString.Merge(v) }))]);
    }

    private static byte[] Bytes(QueryString value, string modifier)
    {
        if (value.ContainsSpecial)
        {
            throw new ConversionException(new InvalidValue($"Base64 encoding of strings with wildcards or placeholders is not allowed ({modifier})."));
        }

        return Encoding.UTF8.GetBytes(value.Plain);
    }

    private static QueryExpansion Base64Offset(QueryString value)
    {
        int[] startOffsets = [0, 2, 3];
        int?[] endOffsets = [null, -3, -2];
        var bytes = Bytes(value, "base64offset");
        var length = value.Plain.Length;
        var values = new List<QueryValue>(3);
        for (var i = 0; i < 3; i++)
        {
            var shifted = new byte[i + bytes.Length];
            shifted.AsSpan(0, i).Fill((byte)' ');
            bytes.CopyTo(shifted, i);
            var encoded = Convert.ToBase64String(shifted);
            var end = endOffsets[(length + i) % 3] is { } e ? encoded.Length + e : encoded.Length;
            var start = Math.Min(startOffsets[i], encoded.Length);
            values.Add(QueryString.Literal(end > start ? encoded[start..end] : string.Empty));
        }

        return new QueryExpansion(values);
    }

    private static QueryString Encode(QueryString value, Encoding encoding, bool byteOrderMark)
    {
        // pySigma keeps the encoded bytes as characters (utf-16le bytes read back as text): ASCII only.
        var parts = new List<SigmaStringPart>();
        var first = true;
        foreach (var part in value.Parts)
        {
            if (part.Kind != SigmaStringPartKind.Literal)
            {
                parts.Add(part);
                continue;
            }

            if (part.Text.Any(c => c > 0x7f))
            {
                throw new ConversionException(new InvalidValue("Wide/UTF-16 encoding is only supported for ASCII characters."));
            }

            var bytes = encoding.GetBytes(part.Text);
            var text = new StringBuilder();
            if (byteOrderMark && first)
            {
                text.Append(encoding.GetPreamble().Select(b => (char)b).ToArray());
            }

            text.Append(bytes.Select(b => (char)b).ToArray());
            parts.Add(new SigmaStringPart(SigmaStringPartKind.Literal, text.ToString()));
            first = false;
        }

        return value with { Parts = QueryString.Merge(parts) };
    }

    private static QueryRegex Flag(QueryValue value, char flag) => value is QueryRegex regex
        ? regex.Flags.Contains(flag, StringComparison.Ordinal) ? regex : regex with { Flags = regex.Flags + flag }
        : throw new ConversionException(new InvalidValue($"The regular expression flag '{flag}' needs the 're' modifier before it."));

    private static QueryCidr Cidr(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var address = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(address, out var ip))
        {
            throw new ConversionException(new InvalidValue($"Invalid CIDR expression: {text}"));
        }

        var max = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > max))
        {
            throw new ConversionException(new InvalidValue($"Invalid CIDR expression: {text}"));
        }

        // Host bits are masked like Python's ip_network(strict=False).
        var bytes = ip.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        var network = new IPAddress(bytes);
        return new QueryCidr(text, network.ToString(), prefix);
    }

    private static QueryCompare Compare(QueryValue value, QueryCompareOperator op) => value is QueryNumber number
        ? new QueryCompare(op, number)
        : throw new ConversionException(new InvalidValue("Comparison modifiers (lt, lte, gt, gte) need a number."));
}
