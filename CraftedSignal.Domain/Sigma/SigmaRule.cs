using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Domain.Sigma;

public sealed record SigmaLogSource(string? Category, string? Product, string? Service, string? Definition, SourcePosition Position)
{
    public bool IsEmpty => Category is null && Product is null && Service is null;

    public override string ToString() =>
        string.Join('/', new[] { Product, Category, Service }.Where(s => s is not null));
}

public sealed record SigmaRelated(string Id, string Type, SourcePosition Position);

/// <summary>Title, identity and descriptive fields shared by rules, correlations and filters.</summary>
public sealed record SigmaMetadata(
    string? Title,
    string? Id,
    string? Name,
    string? Status,
    string? Description,
    string? Author,
    string? Date,
    string? Modified,
    string? Level,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> References,
    IReadOnlyList<string> FalsePositives,
    IReadOnlyList<string> Fields,
    IReadOnlyList<SigmaRelated> Related);

/// <summary>Any document of a Sigma file: a detection rule, a correlation rule or a filter.</summary>
public abstract record SigmaDocument(SigmaMetadata Metadata, YamlMapping Source, int DocumentIndex)
{
    public string? Id => Metadata.Id;

    public string? Name => Metadata.Name;

    public string Title => Metadata.Title ?? string.Empty;

    /// <summary>Parsing reported errors for this document: parts of it were left out, so it must not be evaluated.</summary>
    public bool HasErrors { get; init; }
}

/// <summary>A parsed Sigma detection rule. <see cref="Source"/> keeps every key and value with its position.</summary>
public sealed record SigmaRule(
    SigmaMetadata Metadata,
    SigmaLogSource LogSource,
    IReadOnlyList<SigmaSearchIdentifier> Detections,
    IReadOnlyList<SigmaCondition> Conditions,
    YamlMapping Source,
    int DocumentIndex) : SigmaDocument(Metadata, Source, DocumentIndex)
{
    public SigmaSearchIdentifier? FindDetection(string name) => Detections.FirstOrDefault(d => d.Name == name);
}
