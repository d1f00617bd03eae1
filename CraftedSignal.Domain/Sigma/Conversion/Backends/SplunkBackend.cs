using System.Text.RegularExpressions;

namespace CraftedSignal.Domain.Sigma.Conversion.Backends;

/// <summary>Splunk SPL, as pySigma-backend-splunk writes it: implicit AND, OR binding tighter, regexes piped after the search.</summary>
public sealed partial class SplunkBackend : TextQueryBackend
{
    public override string Target => "splunk";

    protected override bool OrBindsTighterThanAnd => true;

    protected override string OrToken => "OR";

    protected override string AndToken => " ";

    protected override string NotToken => "NOT";

    protected override string EqToken => "=";

    protected override string? FieldQuote => "\"";

    protected override Regex? FieldQuotePattern => FieldPattern();

    protected override string WildcardSingle => "*";

    protected override string AddEscaped => "\\";

    protected override string? CidrExpression => "{field}=\"{value}\"";

    protected override string? CompareOpExpression => "{field}{operator}{value}";

    protected override string? FieldNullExpression => "NOT {field}=*";

    protected override string? FieldExistsExpression => "{field}=*";

    protected override string? FieldNotExistsExpression => "NOT {field}=*";

    protected override bool ConvertOrAsIn => true;

    protected override bool InExpressionsAllowWildcards => true;

    protected override string? FieldInListExpression => "{field} {op} ({list})";

    protected override string? OrInOperator => "IN";

    protected override string? UnboundValueStrExpression => "{value}";

    protected override string? UnboundValueNumExpression => "{value}";

    protected override string? UnboundValueReExpression => "{value}";

    protected override IReadOnlyList<string> ReEscape => ["\""];

    private const string ConditionPrefix = "condition:";

    [GeneratedRegex(@"^[\w.]+$")]
    private static partial Regex FieldPattern();

    [GeneratedRegex("""\G(?<field>[\w.]+|"[^"]*")=(?:"(?:[^"\\]|\\.)*"|[^\s"()]+)""")]
    private static partial Regex SimpleTerm();

    /// <summary>
    /// A regex under an OR can't be piped: it is extracted with <c>rex</c>, flagged with <c>eval</c>, and the query continues
    /// as <c>| search</c> on the flag (pySigma-backend-splunk's layout). We do the same inside a negated group, where a
    /// piped <c>| regex</c> would escape the negation (pySigma pipes it there; no golden rule has the case).
    /// </summary>
    protected override object? ConvertFieldEqRegex(QueryFieldValue node, ConversionState state)
    {
        if (state.OrDepth > 0 || state.NegatedGroupDepth > 0)
        {
            var field = node.Field;
            var number = state.Counters[field] = state.Counters.GetValueOrDefault(field) + 1;
            var suffix = number == 1 ? string.Empty : number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var condition = field + "Condition" + suffix;
            state.Deferred.Add(new FixedDeferred($"rex field={field} \"(?<{field}Match{suffix}>{ConvertValueRegex((QueryRegex)node.Value)})\""));
            state.Deferred.Add(new FixedDeferred($"eval {condition}=if(isnotnull({field}Match{suffix}), \"true\", \"false\")"));
            state.Counters[ConditionPrefix + condition] = 1;
            return condition + "=\"true\"";
        }

        var deferred = new SplunkDeferred("regex {field}{op}\"{value}\"", "=", "!=", node.Field, ConvertValueRegex((QueryRegex)node.Value));
        state.Deferred.Add(deferred);
        return deferred;
    }

    protected override object? ConvertFieldRef(QueryFieldValue node, ConversionState state)
    {
        if (state.OrDepth > 0)
        {
            throw new ConversionException(new FeatureNotSupported("ORing FieldRef matching is not yet supported by Splunk backend"));
        }

        if (state.NegatedGroupDepth > 0)
        {
            throw new ConversionException(new FeatureNotSupported("Field references inside a negated group are not supported by the Splunk backend."));
        }

        // pySigma-backend-splunk quotes both names as eval field references: the rule's field as it is, the referenced one
        // after the usual field quoting.
        var deferred = new SplunkDeferred("where {op}'{field}'='{value}'", string.Empty, "NOT ", node.Field,
            EscapeAndQuoteField(((QueryFieldRef)node.Value).Field));
        state.Deferred.Add(deferred);
        return deferred;
    }

    /// <summary>The rule's <c>fields</c> become <c>| table a,b</c> after the query (pySigma-backend-splunk's default format).</summary>
    protected override string FinalizeQuery(string query, ConversionState state) =>
        WithDeferred(query, state) + (state.Fields.Count > 0 ? " | table " + string.Join(',', state.Fields) : string.Empty);

    /// <summary>Inside correlations the piped parts stay with their rule's search (a multisearch branch or the leading search).</summary>
    public override string ConvertSearch(QueryNode node, ConversionState state) => WithDeferred(Convert(node, state, null) as string ?? string.Empty, state);

    private string WithDeferred(string query, ConversionState state)
    {
        if (!state.Counters.Keys.Any(k => k.StartsWith(ConditionPrefix, StringComparison.Ordinal)))
        {
            return base.FinalizeQuery(query, state);
        }

        // The leading run of plain field=value terms stays in the base search; the rest is searched after the rex/eval steps.
        var end = 0;
        var position = 0;
        while (SimpleTerm().Match(query, position) is { Success: true } term
            && !state.Counters.ContainsKey(ConditionPrefix + term.Groups["field"].Value))
        {
            end = term.Index + term.Length;
            if (end >= query.Length || query[end] != ' ')
            {
                break;
            }

            position = end + 1;
        }

        var main = query[..end];
        var rest = query[end..].TrimStart(' ');
        var steps = state.Deferred.Select(d => d.Finalize()).Append("search " + rest);
        return main + DeferredStart + string.Join(DeferredSeparator, steps);
    }

    private sealed class FixedDeferred(string text) : DeferredExpression
    {
        public override string Finalize() => text;
    }

    private sealed class SplunkDeferred(string template, string op, string negatedOp, string field, string value) : DeferredExpression
    {
        public override string Finalize() => Format(template, ("field", field), ("op", Negated ? negatedOp : op), ("value", value));
    }
}
