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
