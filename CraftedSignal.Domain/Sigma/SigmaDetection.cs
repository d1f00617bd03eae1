namespace CraftedSignal.Domain.Sigma;

public enum SigmaLinking
{
    And,
    Or,
}

/// <summary>A node of a search identifier's body: a detection item or a group of nodes.</summary>
public abstract record SigmaDetectionNode(SourcePosition Position);

/// <summary>
/// One field test: <c>Field|mod1|mod2: values</c>. <see cref="Field"/> is null for keywords (values searched in
/// the whole event). Values are OR-ed unless the <c>all</c> modifier is present.
/// </summary>
public sealed record SigmaDetectionItem(
    string? Field,
    IReadOnlyList<SigmaModifierUse> Modifiers,
    IReadOnlyList<SigmaValue> Values,
    SourcePosition Position) : SigmaDetectionNode(Position)
{
    public bool Has(SigmaModifier modifier) => Modifiers.Any(m => m.Modifier == modifier);

    public bool IsKeyword => Field is null;

    public SigmaLinking ValueLinking => Has(SigmaModifier.All) ? SigmaLinking.And : SigmaLinking.Or;
}

/// <summary>Nodes joined by AND (a map) or OR (a list).</summary>
public sealed record SigmaDetectionGroup(SigmaLinking Linking, IReadOnlyList<SigmaDetectionNode> Items, SourcePosition Position)
    : SigmaDetectionNode(Position);

/// <summary>A named search identifier of the detection section, e.g. <c>selection</c>.</summary>
public sealed record SigmaSearchIdentifier(string Name, SigmaDetectionNode Body, SourcePosition Position);
