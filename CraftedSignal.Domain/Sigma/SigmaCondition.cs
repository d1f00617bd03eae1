namespace CraftedSignal.Domain.Sigma;

/// <summary>A node of a parsed condition. <see cref="Offset"/> is the 0-based character offset in the condition text.</summary>
public abstract record SigmaConditionNode(int Offset);

public sealed record ConditionIdentifier(string Name, int Offset) : SigmaConditionNode(Offset);

public sealed record ConditionAnd(SigmaConditionNode Left, SigmaConditionNode Right, int Offset) : SigmaConditionNode(Offset);

public sealed record ConditionOr(SigmaConditionNode Left, SigmaConditionNode Right, int Offset) : SigmaConditionNode(Offset);

public sealed record ConditionNot(SigmaConditionNode Operand, int Offset) : SigmaConditionNode(Offset);

/// <summary>
/// <c>1 of pattern</c>, <c>all of pattern</c>, <c>N of them</c>. <see cref="Count"/> is null for <c>all</c>;
/// <see cref="Pattern"/> is null for <c>them</c>.
/// </summary>
public sealed record ConditionQuantified(int? Count, string? Pattern, int Offset) : SigmaConditionNode(Offset)
{
    public bool IsAll => Count is null;

    public bool IsThem => Pattern is null;

    /// <summary>The search identifiers this node selects, in detection order.</summary>
    public IReadOnlyList<string> Select(IEnumerable<string> identifiers) =>
        [.. identifiers.Where(name => Pattern is null ? !name.StartsWith('_') : Glob.IsMatch(Pattern, name))];
}

/// <summary>
/// One condition of a rule (a rule may list several; they are OR-ed). <see cref="Position"/> is where the condition
/// text starts; <see cref="PositionAt"/> finds a character in it.
/// </summary>
public sealed record SigmaCondition(string Text, SigmaConditionNode? Root, SourcePosition Position)
{
    public SourcePosition PositionAt(int offset) => Text.Contains('\n') ? Position : Position.Offset(offset);
}

/// <summary>Minimal <c>*</c>/<c>?</c> matcher for identifier patterns.</summary>
internal static class Glob
{
    public static bool IsMatch(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
