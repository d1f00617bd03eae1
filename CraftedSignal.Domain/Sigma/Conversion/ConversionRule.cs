namespace CraftedSignal.Domain.Sigma.Conversion;

/// <summary>
/// A detection item ready for conversion: modifiers applied to its values. Processing pipelines change these before
/// the condition tree is built.
/// </summary>
public sealed class ConversionItem(string? field, List<QueryValue> values, bool allValues, IReadOnlyList<SigmaModifier> modifiers)
{
    public string? Field { get; set; } = field;

    public List<QueryValue> Values { get; } = values;

    /// <summary>Values are AND-ed (the <c>all</c> modifier) instead of OR-ed.</summary>
    public bool AllValues { get; } = allValues;

    public IReadOnlyList<SigmaModifier> Modifiers { get; } = modifiers;

    /// <summary>Set by pipeline transformations that remove the item.</summary>
    public bool Dropped { get; set; }

    /// <summary>Names of the pipeline transformations applied to this item.</summary>
    public HashSet<string> AppliedTransformations { get; } = new(StringComparer.Ordinal);

    /// <summary>A copy testing another field (one-to-many field mappings).</summary>
    public ConversionItem WithField(string field)
    {
        var copy = new ConversionItem(field, [.. Values], AllValues, Modifiers);
        copy.AppliedTransformations.UnionWith(AppliedTransformations);
        return copy;
    }
}

/// <summary>A search identifier's body: items and nested detections joined by AND (a map) or OR (a list).</summary>
public sealed class ConversionDetection(SigmaLinking linking, List<object> items)
{
    public SigmaLinking Linking { get; } = linking;

    /// <summary><see cref="ConversionItem"/> or nested <see cref="ConversionDetection"/> entries.</summary>
    public List<object> Items { get; } = items;

    public IEnumerable<ConversionItem> AllItems() =>
        Items.SelectMany(i => i is ConversionDetection d ? d.AllItems() : [(ConversionItem)i]);
}

/// <summary>A rule as the converter and processing pipelines see it.</summary>
public sealed class ConversionRule(SigmaRule source, List<KeyValuePair<string, ConversionDetection>> detections, List<string> conditions)
{
    public SigmaRule Source { get; } = source;

    public string? Category { get; set; } = source.LogSource.Category;

    public string? Product { get; set; } = source.LogSource.Product;

    public string? Service { get; set; } = source.LogSource.Service;

    /// <summary>Search identifiers in detection order.</summary>
    public List<KeyValuePair<string, ConversionDetection>> Detections { get; } = detections;

    public List<string> Conditions { get; } = conditions;

    /// <summary>The rule's <c>fields</c> as the pipeline leaves them: field-name transformations rename these too, as pySigma's do.</summary>
    public List<string> Fields { get; } = [.. source.Metadata.Fields];

    /// <summary>Pipeline state (<c>set_state</c>), read by backends (e.g. the ES|QL index).</summary>
    public Dictionary<string, string> State { get; } = new(StringComparer.Ordinal);

    /// <summary>Names of the pipeline transformations applied to the rule.</summary>
    public HashSet<string> AppliedTransformations { get; } = new(StringComparer.Ordinal);

    public ConversionDetection? Find(string name) => Detections.FirstOrDefault(d => d.Key == name).Value;
}
