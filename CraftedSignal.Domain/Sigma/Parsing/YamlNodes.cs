namespace CraftedSignal.Domain.Sigma.Parsing;

/// <summary>A YAML node with the position it was read from.</summary>
public abstract record YamlNode(SourcePosition Position);

public enum YamlScalarKind
{
    String,
    Integer,
    Float,
    Boolean,
    Null,
}

/// <summary>A YAML scalar: its text, how it was quoted and the type a plain scalar resolves to.</summary>
public sealed record YamlScalar(string Text, bool Quoted, YamlScalarKind Kind, SourcePosition Position) : YamlNode(Position)
{
    public bool IsNull => Kind == YamlScalarKind.Null;

    /// <summary>The value of a boolean scalar: true for <c>true</c>, <c>yes</c>, <c>on</c> in any casing.</summary>
    public bool IsTrue => Kind == YamlScalarKind.Boolean && BooleanValue(Text) == true;

    /// <summary>
    /// The YAML 1.1 booleans as PyYAML (and so pySigma) reads plain scalars: true/false, yes/no, on/off, each
    /// lowercase, capitalized or uppercase. Null for any other text.
    /// </summary>
    public static bool? BooleanValue(string text) => text switch
    {
        "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON" => true,
        "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF" => false,
        _ => null,
    };
}

public sealed record YamlSequence(IReadOnlyList<YamlNode> Items, SourcePosition Position) : YamlNode(Position);

public sealed record YamlEntry(YamlScalar Key, YamlNode Value);

/// <summary>A YAML mapping in source order. Keys are scalars (complex keys are reported and dropped).</summary>
public sealed record YamlMapping(IReadOnlyList<YamlEntry> Entries, SourcePosition Position) : YamlNode(Position)
{
    public YamlEntry? Find(string key)
    {
        foreach (var entry in Entries)
        {
            if (entry.Key.Text == key)
            {
                return entry;
            }
        }

        return null;
    }

    public YamlNode? this[string key] => Find(key)?.Value;
}
