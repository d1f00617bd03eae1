using System.Globalization;
using System.Text;

namespace CraftedSignal.Domain.Sigma;

/// <summary>A value in a detection item, as written in the rule.</summary>
public abstract record SigmaValue(SourcePosition Position);

public enum SigmaStringPartKind
{
    /// <summary>Plain text.</summary>
    Literal,

    /// <summary>An unescaped <c>*</c>: any number of characters.</summary>
    AnyChars,

    /// <summary>An unescaped <c>?</c>: exactly one character.</summary>
    SingleChar,

    /// <summary>A <c>%name%</c> placeholder (only with the <c>expand</c> modifier).</summary>
    Placeholder,
}

public sealed record SigmaStringPart(SigmaStringPartKind Kind, string Text)
{
    public static SigmaStringPart AnyChars { get; } = new(SigmaStringPartKind.AnyChars, "*");

    public static SigmaStringPart SingleChar { get; } = new(SigmaStringPartKind.SingleChar, "?");
}

/// <summary>
/// A Sigma string: the original text and its structure after escapes (<c>\*</c>, <c>\?</c>, <c>\\</c>) are resolved
/// into literal text and wildcards.
/// </summary>
public sealed record SigmaString(string Original, IReadOnlyList<SigmaStringPart> Parts, SourcePosition Position) : SigmaValue(Position)
{
    public bool HasWildcards => Parts.Any(p => p.Kind is SigmaStringPartKind.AnyChars or SigmaStringPartKind.SingleChar);

    public bool HasPlaceholders => Parts.Any(p => p.Kind == SigmaStringPartKind.Placeholder);

    /// <summary>The text with wildcards as <c>*</c>/<c>?</c> and no escapes (lossy for escaped wildcards).</summary>
    public string PlainText => string.Concat(Parts.Select(p => p.Kind == SigmaStringPartKind.Placeholder ? $"%{p.Text}%" : p.Text));

    /// <summary>The text with the escapes it needs to be read back as the same structure.</summary>
    public string Escaped => string.Concat(Parts.Select(p => p.Kind switch
    {
        SigmaStringPartKind.Literal => p.Text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("*", "\\*", StringComparison.Ordinal).Replace("?", "\\?", StringComparison.Ordinal),
        SigmaStringPartKind.Placeholder => $"%{p.Text}%",
        _ => p.Text,
    }));

    public static SigmaString Parse(string text, SourcePosition position, bool placeholders = false)
    {
        var parts = new List<SigmaStringPart>();
        var literal = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length && (text[i + 1] is '*' or '?' or '\\' || (placeholders && text[i + 1] == '%')))
            {
                literal.Append(text[++i]);
            }
            else if (c is '*' or '?')
            {
                Flush();
                parts.Add(c == '*' ? SigmaStringPart.AnyChars : SigmaStringPart.SingleChar);
            }
            else if (placeholders && c == '%' && text.IndexOf('%', i + 1) is var end && end > i + 1)
            {
                Flush();
                parts.Add(new SigmaStringPart(SigmaStringPartKind.Placeholder, text[(i + 1)..end]));
                i = end;
            }
            else
            {
                literal.Append(c);
            }
        }

        Flush();
        return new SigmaString(text, parts, position);

        void Flush()
        {
            if (literal.Length > 0)
            {
                parts.Add(new SigmaStringPart(SigmaStringPartKind.Literal, literal.ToString()));
                literal.Clear();
            }
        }
    }

    public static SigmaString FromLiteral(string text, SourcePosition position) =>
        new(text, text.Length == 0 ? [] : [new SigmaStringPart(SigmaStringPartKind.Literal, text)], position);

    public SigmaString WithParts(IReadOnlyList<SigmaStringPart> parts) => this with { Parts = parts };
}

/// <summary>A number, keeping the text it was written as.</summary>
public sealed record SigmaNumber(string Raw, double Value, SourcePosition Position) : SigmaValue(Position)
{
    public static SigmaNumber Parse(string raw, SourcePosition position)
    {
        double value;
        if (raw.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            value = long.TryParse(raw.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex) ? hex : double.NaN;
        }
        else if (raw.StartsWith("0o", StringComparison.OrdinalIgnoreCase))
        {
            value = raw.Length > 2 ? Convert.ToInt64(raw[2..], 8) : double.NaN;
        }
        else
        {
            value = double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : double.NaN;
        }

        return new SigmaNumber(raw, value, position);
    }
}

public sealed record SigmaBoolean(bool Value, SourcePosition Position) : SigmaValue(Position);

public sealed record SigmaNull(SourcePosition Position) : SigmaValue(Position);
