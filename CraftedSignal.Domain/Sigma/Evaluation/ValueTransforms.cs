using System.Text;

namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>The transformation modifiers (expand, utf16*, base64*, windash, contains/startswith/endswith) on string values.</summary>
internal static class ValueTransforms
{
    public const int MaxWindashVariants = 4096;
    private static readonly char[] Dashes = ['-', '/', '\u2013', '\u2014', '\u2015'];

    /// <summary>A string alternative: its parts, and whether its characters stand for bytes (after a utf16 encoding).</summary>
    public sealed record Alternative(IReadOnlyList<SigmaStringPart> Parts, bool IsBytes)
    {
        public bool HasWildcards => Parts.Any(p => p.Kind is SigmaStringPartKind.AnyChars or SigmaStringPartKind.SingleChar);

        public string Literal => string.Concat(Parts.Select(p => p.Text));
    }

    public static List<Alternative>? Expand(List<Alternative> input, IReadOnlyDictionary<string, IReadOnlyList<string>> placeholders, Action<string> fail)
    {
        var output = new List<Alternative>();
        foreach (var alternative in input)
        {
            var partial = new List<List<SigmaStringPart>> { new() };
            foreach (var part in alternative.Parts)
            {
                if (part.Kind != SigmaStringPartKind.Placeholder)
                {
                    partial.ForEach(p => p.Add(part));
                    continue;
                }

                if (!placeholders.TryGetValue(part.Text, out var values) || values.Count == 0)
                {
                    fail(part.Text);
                    return null;
                }

                partial = [.. partial.SelectMany(p => values.Select(v => new List<SigmaStringPart>([.. p, .. SigmaString.Parse(v, SourcePosition.None).Parts])))];
                if (partial.Count > MaxWindashVariants)
                {
                    fail(part.Text);
                    return null;
                }
            }

            output.AddRange(partial.Select(p => new Alternative(p, alternative.IsBytes)));
        }

        return output;
    }

    public static List<Alternative> Encode(List<Alternative> input, SigmaModifier encoding) =>
        [.. input.Select(a => new Alternative([.. a.Parts.Select(p => p.Kind == SigmaStringPartKind.Literal
            ? new SigmaStringPart(SigmaStringPartKind.Literal, EncodeText(p.Text, encoding, p == a.Parts[0]))
            : p)], true))];

    private static string EncodeText(string text, SigmaModifier encoding, bool first)
    {
        var bytes = encoding switch
        {
            SigmaModifier.Utf16Be => Encoding.BigEndianUnicode.GetBytes(text),
            SigmaModifier.Utf16 when first => [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(text)],
            _ => Encoding.Unicode.GetBytes(text),
        };
        return Encoding.Latin1.GetString(bytes);
    }

    public static List<Alternative>? Base64(List<Alternative> input, bool offsets, Action<string> fail)
    {
        var output = new List<Alternative>();
        foreach (var alternative in input)
        {
            if (alternative.HasWildcards)
            {
                fail("Wildcards cannot be base64-encoded. Escape '*' and '?' (\\* \\?) or put 'contains' after the base64 modifier.");
                return null;
            }

            var bytes = alternative.IsBytes ? Encoding.Latin1.GetBytes(alternative.Literal) : Encoding.UTF8.GetBytes(alternative.Literal);
            if (!offsets)
            {
                output.Add(Literal(Convert.ToBase64String(bytes)));
                continue;
            }

            // pySigma's base64offset: three shifts, trimming the characters that depend on the neighbouring bytes.
            int[] startOffsets = [0, 2, 3];
            int[] endOffsets = [0, -3, -2];
            for (var i = 0; i < 3; i++)
            {
                var shifted = new byte[i + bytes.Length];
                Array.Fill(shifted, (byte)' ', 0, i);
                bytes.CopyTo(shifted, i);
                var encoded = Convert.ToBase64String(shifted);
                var end = endOffsets[(bytes.Length + i) % 3];
                var length = encoded.Length + end - startOffsets[i];
                if (length > 0)
                {
                    output.Add(Literal(encoded.Substring(startOffsets[i], length)));
                }
            }
        }

        return output;
    }

    public static List<Alternative>? Windash(List<Alternative> input, Action<string> fail)
    {
        var output = new List<Alternative>();
        foreach (var alternative in input)
        {
            var flat = Flatten(alternative.Parts);
            var positions = new List<int>();
            for (var i = 0; i < flat.Count; i++)
            {
                if (flat[i].Literal is '-' or '/' && (i == 0 || !IsWord(flat[i - 1])) && i + 1 < flat.Count && IsWord(flat[i + 1]))
                {
                    positions.Add(i);
                }
            }

            var variants = Math.Pow(Dashes.Length, positions.Count);
            if (variants > MaxWindashVariants)
            {
                fail($"The value has {positions.Count} dashes: windash would make {variants:N0} variants (limit {MaxWindashVariants:N0}). Split the value.");
                return null;
            }

            var combinations = new List<List<FlatChar>> { flat };
            foreach (var position in positions)
            {
                combinations = [.. combinations.SelectMany(c => Dashes.Select(d =>
                {
                    var copy = new List<FlatChar>(c);
                    copy[position] = new FlatChar(d, null);
                    return copy;
                }))];
            }

            output.AddRange(combinations.Select(c => new Alternative(Unflatten(c), alternative.IsBytes)));
        }

        return output;
    }

    public static List<Alternative> Wrap(List<Alternative> input, bool leading, bool trailing) =>
        [.. input.Select(a =>
        {
            var parts = new List<SigmaStringPart>(a.Parts);
            if (leading && (parts.Count == 0 || parts[0].Kind != SigmaStringPartKind.AnyChars))
            {
                parts.Insert(0, SigmaStringPart.AnyChars);
            }

            if (trailing && (parts.Count == 0 || parts[^1].Kind != SigmaStringPartKind.AnyChars))
            {
                parts.Add(SigmaStringPart.AnyChars);
            }

            return a with { Parts = parts };
        })];

    private static Alternative Literal(string text) => new([new SigmaStringPart(SigmaStringPartKind.Literal, text)], false);

    private readonly record struct FlatChar(char? Literal, SigmaStringPart? Special);

    private static bool IsWord(FlatChar c) => c.Literal is { } ch && (char.IsLetterOrDigit(ch) || ch == '_');

    private static List<FlatChar> Flatten(IReadOnlyList<SigmaStringPart> parts)
    {
        var flat = new List<FlatChar>();
        foreach (var part in parts)
        {
            if (part.Kind == SigmaStringPartKind.Literal)
            {
                flat.AddRange(part.Text.Select(c => new FlatChar(c, null)));
            }
            else
            {
                flat.Add(new FlatChar(null, part));
            }
        }

        return flat;
    }

    private static List<SigmaStringPart> Unflatten(List<FlatChar> flat)
    {
        var parts = new List<SigmaStringPart>();
        var literal = new StringBuilder();
        foreach (var c in flat)
        {
            if (c.Literal is { } ch)
            {
                literal.Append(ch);
                continue;
            }

            if (literal.Length > 0)
            {
                parts.Add(new SigmaStringPart(SigmaStringPartKind.Literal, literal.ToString()));
                literal.Clear();
            }

            parts.Add(c.Special!);
        }

        if (literal.Length > 0)
        {
            parts.Add(new SigmaStringPart(SigmaStringPartKind.Literal, literal.ToString()));
        }

        return parts;
    }
}
