using System.Text.RegularExpressions;

namespace CraftedSignal.Domain.Sigma.Conversion.Backends;

/// <summary>Elastic ES|QL, as pySigma-backend-elasticsearch writes it.</summary>
public sealed partial class EsqlBackend : TextQueryBackend
{
    public override string Target => "esql";

    protected override string OrToken => "or";

    protected override string AndToken => "and";

    protected override string NotToken => "not";

    protected override string EqToken => "==";

    protected override string? FieldQuote => "`";

    protected override Regex? FieldQuotePattern => FieldPattern();

    protected override string AddEscaped => "\\";

    protected override string? StartsWithExpression => "starts_with({field}, {value})";

    protected override string? EndsWithExpression => "ends_with({field}, {value})";

    protected override string? WildcardMatchExpression => "{field} like {value}";

    protected override string? ReExpression => "{field} rlike \"{regex}\"";

    protected override IReadOnlyList<string> ReEscape => ["\""];

    protected override string? CidrExpression => "cidr_match({field}, \"{value}\")";

    protected override string? CompareOpExpression => "{field}{operator}{value}";

    protected override string? FieldEqualsFieldExpression => "{field1}=={field2}";

    protected override string? FieldNullExpression => "{field} is null";

    protected override string? FieldExistsExpression => "{field} is not null";

    protected override string? FieldNotExistsExpression => "{field} is null";

    protected override bool ConvertOrAsIn => true;

    protected override string? FieldInListExpression => "{field} {op} ({list})";

    protected override string? OrInOperator => "in";

    [GeneratedRegex(@"^[\w.]+$")]
    private static partial Regex FieldPattern();

    /// <summary>ES|QL's <c>==</c>, <c>starts_with</c>, <c>ends_with</c> and <c>like</c> are case-sensitive already.</summary>
    protected override object? ConvertFieldEqStrCased(QueryFieldValue node, ConversionState state) =>
        ConvertFieldEqStr(node, state);

    protected override string ConvertValueStr(QueryString value) => EscapeControlCharacters(base.ConvertValueStr(value));

    protected override string ConvertValueRegex(QueryRegex regex) => EscapeControlCharacters(base.ConvertValueRegex(regex));

    protected override string FinalizeQuery(string query, ConversionState state)
    {
        var index = state.ProcessingState.TryGetValue("index", out var configured) ? configured : "*";
        var metadata = state.ProcessingState.TryGetValue("metadata", out var fields) ? fields : "_id, _index, _version";
        return $"from {index} metadata {metadata} | where {base.FinalizeQuery(query, state)}";
    }
}
