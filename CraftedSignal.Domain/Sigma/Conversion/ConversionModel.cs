namespace CraftedSignal.Domain.Sigma.Conversion;

/// <summary>A value of a detection item after its modifiers were applied (pySigma's value types).</summary>
public abstract record QueryValue;

/// <summary>A string with wildcards and placeholders as separate parts; <see cref="Cased"/> asks for case-sensitive matching.</summary>
public sealed record QueryString(IReadOnlyList<SigmaStringPart> Parts, bool Cased = false) : QueryValue
{
    public static QueryString Literal(string text) =>
        new(text.Length == 0 ? [] : [new SigmaStringPart(SigmaStringPartKind.Literal, text)]);

    public bool StartsWithAny => Parts.Count > 0 && Parts[0].Kind == SigmaStringPartKind.AnyChars;

    public bool EndsWithAny => Parts.Count > 0 && Parts[^1].Kind == SigmaStringPartKind.AnyChars;

    public bool ContainsSpecial => Parts.Any(p => p.Kind != SigmaStringPartKind.Literal);

    public bool HasPlaceholders => Parts.Any(p => p.Kind == SigmaStringPartKind.Placeholder);

    /// <summary>The text with wildcards as <c>*</c>/<c>?</c> (pySigma's <c>str()</c> of a string).</summary>
    public string Plain => string.Concat(Parts.Select(p => p.Kind == SigmaStringPartKind.Placeholder ? $"%{p.Text}%" : p.Text));

    public QueryString Slice(int start, int endExclusive) => this with { Parts = [.. Parts.Take(endExclusive).Skip(start)] };

    public QueryString Prepend(SigmaStringPart part) => this with { Parts = Merge([part, .. Parts]) };

    public QueryString Append(SigmaStringPart part) => this with { Parts = Merge([.. Parts, part]) };

    /// <summary>Joins adjacent literal parts, as pySigma keeps them.</summary>
    public static List<SigmaStringPart> Merge(IEnumerable<SigmaStringPart> parts)
    {
        var merged = new List<SigmaStringPart>();
        foreach (var part in parts)
        {
            if (part.Kind == SigmaStringPartKind.Literal && part.Text.Length == 0)
            {
                continue;
            }

            if (part.Kind == SigmaStringPartKind.Literal && merged.Count > 0 && merged[^1].Kind == SigmaStringPartKind.Literal)
            {
                merged[^1] = new SigmaStringPart(SigmaStringPartKind.Literal, merged[^1].Text + part.Text);
            }
            else
            {
                merged.Add(part);
            }
        }

        return merged;
    }
}

/// <summary>A number as pySigma prints it.</summary>
public sealed record QueryNumber(string Text) : QueryValue;

public sealed record QueryBoolean(bool Value) : QueryValue;

public sealed record QueryNull : QueryValue;

/// <summary>A regular expression; <see cref="Flags"/> holds the letters of <c>i</c>, <c>m</c>, <c>s</c> in modifier order.</summary>
public sealed record QueryRegex(string Pattern, string Flags) : QueryValue;

public sealed record QueryCidr(string Text, string Network, int PrefixLength) : QueryValue;

public enum QueryCompareOperator
{
    Lt,
    Lte,
    Gt,
    Gte,
}

public sealed record QueryCompare(QueryCompareOperator Operator, QueryNumber Number) : QueryValue;

public sealed record QueryExists(bool Exists) : QueryValue;

public sealed record QueryFieldRef(string Field) : QueryValue;

/// <summary>Alternatives produced by one value (windash, base64offset): OR-ed.</summary>
public sealed record QueryExpansion(IReadOnlyList<QueryValue> Values) : QueryValue;

/// <summary>A node of the condition tree a backend renders (pySigma's ConditionItem).</summary>
public abstract record QueryNode;

public sealed record QueryAnd(IReadOnlyList<QueryNode> Args) : QueryNode;

public sealed record QueryOr(IReadOnlyList<QueryNode> Args) : QueryNode;

public sealed record QueryNot(QueryNode Arg) : QueryNode;

/// <summary>A field compared with a value.</summary>
public sealed record QueryFieldValue(string Field, QueryValue Value) : QueryNode;

/// <summary>A value searched in the whole event (keywords).</summary>
public sealed record QueryKeyword(QueryValue Value) : QueryNode;
