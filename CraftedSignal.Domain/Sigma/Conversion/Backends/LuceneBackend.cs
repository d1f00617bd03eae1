using System.Text.RegularExpressions;

namespace CraftedSignal.Domain.Sigma.Conversion.Backends;

/// <summary>Elasticsearch query string (Lucene syntax), as pySigma-backend-elasticsearch writes it.</summary>
public sealed partial class LuceneBackend : TextQueryBackend
{
    public override string Target => "lucene";

    protected override bool OrBindsTighterThanAnd => true;

    protected override bool Parenthesize => true;

    protected override string OrToken => "OR";

    protected override string AndToken => "AND";

    protected override string NotToken => "NOT";

    protected override string EqToken => ":";

    protected override string? FieldEscape => "\\";

    protected override Regex? FieldEscapePattern => FieldEscapeChars();

    protected override Regex? StrQuotePattern => EmptyPattern();

    // pySigma's list plus line breaks and tabs, which would otherwise end the term.
    protected override string AddEscaped => "+-=&|!(){}[]<>^\"~*?:\\/ \n\r\t";

    protected override string? ReExpression => "{field}:/{regex}/";

    // pySigma escapes only '/'; '"' must be escaped too or Lucene's regex syntax reads it as a quoted string.
    protected override IReadOnlyList<string> ReEscape => ["/", "\""];

    protected override bool ReEscapeEscapeChar => false;

    protected override string? CidrExpression => "{field}:{network}\\/{prefixlen}";

    protected override string? CompareOpExpression => "{field}:{operator}{value}";

    protected override string? FieldNullExpression => "NOT _exists_:{field}";

    protected override string? FieldExistsExpression => "_exists_:{field}";

    protected override string? FieldNotExistsExpression => "NOT _exists_:{field}";

    protected override bool ConvertOrAsIn => true;

    protected override bool InExpressionsAllowWildcards => true;

    protected override string? FieldInListExpression => "{field}{op}({list})";

    protected override string? OrInOperator => ":";

    protected override string ListSeparator => " OR ";

    protected override string? UnboundValueStrExpression => "*{value}*";

    protected override string? UnboundValueNumExpression => "{value}";

    [GeneratedRegex(@"[\s*]")]
    private static partial Regex FieldEscapeChars();

    [GeneratedRegex("^$")]
    private static partial Regex EmptyPattern();

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
        Unwrap(node.Arg) is QueryFieldValue { Value: QueryNull } field ? "_exists_:" + EscapeAndQuoteField(field.Field) : base.ConvertNot(node, state);

    protected override object? ConvertFieldRef(QueryFieldValue node, ConversionState state) =>
        throw new ConversionException(new FeatureNotSupported("ES Lucene backend can't handle field references."));

    protected override object? ConvertFieldEqCidr(QueryFieldValue node, ConversionState state)
    {
        var converted = (string)base.ConvertFieldEqCidr(node, state)!;
        if (!((QueryCidr)node.Value).Text.Contains(':', StringComparison.Ordinal))
        {
            return converted;
        }

        // Escape the colons of an IPv6 network, except the one after the field name.
        var escaped = converted.Replace(":", "\\:", StringComparison.Ordinal);
        var first = escaped.IndexOf("\\:", StringComparison.Ordinal);
        return escaped[..first] + ":" + escaped[(first + 2)..];
    }

    protected override object? ConvertExpansion(QueryFieldValue node, ConversionState state, QueryNode? parent)
    {
        var or = ExpansionOr(node);
        return DecideIn(or.Args, true) ? ConvertAsIn(or.Args, true, state) : base.ConvertExpansion(node, state, parent);
    }
}
