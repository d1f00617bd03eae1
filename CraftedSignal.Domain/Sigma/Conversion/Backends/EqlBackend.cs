using System.Net;
using System.Text.RegularExpressions;

namespace CraftedSignal.Domain.Sigma.Conversion.Backends;

/// <summary>Elastic EQL, as pySigma-backend-elasticsearch writes it (<c>any where ...</c>).</summary>
public sealed partial class EqlBackend : TextQueryBackend
{
    public override string Target => "eql";

    protected override bool OrBindsTighterThanAnd => true;

    protected override bool Parenthesize => true;

    protected override string OrToken => "or";

    protected override string AndToken => "and";

    protected override string NotToken => "not";

    protected override string EqToken => ":";

    protected override string? FieldQuote => "`";

    protected override Regex? FieldQuotePattern => FieldPattern();

    protected override bool FieldQuotePatternNegation => false;

    protected override Regex? StrQuotePattern => AnyPattern();

    // pySigma puts a backslash before a raw line break or tab; EQL needs the \n, \r, \t escapes instead.
    protected override string AddEscaped => "\\\"";

    protected override string ConvertValueStr(QueryString value) => EscapeControlCharacters(base.ConvertValueStr(value));

    protected override string ConvertValueRegex(QueryRegex regex) => EscapeControlCharacters(base.ConvertValueRegex(regex));

    protected override string? ReExpression => "{field} regex~ \"{regex}\"";

    // pySigma leaves '"' unescaped, which ends the EQL string early; we escape it (4 golden rules differ, see README).
    protected override IReadOnlyList<string> ReEscape => ["/", "\""];

    protected override bool ReEscapeEscapeChar => false;

    protected override string? CaseSensitiveMatchExpression => "{field} == {value}";

    /// <summary><c>cased</c>: <c>==</c> for plain values, EQL's case-sensitive <c>like</c> when there are wildcards.</summary>
    protected override object? ConvertFieldEqStrCased(QueryFieldValue node, ConversionState state)
    {
        var value = (QueryString)node.Value;
        return value.ContainsSpecial && !value.HasPlaceholders
            ? EscapeAndQuoteField(node.Field) + " like " + ConvertValueStr(value)
            : base.ConvertFieldEqStrCased(node, state);
    }

    protected override string? CidrExpression => "cidrMatch({field}, \"{network}/{prefixlen}\")";

    protected override string? CompareOpExpression => "{field} {operator} {value}";

    protected override string? FieldNullExpression => "?{field} == null";

    protected override string? FieldExistsExpression => "?{field} != null";

    protected override string? FieldNotExistsExpression => "?{field} == null";

    protected override bool ConvertOrAsIn => true;

    protected override bool InExpressionsAllowWildcards => true;

    protected override string? FieldInListExpression => "{field}{op}({list})";

    protected override string? OrInOperator => " like~ ";

    protected override string? UnboundValueStrExpression => "{value}";

    protected override string? UnboundValueNumExpression => "{value}";

    [GeneratedRegex(@"\A(?:^\d.*|.*\s.*|-)")]
    private static partial Regex FieldPattern();

    [GeneratedRegex("^$|.*")]
    private static partial Regex AnyPattern();

    private static bool IsNullTest(QueryNode node) => Unwrap(node) is QueryFieldValue { Value: QueryNull };

    protected override bool ComparePrecedence(QueryNode outer, QueryNode inner)
    {
        if (inner is QueryNot not && IsNullTest(not.Arg))
        {
            return true;
        }

        return !IsNullTest(inner) && base.ComparePrecedence(outer, inner);
    }

    protected override object? ConvertNot(QueryNot node, ConversionState state) =>
        Unwrap(node.Arg) is QueryFieldValue { Value: QueryNull } field ? $"?{field.Field} != null" : base.ConvertNot(node, state);

    protected override object? ConvertFieldRef(QueryFieldValue node, ConversionState state) =>
        throw new ConversionException(new FeatureNotSupported("ES Lucene backend can't handle field references."));

    protected override object? ConvertFieldEqStr(QueryFieldValue node, ConversionState state)
    {
        var value = (QueryString)node.Value;
        if (value.Parts.Count == 0 || (!value.ContainsSpecial && IPAddress.TryParse(value.Plain, out _) && LooksLikeIp(value.Plain)))
        {
            return EscapeAndQuoteField(node.Field) + "==" + ConvertValueStr(value);
        }

        return base.ConvertFieldEqStr(node, state);
    }

    // Python's ipaddress.ip_address accepts only dotted quads and IPv6 text, not the shorthand forms .NET parses.
    private static bool LooksLikeIp(string text) =>
        text.Contains(':', StringComparison.Ordinal) || (text.Count(c => c == '.') == 3 && text.All(c => char.IsAsciiDigit(c) || c == '.'));

    protected override object? ConvertExpansion(QueryFieldValue node, ConversionState state, QueryNode? parent)
    {
        var or = ExpansionOr(node);
        return DecideIn(or.Args, true) ? ConvertAsIn(or.Args, true, state) : base.ConvertExpansion(node, state, parent);
    }

    protected override string FinalizeQuery(string query, ConversionState state) => "any where " + base.FinalizeQuery(query, state);
}
