namespace CraftedSignal.Domain.Sigma.Correlation;

/// <summary>
/// The extended condition of a temporal correlation: a boolean expression over the names of the correlated rules,
/// such as <c>a and b and not c</c> (pySigma's SigmaExtendedCorrelationCondition; precedence not, and, or).
/// </summary>
public static class ExtendedCondition
{
    /// <summary>The rule names the expression refers to, in order of first appearance; null if it uses <c>x of</c>.</summary>
    public static List<string>? References(SigmaConditionNode node)
    {
        var names = new List<string>();
        return Collect(node, names) ? names : null;
    }

    /// <summary>Whether the expression holds when the rules for which <paramref name="matched"/> is true matched.</summary>
    public static bool Holds(SigmaConditionNode node, Func<string, bool> matched) => node switch
    {
        ConditionIdentifier identifier => matched(identifier.Name),
        ConditionAnd and => Holds(and.Left, matched) && Holds(and.Right, matched),
        ConditionOr or => Holds(or.Left, matched) || Holds(or.Right, matched),
        ConditionNot not => !Holds(not.Operand, matched),
        _ => false,
    };

    private static bool Collect(SigmaConditionNode node, List<string> names)
    {
        switch (node)
        {
            case ConditionIdentifier identifier:
                if (!names.Contains(identifier.Name, StringComparer.Ordinal))
                {
                    names.Add(identifier.Name);
                }

                return true;
            case ConditionAnd and:
                return Collect(and.Left, names) && Collect(and.Right, names);
            case ConditionOr or:
                return Collect(or.Left, names) && Collect(or.Right, names);
            case ConditionNot not:
                return Collect(not.Operand, names);
            default:
                return false;
        }
    }
}
