using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Domain.Sigma.Correlation;

public enum SigmaCorrelationType
{
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    ValueSum,
    ValueAvg,
    ValuePercentile,
}

public enum SigmaComparison
{
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

public sealed record SigmaCorrelationCondition(SigmaComparison Comparison, double Value)
{
    public bool IsSatisfiedBy(double actual) => Comparison switch
    {
        SigmaComparison.Gt => actual > Value,
        SigmaComparison.Gte => actual >= Value,
        SigmaComparison.Lt => actual < Value,
        SigmaComparison.Lte => actual <= Value,
        SigmaComparison.Eq => actual == Value,
        _ => actual != Value,
    };
}

/// <summary>A Sigma correlation rule (meta-rule) over the matches of other rules.</summary>
public sealed record SigmaCorrelationRule(
    SigmaMetadata Metadata,
    SigmaCorrelationType Type,
    IReadOnlyList<string> Rules,
    IReadOnlyList<string> GroupBy,
    TimeSpan Timespan,
    IReadOnlyList<SigmaCorrelationCondition> Conditions,
    string? Field,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Aliases,
    bool Generate,
    YamlMapping Source,
    int DocumentIndex) : SigmaDocument(Metadata, Source, DocumentIndex)
{
    /// <summary>
    /// A temporal correlation's <c>condition</c> written as an expression over its rules (<c>a and b and not c</c>)
    /// instead of a count; see <see cref="Correlation.ExtendedCondition"/>. Null for a count condition.
    /// </summary>
    public SigmaConditionNode? ExtendedCondition { get; init; }
}
