namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>
/// "The value of field <see cref="Slot"/> contains <see cref="Needle"/>" (lowercase); slot -1: some value of the event
/// does (keywords). An empty needle only asks that the event has the field.
/// </summary>
internal readonly record struct Atom(int Slot, string Needle)
{
    public bool IsPresence => Needle.Length == 0;
}

/// <summary>
/// A necessary condition for a matcher in conjunctive normal form: the matcher can only match an event that satisfies
/// at least one atom of every clause. No clauses: nothing is known (the matcher must always run). An empty clause:
/// the matcher never matches.
/// </summary>
internal sealed class Requirement
{
    /// <summary>More clauses would only cost bookkeeping: two or three already leave few rules to evaluate.</summary>
    private const int MaxClauses = 3;

    private Requirement(Atom[][] clauses) => Clauses = clauses;

    public static Requirement Unknown { get; } = new([]);

    public static Requirement Never { get; } = new([[]]);

    /// <summary>The clauses, the most selective first.</summary>
    public Atom[][] Clauses { get; }

    public bool IsUnknown => Clauses.Length == 0;

    public bool IsNever => Clauses.Length == 1 && Clauses[0].Length == 0;

    /// <summary>Every part must hold: all their clauses, keeping the most selective ones.</summary>
    public static Requirement All(IEnumerable<Requirement> parts)
    {
        var clauses = new List<Atom[]>();
        foreach (var part in parts)
        {
            if (part.IsNever)
            {
                return Never;
            }

            clauses.AddRange(part.Clauses);
        }

        // A clause that a field's mere presence satisfies filters little and costs a counter update on most events:
        // keep such clauses only when there is nothing better.
        var best = clauses.DistinctBy(Key).OrderBy(Cost).ToList();
        var literal = best.Where(c => !c.Any(a => a.IsPresence)).ToList();
        return best.Count == 0 ? Unknown : new([.. (literal.Count > 0 ? literal : best).Take(MaxClauses)]);
    }

    /// <summary>At least one part must hold: one clause made of the best clause of each part.</summary>
    public static Requirement Any(IEnumerable<Requirement> parts)
    {
        var atoms = new HashSet<Atom>();
        var any = false;
        foreach (var part in parts)
        {
            if (part.IsNever)
            {
                continue;
            }

            if (part.IsUnknown)
            {
                return Unknown;
            }

            any = true;
            atoms.UnionWith(part.Clauses[0]);
        }

        return any ? new([[.. atoms]]) : Never;
    }

    /// <summary>The event has the field (with any value, even null): needed by every field test but <c>null</c>.</summary>
    public static Requirement Present(int slot) => new([[new Atom(slot, string.Empty)]]);

    /// <summary>One clause: at least one of the needles is in the field (slot -1: in some value of the event).</summary>
    public static Requirement AnyNeedle(int slot, IEnumerable<string> needles) => Any(needles.Select(n => new Requirement([[new Atom(slot, n)]])));

    /// <summary>Lower is more selective: short needles occur in many values.</summary>
    private static double Cost(Atom[] clause) => clause.Sum(a => a.Needle.Length switch
    {
        0 => 32.0,
        <= 2 => 16.0,
        3 => 8.0,
        4 => 4.0,
        5 => 2.0,
        _ => 1.0,
    });

    private static string Key(Atom[] clause) => string.Join('\0', clause.Select(a => $"{a.Slot}:{a.Needle}").Order(StringComparer.Ordinal));
}
