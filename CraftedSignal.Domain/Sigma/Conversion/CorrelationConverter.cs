using System.Globalization;
using CraftedSignal.Domain.Sigma.Conversion.Backends;
using CraftedSignal.Domain.Sigma.Conversion.Pipelines;
using CraftedSignal.Domain.Sigma.Correlation;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Domain.Sigma.Conversion;

/// <summary>
/// Converts correlation rules as pySigma-backend-splunk (stats method) and pySigma-backend-elasticsearch's ES|QL
/// backend write them: the referenced rules' searches, a time bucket, an aggregation by the group-by fields, and the
/// condition. Kusto gets the same shape with <c>summarize</c> (our layout; pySigma has none). Lucene and EQL refuse
/// correlations with a reason. An extended temporal condition (<c>a and not b</c>) collects the rules seen per bucket
/// and tests them by name (Splunk and Kusto; ES|QL refuses it as pySigma's ES|QL backend does).
/// </summary>
internal static class CorrelationConverter
{
    public static ConversionResult Convert(SigmaCorrelationRule correlation, IReadOnlyList<SigmaRule> rules, TextQueryBackend backend, IReadOnlyList<ProcessingPipeline> pipelines)
    {
        if (backend is not (SplunkBackend or EsqlBackend or KustoBackend))
        {
            return ConversionResult.Failed(new FeatureNotSupported($"Correlation rules are not supported by the {backend.Target} backend (only splunk, esql and kusto)."));
        }

        try
        {
            var referenced = correlation.Rules.Select(reference => (Name: reference, Rule: rules.FirstOrDefault(r => r.Name == reference || r.Id == reference)
                ?? throw new ConversionException(new InvalidRule($"The correlation references the rule '{reference}', which is not in the converted rules.")))).ToList();
            var searches = new List<(string Name, string Query)>();
            var fields = new List<string>();
            foreach (var (name, rule) in referenced)
            {
                var prepared = SigmaConverter.Prepare(rule, backend, pipelines);
                fields.AddRange(prepared.Fields);
                if (prepared.Conditions.Count != 1)
                {
                    throw new ConversionException(new FeatureNotSupported("Correlated rules must have exactly one condition."));
                }

                var state = new ConversionState(prepared.State);
                searches.Add((name, backend.ConvertSearch(ConditionTree.Build(prepared, prepared.Conditions[0]), state)));
            }

            correlation = MapFields(correlation, referenced[0].Rule, backend, pipelines);
            var timespan = TimespanText(correlation);
            var condition = correlation.ExtendedCondition is null ? Condition(correlation) : default;
            var query = backend switch
            {
                SplunkBackend => Splunk(correlation, searches, timespan, condition,
                    ContextFields(correlation, fields, true, backend, f => $" values({f}) as {f}")),
                EsqlBackend => Esql(correlation, searches, timespan, condition,
                    ContextFields(correlation, fields, false, backend, f => $", {f}=values({f})")),
                _ => Kusto(correlation, searches, timespan, condition, TableOf(referenced[0].Rule, backend, pipelines)),
            };
            return new ConversionResult([query], null);
        }
        catch (ConversionException ex)
        {
            return ConversionResult.Failed(ex.Error);
        }
    }

    private static string Splunk(SigmaCorrelationRule correlation, List<(string Name, string Query)> searches, string timespan, (string Op, string Value) condition,
        string fields)
    {
        var typed = correlation.Type is SigmaCorrelationType.Temporal || searches.Count > 1;
        var search = typed
            ? "| multisearch\n" + string.Join('\n', searches.Select(s => $"[ search {s.Query} | eval event_type=\"{s.Name}\"{Renames(correlation, s.Name)} ]"))
            : searches[0].Query;
        var groupBy = string.Concat(correlation.GroupBy.Select(f => " " + f));
        var (aggregate, result) = correlation.Type switch
        {
            SigmaCorrelationType.EventCount => ("count", "event_count"),
            SigmaCorrelationType.ValueCount => ($"dc({Field(correlation)})", "value_count"),
            SigmaCorrelationType.Temporal => ("dc(event_type)", "event_type_count"),
            SigmaCorrelationType.ValueSum => ($"sum({Field(correlation)})", "value_sum"),
            SigmaCorrelationType.ValueAvg => ($"avg({Field(correlation)})", "value_avg"),
            _ => throw Unsupported(correlation, "splunk"),
        };
        if (correlation.ExtendedCondition is { } expression)
        {
            // The rules seen in the bucket, tested by name: event_types="a" NOT event_types="c".
            var test = Render(expression, name => $"event_types=\"{name}\"", " ", " OR ", operand => "NOT " + operand);
            return $"{search}\n\n| bin _time span={timespan}\n| stats {aggregate} as {result} values(event_type) as event_types{fields} by _time{groupBy}\n\n| search {test}";
        }

        var op = condition.Op == "==" ? "=" : condition.Op;
        return $"{search}\n\n| bin _time span={timespan}\n| stats {aggregate} as {result}{fields} by _time{groupBy}\n\n| search {result} {op} {condition.Value}";
    }

    private static string Esql(SigmaCorrelationRule correlation, List<(string Name, string Query)> searches, string timespan, (string Op, string Value) condition,
        string fields)
    {
        if (correlation.Aliases.Count > 0)
        {
            throw new ConversionException(new FeatureNotSupported("Field aliases of correlation rules are not supported by the ES|QL backend."));
        }

        if (correlation.ExtendedCondition is not null)
        {
            // pySigma-backend-elasticsearch's ES|QL backend has no templates for extended conditions.
            throw new ConversionException(new NotImplemented("Correlation rule type 'temporal_extended' is not supported by backend."));
        }

        var search = searches.Count == 1 ? searches[0].Query : string.Join(" or ", searches.Select(s => $"({s.Query})"));
        var bucket = $"| eval timebucket=date_trunc({EsqlTimespan(timespan)}, @timestamp)";
        var groupBy = " by timebucket" + string.Concat(correlation.GroupBy.Select(f => ", " + f));
        var (aggregate, result) = correlation.Type switch
        {
            SigmaCorrelationType.EventCount => ("count()", "event_count"),
            SigmaCorrelationType.ValueCount => ($"count_distinct({Field(correlation)})", "value_count"),
            SigmaCorrelationType.Temporal => ("count_distinct(event_type)", "event_type_count"),
            SigmaCorrelationType.ValueSum => ($"sum({Field(correlation)})", "value_sum"),
            SigmaCorrelationType.ValueAvg => ($"avg({Field(correlation)})", "value_avg"),
            _ => throw Unsupported(correlation, "esql"),
        };
        var typing = correlation.Type == SigmaCorrelationType.Temporal
            ? "\n| eval event_type=case(" + string.Join(", ", searches.Select(s => $"{s.Query}, \"{s.Name}\"")) + ")"
            : string.Empty;
        return $"from * metadata _id, _index, _version | where {search}{typing}\n{bucket} | stats {result}={aggregate}{fields}{groupBy}\n| where {result} {condition.Op} {condition.Value}";
    }

    private static string Kusto(SigmaCorrelationRule correlation, List<(string Name, string Query)> searches, string timespan, (string Op, string Value) condition, string? table)
    {
        if (correlation.Aliases.Count > 0)
        {
            throw new ConversionException(new FeatureNotSupported("Field aliases of correlation rules are not supported by the Kusto backend."));
        }

        var search = searches.Count == 1 ? searches[0].Query : string.Join(" or ", searches.Select(s => $"({s.Query})"));
        var typing = correlation.Type == SigmaCorrelationType.Temporal
            ? "\n| extend event_type = case(" + string.Join(", ", searches.Select(s => $"{s.Query}, \"{s.Name}\"")) + ", \"\")"
            : string.Empty;
        var (aggregate, result) = correlation.Type switch
        {
            SigmaCorrelationType.EventCount => ("count()", "event_count"),
            SigmaCorrelationType.ValueCount => ($"dcount({Field(correlation)})", "value_count"),
            SigmaCorrelationType.Temporal => ("dcount(event_type)", "event_type_count"),
            SigmaCorrelationType.ValueSum => ($"sum({Field(correlation)})", "value_sum"),
            SigmaCorrelationType.ValueAvg => ($"avg({Field(correlation)})", "value_avg"),
            _ => throw Unsupported(correlation, "kusto"),
        };
        var groupBy = string.Concat(correlation.GroupBy.Select(f => ", " + f));
        var frame = $"{(table is null ? string.Empty : table + "\n| where ")}{search}{typing}\n| summarize {result} = {aggregate}";
        var bucket = $" by bin(TimeGenerated, {KustoTimespan(timespan)}){groupBy}";
        if (correlation.ExtendedCondition is { } expression)
        {
            var test = Render(expression, name => $"set_has_element(event_types, \"{name}\")", " and ", " or ",
                operand => operand.StartsWith('(') ? "not" + operand : $"not({operand})");
            return $"{frame}, event_types = make_set(event_type){bucket}\n| where {test}";
        }

        return $"{frame}{bucket}\n| where {result} {condition.Op} {condition.Value}";
    }

    /// <summary>The <c>query_table</c> the pipelines set for the first referenced rule, if any.</summary>
    private static string? TableOf(SigmaRule rule, TextQueryBackend backend, IReadOnlyList<ProcessingPipeline> pipelines) =>
        SigmaConverter.Prepare(rule, backend, pipelines).State.GetValueOrDefault("query_table");

    private static string KustoTimespan(string timespan) => timespan[^1] switch
    {
        's' or 'm' or 'h' or 'd' => timespan,
        'w' when int.TryParse(timespan[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var weeks) =>
            (weeks * 7).ToString(CultureInfo.InvariantCulture) + "d",
        _ => throw new ConversionException(new FeatureNotSupported($"The timespan '{timespan}' has no Kusto equivalent.")),
    };

    /// <summary>
    /// Runs the pipelines' field-name transformations over the correlation's group-by, field and alias names, so they
    /// match the mapped fields of the searches. Rule conditions see the first referenced rule.
    /// </summary>
    private static SigmaCorrelationRule MapFields(SigmaCorrelationRule correlation, SigmaRule firstRule, TextQueryBackend backend, IReadOnlyList<ProcessingPipeline> pipelines)
    {
        if (pipelines.Count == 0)
        {
            return correlation;
        }

        var names = correlation.GroupBy.Concat(correlation.Field is null ? [] : [correlation.Field]).Distinct(StringComparer.Ordinal).ToList();
        var items = names.Select(n => new ConversionItem(n, [new QueryNull()], false, [])).ToList();
        var synthetic = new ConversionRule(firstRule with { Detections = [] }, [new("fields", new ConversionDetection(SigmaLinking.And, [.. items]))], ["fields"]);
        ProcessingPipeline.Apply(pipelines, synthetic, backend.Target);
        var mapped = new Dictionary<string, string>(StringComparer.Ordinal);
        var detection = synthetic.Find("fields")!;
        for (var i = 0; i < names.Count; i++)
        {
            var item = detection.Items[i] switch
            {
                ConversionItem single => single,
                ConversionDetection several => several.AllItems().First(),
                _ => items[i],
            };
            mapped[names[i]] = item.Field ?? names[i];
        }

        return correlation with
        {
            GroupBy = [.. correlation.GroupBy.Select(g => mapped[g])],
            Field = correlation.Field is null ? null : mapped[correlation.Field],
        };
    }

    /// <summary>
    /// An extended condition as a boolean expression of the target: each rule name through <paramref name="reference"/>;
    /// an operand of another operator (or of a negation) is grouped.
    /// </summary>
    private static string Render(SigmaConditionNode node, Func<string, string> reference, string and, string or, Func<string, string> not)
    {
        string Operand(SigmaConditionNode child) => child is ConditionAnd or ConditionOr && child.GetType() != node.GetType()
            ? $"({Render(child, reference, and, or, not)})"
            : Render(child, reference, and, or, not);
        return node switch
        {
            ConditionIdentifier identifier => reference(identifier.Name),
            ConditionAnd both => Operand(both.Left) + and + Operand(both.Right),
            ConditionOr either => Operand(either.Left) + or + Operand(either.Right),
            ConditionNot negation => not(Operand(negation.Operand)),
            _ => throw new ConversionException(new InvalidRule("Unexpected node in the correlation condition.")),
        };
    }

    /// <summary>
    /// The <c>fields</c> of the referenced rules as their pipelines left them (then the correlation's own when <paramref name="withOwn"/>), once each
    /// and without the group-by fields, as the aggregation keeps them: Splunk <c> values(f) as f</c>
    /// (pySigma-backend-splunk), ES|QL <c>, f=values(f)</c> (pySigma-backend-elasticsearch, referenced rules only).
    /// </summary>
    private static string ContextFields(SigmaCorrelationRule correlation, IEnumerable<string> ruleFields, bool withOwn, TextQueryBackend backend,
        Func<string, string> aggregate) => string.Concat(ruleFields
        .Concat(withOwn ? correlation.Metadata.Fields : [])
        .Where(f => !correlation.GroupBy.Contains(f, StringComparer.Ordinal))
        .Distinct(StringComparer.Ordinal)
        .Select(backend.QuoteField)
        .Select(aggregate));

    private static string Renames(SigmaCorrelationRule correlation, string rule) => string.Concat(correlation.Aliases
        .Where(a => a.Value.ContainsKey(rule))
        .Select(a => $" | rename {a.Value[rule]} as {a.Key}"));

    private static string Field(SigmaCorrelationRule correlation) =>
        correlation.Field ?? throw new ConversionException(new InvalidRule($"A {correlation.Type} correlation needs 'condition: field'."));

    private static ConversionException Unsupported(SigmaCorrelationRule correlation, string target) =>
        new(new FeatureNotSupported($"The {correlation.Type} correlation type is not supported by the {target} backend."));

    /// <summary>The condition as operator and number; temporal correlations default to all rules (gte count).</summary>
    private static (string Op, string Value) Condition(SigmaCorrelationRule correlation)
    {
        if (correlation.Conditions.Count == 0)
        {
            return correlation.Type is SigmaCorrelationType.Temporal or SigmaCorrelationType.TemporalOrdered
                ? (">=", correlation.Rules.Count.ToString(CultureInfo.InvariantCulture))
                : throw new ConversionException(new InvalidRule("The correlation has no condition."));
        }

        if (correlation.Conditions.Count > 1)
        {
            throw new ConversionException(new FeatureNotSupported("Correlation conditions with more than one comparison are not supported."));
        }

        var condition = correlation.Conditions[0];
        var op = condition.Comparison switch
        {
            SigmaComparison.Gt => ">",
            SigmaComparison.Gte => ">=",
            SigmaComparison.Lt => "<",
            SigmaComparison.Lte => "<=",
            SigmaComparison.Eq => "==",
            _ => "!=",
        };
        return (op, condition.Value.ToString(CultureInfo.InvariantCulture));
    }

    private static string TimespanText(SigmaCorrelationRule correlation) =>
        (correlation.Source["correlation"] as YamlMapping)?["timespan"] is YamlScalar { IsNull: false } scalar
            ? scalar.Text
            : throw new ConversionException(new InvalidRule("The correlation has no timespan."));

    private static string EsqlTimespan(string timespan)
    {
        var unit = timespan[^1] switch
        {
            's' => "seconds",
            'm' => "minutes",
            'h' => "hours",
            'd' => "days",
            'w' => "weeks",
            'M' => "months",
            'y' => "years",
            _ => throw new ConversionException(new InvalidRule($"Unknown timespan unit in '{timespan}'.")),
        };
        return timespan[..^1] + unit;
    }
}
