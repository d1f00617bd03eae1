using System.Text.RegularExpressions;

namespace CraftedSignal.Domain.Sigma.Conversion.Backends;

/// <summary>Kusto (KQL) for Microsoft Sentinel and Defender, as pySigma-backend-kusto writes it.</summary>
public sealed partial class KustoBackend : TextQueryBackend
{
    public override string Target => "kusto";

    protected override bool Parenthesize => true;

    protected override string OrToken => "or";

    protected override string AndToken => "and";

    protected override string NotToken => "not";

    protected override string EqToken => " =~ ";

    protected override string? FieldQuote => "'";

    protected override Regex? FieldQuotePattern => FieldPattern();

    protected override string? FieldEscape => string.Empty;

    protected override Regex? FieldEscapePattern => WhitespacePattern();

    protected override string WildcardSingle => "*";

    protected override string AddEscaped => "\\";

    protected override string? StartsWithExpression => "{field} startswith {value}";

    protected override string? EndsWithExpression => "{field} endswith {value}";

    protected override string? ContainsExpression => "{field} contains {value}";

    protected override string? ReExpression => "{field} matches regex \"{regex}\"";

    protected override IReadOnlyList<string> ReEscape => ["\""];

    protected override string? CidrExpression => "ipv4_is_in_range({field}, \"{value}\")";

    protected override string? CompareOpExpression => "{field} {operator} {value}";

    protected override string? FieldNullExpression => "isnull({field})";

    protected override string? FieldExistsExpression => "isnotnull({field})";

    protected override string? FieldNotExistsExpression => "isnull({field})";

    protected override bool ConvertOrAsIn => true;

    protected override bool ConvertAndAsIn => true;

    protected override bool InExpressionsAllowWildcards => true;

    protected override string? FieldInListExpression => "{field} {op} ({list})";

    protected override string? OrInOperator => "in~";

    protected override string? AndInOperator => "has_all";

    protected override string? UnboundValueStrExpression => "{value}";

    protected override string? UnboundValueNumExpression => "{value}";

    protected override string? UnboundValueReExpression => "_=~{value}";

    [GeneratedRegex(@"^\w+$")]
    private static partial Regex FieldPattern();

    [GeneratedRegex(@"\s")]
    private static partial Regex WhitespacePattern();

    /// <summary>Wildcards inside a value (not only at its ends) become a regular expression.</summary>
    protected override object? ConvertFieldEqStr(QueryFieldValue node, ConversionState state)
    {
        var value = (QueryString)node.Value;
        var count = value.Parts.Count;
        var simple = !value.ContainsSpecial || value.HasPlaceholders
            || (value.EndsWithAny && !value.Slice(0, count - 1).ContainsSpecial)
            || (value.StartsWithAny && !value.Slice(1, count).ContainsSpecial)
            || (value.StartsWithAny && value.EndsWithAny && count >= 2 && !value.Slice(1, count - 1).ContainsSpecial);
        return simple ? base.ConvertFieldEqStr(node, state) : WildcardRegex(node, value, state);
    }

    /// <summary>
    /// A value with inner wildcards as <c>matches regex</c>: anchored where the value has no wildcard, and case-insensitive
    /// unless <c>cased</c> (pySigma writes neither; one golden rule differs).
    /// </summary>
    private object? WildcardRegex(QueryFieldValue node, QueryString value, ConversionState state)
    {
        // 'matches regex' searches; anchor the ends that are not wildcards so the whole value must match.
        var pattern = (value.StartsWithAny ? string.Empty : "^") + string.Concat(value.Parts.Select(p => p.Kind switch
        {
            SigmaStringPartKind.AnyChars => ".*",
            SigmaStringPartKind.SingleChar => ".",
            _ => PythonRegexEscape(p.Text),
        })) + (value.EndsWithAny ? string.Empty : "$");
        return ConvertFieldEqRegex(new QueryFieldValue(node.Field, new QueryRegex(pattern, value.Cased ? string.Empty : "i")), state);
    }

    /// <summary>Python's <c>re.escape</c>: a backslash before regex metacharacters and whitespace.</summary>
    private static string PythonRegexEscape(string text)
    {
        const string special = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f";
        var escaped = new System.Text.StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (special.Contains(c, StringComparison.Ordinal))
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    /// <summary><c>cased</c>: KQL's case-sensitive operators (<c>==</c>, <c>startswith_cs</c>, ...); inner wildcards as a regex.</summary>
    protected override object? ConvertFieldEqStrCased(QueryFieldValue node, ConversionState state)
    {
        var value = (QueryString)node.Value;
        var count = value.Parts.Count;
        var field = EscapeAndQuoteField(node.Field);
        if (!value.ContainsSpecial || value.HasPlaceholders)
        {
            return field + " == " + ConvertValueStr(value);
        }

        if (value.EndsWithAny && !value.Slice(0, count - 1).ContainsSpecial)
        {
            return field + " startswith_cs " + ConvertValueStr(value.Slice(0, count - 1));
        }

        if (value.StartsWithAny && !value.Slice(1, count).ContainsSpecial)
        {
            return field + " endswith_cs " + ConvertValueStr(value.Slice(1, count));
        }

        if (value.StartsWithAny && value.EndsWithAny && count >= 2 && !value.Slice(1, count - 1).ContainsSpecial)
        {
            return field + " contains_cs " + ConvertValueStr(value.Slice(1, count - 1));
        }

        return WildcardRegex(node, value, state);
    }

    protected override object? ConvertFieldEqNum(QueryFieldValue node, ConversionState state) =>
        EscapeAndQuoteField(node.Field) + " == " + ((QueryNumber)node.Value).Text;

    /// <summary>Plain values go into <c>in~</c>/<c>has_all</c>; wildcard values are appended as their own expressions.</summary>
    protected override object? ConvertAsIn(IReadOnlyList<QueryNode> args, bool or, ConversionState state)
    {
        var values = args.Cast<QueryFieldValue>().ToList();
        var field = EscapeAndQuoteField(values[0].Field);
        var op = or ? OrToken : AndToken;
        var plain = string.Join(ListSeparator, values
            .Where(v => v.Value is not QueryString { ContainsSpecial: true })
            .Select(v => v.Value is QueryString s ? ConvertValueStr(s) : StrQuote + ((QueryNumber)v.Value).Text + StrQuote));
        var wildcards = new List<string>();
        foreach (var value in values.Select(v => v.Value).OfType<QueryString>().Where(s => s.ContainsSpecial))
        {
            if (value.Parts.Count > 2 && value.Slice(1, value.Parts.Count - 1).ContainsSpecial)
            {
                var contains = value.Parts.Where(p => p.Kind == SigmaStringPartKind.Literal)
                    .Select(p => Format(ContainsExpression!, ("field", field), ("value", ConvertValueStr(new QueryString([p])))));
                wildcards.Add(Format(GroupExpression, ("expr", string.Join(TokenSeparator + AndToken + TokenSeparator, contains))));
            }
            else
            {
                wildcards.Add((string)ConvertFieldEqStr(new QueryFieldValue(field, value), state)!);
            }
        }

        var inList = plain.Length > 0 ? Format(FieldInListExpression!, ("field", field), ("op", (or ? OrInOperator : AndInOperator)!), ("list", plain)) : string.Empty;
        var rest = string.Join(TokenSeparator + op + TokenSeparator, wildcards);
        return inList.Length > 0 && rest.Length > 0 ? inList + TokenSeparator + op + TokenSeparator + rest : inList + rest;
    }

    protected override object? ConvertNot(QueryNot node, ConversionState state)
    {
        if (Unwrap(node.Arg) is QueryAnd or QueryOr or QueryNot)
        {
            return NotToken + "(" + (string?)ConvertGroup(node.Arg, state) + ")";
        }

        var converted = Convert(node.Arg, state, node);
        return converted is string text ? NotToken + "(" + text + ")" : converted;
    }

    /// <summary>With a <c>query_table</c> state (set by a pipeline) the query starts from that table.</summary>
    protected override string FinalizeQuery(string query, ConversionState state)
    {
        var finalized = base.FinalizeQuery(query, state);
        return state.ProcessingState.TryGetValue("query_table", out var table) ? $"{table}\n| where {finalized}" : finalized;
    }

    // pySigma-backend-kusto un-escapes '*' (KQL operators have no wildcards); line breaks and tabs become KQL escapes.
    protected override string ConvertValueStr(QueryString value) =>
        EscapeControlCharacters(base.ConvertValueStr(value).Replace("\\*", "*", StringComparison.Ordinal));

    protected override string ConvertValueRegex(QueryRegex regex) => EscapeControlCharacters(base.ConvertValueRegex(regex));
}
