using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Domain.Sigma;

/// <summary>A Sigma global filter: a detection that suppresses matches of the listed rules.</summary>
public sealed record SigmaFilter(
    SigmaMetadata Metadata,
    SigmaLogSource LogSource,
    IReadOnlyList<string> Rules,
    IReadOnlyList<SigmaSearchIdentifier> Detections,
    IReadOnlyList<SigmaCondition> Conditions,
    YamlMapping Source,
    int DocumentIndex) : SigmaDocument(Metadata, Source, DocumentIndex);

/// <summary>Everything read from one Sigma source (file or text).</summary>
public sealed record SigmaFile(string Path, IReadOnlyList<SigmaDocument> Documents, IReadOnlyList<SigmaDiagnostic> Diagnostics)
{
    public IEnumerable<SigmaRule> Rules => Documents.OfType<SigmaRule>();

    public IEnumerable<Correlation.SigmaCorrelationRule> Correlations => Documents.OfType<Correlation.SigmaCorrelationRule>();

    public IEnumerable<SigmaFilter> Filters => Documents.OfType<SigmaFilter>();

    public bool HasErrors => Diagnostics.Any(d => d.IsError);
}
