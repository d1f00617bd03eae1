using CraftedSignal.Domain.Sigma.Conversion.Backends;
using CraftedSignal.Domain.Sigma.Conversion.Pipelines;
using CraftedSignal.Domain.Sigma.Correlation;

namespace CraftedSignal.Domain.Sigma.Conversion;

/// <summary>The queries for one Sigma file, or why it was not converted.</summary>
public sealed record ConversionResult(IReadOnlyList<string> Queries, ConversionError? Error)
{
    public bool Succeeded => Error is null;

    public static ConversionResult Failed(ConversionError error) => new([], error);
}

/// <summary>Converts parsed Sigma documents into queries of a target language, pySigma-compatible.</summary>
public static class SigmaConverter
{
    public static IReadOnlyList<string> Targets { get; } = ["splunk", "kusto", "lucene", "esql", "eql"];

    public static TextQueryBackend? CreateBackend(string target) => target switch
    {
        "splunk" => new SplunkBackend(),
        "kusto" => new KustoBackend(),
        "lucene" => new LuceneBackend(),
        "esql" => new EsqlBackend(),
        "eql" => new EqlBackend(),
        _ => null,
    };

    /// <summary>
    /// Converts every rule and correlation of a file; the first failure fails the file. Rules a correlation of the file
    /// references are not converted on their own unless it says <c>generate: true</c> (as pySigma). Correlations find
    /// their rules in the file, then in <paramref name="otherRules"/>.
    /// </summary>
    public static ConversionResult Convert(SigmaFile file, TextQueryBackend backend, IReadOnlyList<ProcessingPipeline>? pipelines = null,
        IReadOnlyList<SigmaRule>? otherRules = null)
    {
        if (file.Diagnostics.FirstOrDefault(d => d.IsError) is { } parseError)
        {
            return ConversionResult.Failed(new InvalidRule($"The rule does not parse: {parseError.Code} {parseError.Message}"));
        }

        var queries = new List<string>();
        var rules = file.Documents.OfType<SigmaRule>().ToList();
        var correlated = file.Documents.OfType<SigmaCorrelationRule>().Where(c => !c.Generate).SelectMany(c => c.Rules).ToHashSet(StringComparer.Ordinal);
        var candidates = otherRules is null ? rules : [.. rules, .. otherRules];
        foreach (var document in file.Documents)
        {
            var result = document switch
            {
                SigmaRule rule when (rule.Name is { } name && correlated.Contains(name)) || (rule.Id is { } id && correlated.Contains(id)) => new ConversionResult([], null),
                SigmaRule rule => Convert(rule, backend, pipelines),
                SigmaCorrelationRule correlation => CorrelationConverter.Convert(correlation, candidates, backend, pipelines ?? []),
                _ => new ConversionResult([], null),
            };
            if (!result.Succeeded)
            {
                return result;
            }

            queries.AddRange(result.Queries);
        }

        return queries.Count == 0 && rules.Count == 0 && !file.Documents.OfType<SigmaCorrelationRule>().Any()
            ? ConversionResult.Failed(new InvalidRule("The file holds no detection rule."))
            : new ConversionResult(queries, null);
    }

    public static ConversionResult Convert(SigmaRule rule, TextQueryBackend backend, IReadOnlyList<ProcessingPipeline>? pipelines = null)
    {
        try
        {
            var prepared = Prepare(rule, backend, pipelines);
            return new ConversionResult([.. prepared.Conditions.Select(c => backend.ConvertQuery(ConditionTree.Build(prepared, c), new ConversionState(prepared.State) { Fields = prepared.Fields }))], null);
        }
        catch (ConversionException ex)
        {
            return ConversionResult.Failed(ex.Error);
        }
    }

    /// <summary>Applies modifiers and the pipelines; throws <see cref="ConversionException"/> on failure.</summary>
    internal static ConversionRule Prepare(SigmaRule rule, TextQueryBackend backend, IReadOnlyList<ProcessingPipeline>? pipelines)
    {
        if (rule.HasErrors)
        {
            throw new ConversionException(new InvalidRule("The rule has errors and is not converted."));
        }

        var prepared = ConditionTree.Prepare(rule);
        if (pipelines is { Count: > 0 })
        {
            ProcessingPipeline.Apply(pipelines, prepared, backend.Target);
        }

        return prepared;
    }
}
