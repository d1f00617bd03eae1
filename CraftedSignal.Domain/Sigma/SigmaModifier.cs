namespace CraftedSignal.Domain.Sigma;

/// <summary>Every value modifier of the Sigma 2.1 modifier appendix.</summary>
public enum SigmaModifier
{
    All,
    StartsWith,
    EndsWith,
    Contains,
    Exists,
    Cased,
    Neq,
    Windash,
    Re,
    ReIgnoreCase,
    ReMultiline,
    ReDotAll,
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16,
    Wide,
    Lt,
    Lte,
    Gt,
    Gte,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Cidr,
    Expand,
    FieldRef,
}

/// <summary>One modifier as written after a field name, e.g. the <c>contains</c> of <c>CommandLine|contains</c>.</summary>
public sealed record SigmaModifierUse(SigmaModifier Modifier, string Name, SourcePosition Position);

public static class SigmaModifiers
{
    private static readonly Dictionary<string, SigmaModifier> ByName = new(StringComparer.Ordinal)
    {
        ["all"] = SigmaModifier.All,
        ["startswith"] = SigmaModifier.StartsWith,
        ["endswith"] = SigmaModifier.EndsWith,
        ["contains"] = SigmaModifier.Contains,
        ["exists"] = SigmaModifier.Exists,
        ["cased"] = SigmaModifier.Cased,
        ["neq"] = SigmaModifier.Neq,
        ["windash"] = SigmaModifier.Windash,
        ["re"] = SigmaModifier.Re,
        ["i"] = SigmaModifier.ReIgnoreCase,
        ["m"] = SigmaModifier.ReMultiline,
        ["s"] = SigmaModifier.ReDotAll,
        ["base64"] = SigmaModifier.Base64,
        ["base64offset"] = SigmaModifier.Base64Offset,
        ["utf16le"] = SigmaModifier.Utf16Le,
        ["utf16be"] = SigmaModifier.Utf16Be,
        ["utf16"] = SigmaModifier.Utf16,
        ["wide"] = SigmaModifier.Wide,
        ["lt"] = SigmaModifier.Lt,
        ["lte"] = SigmaModifier.Lte,
        ["gt"] = SigmaModifier.Gt,
        ["gte"] = SigmaModifier.Gte,
        ["minute"] = SigmaModifier.Minute,
        ["hour"] = SigmaModifier.Hour,
        ["day"] = SigmaModifier.Day,
        ["week"] = SigmaModifier.Week,
        ["month"] = SigmaModifier.Month,
        ["year"] = SigmaModifier.Year,
        ["cidr"] = SigmaModifier.Cidr,
        ["expand"] = SigmaModifier.Expand,
        ["fieldref"] = SigmaModifier.FieldRef,
    };

    public static bool TryParse(string name, out SigmaModifier modifier) => ByName.TryGetValue(name, out modifier);

    public static IEnumerable<string> Names => ByName.Keys;

    public static bool IsStringMatch(SigmaModifier m) => m is SigmaModifier.StartsWith or SigmaModifier.EndsWith or SigmaModifier.Contains;

    public static bool IsEncoding(SigmaModifier m) => m is SigmaModifier.Utf16Le or SigmaModifier.Utf16Be or SigmaModifier.Utf16 or SigmaModifier.Wide;

    public static bool IsBase64(SigmaModifier m) => m is SigmaModifier.Base64 or SigmaModifier.Base64Offset;

    public static bool IsNumeric(SigmaModifier m) => m is SigmaModifier.Lt or SigmaModifier.Lte or SigmaModifier.Gt or SigmaModifier.Gte;

    public static bool IsTimePart(SigmaModifier m) => m is SigmaModifier.Minute or SigmaModifier.Hour or SigmaModifier.Day
        or SigmaModifier.Week or SigmaModifier.Month or SigmaModifier.Year;

    public static bool IsRegexFlag(SigmaModifier m) => m is SigmaModifier.ReIgnoreCase or SigmaModifier.ReMultiline or SigmaModifier.ReDotAll;
}
