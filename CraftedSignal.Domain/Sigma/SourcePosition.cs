namespace CraftedSignal.Domain.Sigma;

/// <summary>A 1-based line and column in a Sigma source file.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public static SourcePosition None { get; } = new(0, 0);

    public SourcePosition Offset(int columns) => new(Line, Column + columns);

    public override string ToString() => $"{Line}:{Column}";
}
