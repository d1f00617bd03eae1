using System.Runtime.CompilerServices;
using CraftedSignal.Domain.Sigma.Events;

namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>
/// Picks the rules worth evaluating for an event. Each rule's <see cref="Requirement"/> lists substrings its matches
/// must contain, or fields they must have; one automaton per field (and one for keywords) finds all the substrings in
/// a single pass over the event's values. A rule is a candidate when every clause of its requirement has an atom
/// present. Rules with no requirement (e.g. only <c>not</c> or <c>null</c>, or regex keywords) are always evaluated.
/// The requirement is necessary, never sufficient: candidates are evaluated in full, so the prefilter changes speed,
/// not results.
/// </summary>
internal sealed class RulePrefilter
{
    private readonly FieldTable _fields;
    private readonly NeedleIndex?[] _bySlot;
    private readonly NeedleIndex? _keywords;
    private readonly int[][] _atomClauses;
    private readonly int[] _clauseRule;
    private readonly int[] _ruleClauses;
    private readonly int[] _atomStamps;
    private readonly int[] _clauseStamps;
    private readonly int[] _ruleStamps;
    private readonly int[] _ruleHits;
    private readonly List<int> _found = [];
    private int _generation;

    public RulePrefilter(FieldTable fields, IReadOnlyList<Requirement> requirements)
    {
        _fields = fields;
        var atoms = new Dictionary<Atom, int>();
        var atomClauses = new List<List<int>>();
        var clauseRule = new List<int>();
        _ruleClauses = new int[requirements.Count];
        for (var rule = 0; rule < requirements.Count; rule++)
        {
            var requirement = requirements[rule];
            _ruleClauses[rule] = requirement.Clauses.Length;
            foreach (var clause in requirement.Clauses)
            {
                var clauseId = clauseRule.Count;
                clauseRule.Add(rule);
                foreach (var atom in clause)
                {
                    if (!atoms.TryGetValue(atom, out var id))
                    {
                        id = atoms.Count;
                        atoms[atom] = id;
                        atomClauses.Add([]);
                    }

                    atomClauses[id].Add(clauseId);
                }
            }
        }

        _atomClauses = [.. atomClauses.Select(c => c.ToArray())];
        _clauseRule = [.. clauseRule];
        _bySlot = new NeedleIndex?[fields.Count];
        foreach (var group in atoms.GroupBy(a => a.Key.Slot))
        {
            var ascii = group.Where(a => !a.Key.IsPresence && System.Text.Ascii.IsValid(a.Key.Needle)).ToList();
            var presence = group.Where(a => a.Key.IsPresence).Select(a => a.Value).DefaultIfEmpty(-1).First();
            var index = new NeedleIndex(new SubstringAutomaton([.. ascii.Select(a => a.Key.Needle)]), [.. ascii.Select(a => a.Value)],
                [.. group.Select(a => a.Value)], presence);
            if (group.Key < 0)
            {
                _keywords = index;
            }
            else
            {
                _bySlot[group.Key] = index;
            }
        }

        _atomStamps = new int[atoms.Count];
        _clauseStamps = new int[_clauseRule.Length];
        _ruleStamps = new int[requirements.Count];
        _ruleHits = new int[requirements.Count];
    }

    /// <summary>Rules that have no requirement and must always be evaluated.</summary>
    public bool IsUnconditional(int rule) => _ruleClauses[rule] == 0;

    /// <summary>Adds to <paramref name="candidates"/>, in no particular order, the rules whose requirement the event meets.</summary>
    /// <remarks>
    /// The per-event loops here are optimized from their first call: tiered compilation would first run them
    /// unoptimized for seconds in a fresh process (its call-counting delay restarts while other code is still jitted).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Collect(SigmaEvent evt, List<int> candidates)
    {
        if (++_generation == int.MaxValue)
        {
            _generation = 1;
            Array.Clear(_atomStamps);
            Array.Clear(_clauseStamps);
            Array.Clear(_ruleStamps);
        }

        foreach (var (name, value) in evt.Fields)
        {
            if (_fields.TryGetSlot(name, out var slot) && slot < _bySlot.Length && _bySlot[slot] is { } index)
            {
                if (index.Presence >= 0)
                {
                    Satisfy(index.Presence, candidates);
                }

                Scan(value, index, candidates);
            }

            if (_keywords is not null)
            {
                Scan(value, _keywords, candidates);
            }
        }
    }

    private void Scan(EventValue value, NeedleIndex index, List<int> candidates)
    {
        if (value.IsScalar)
        {
            ScanText(value.Text, index, candidates);
        }
        else if (value.Items is { } items)
        {
            foreach (var item in items)
            {
                if (item.IsScalar)
                {
                    ScanText(item.Text, index, candidates);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScanText(string text, NeedleIndex index, List<int> candidates)
    {
        _found.Clear();
        if (index.Automaton.Scan(text, _found))
        {
            foreach (var needle in _found)
            {
                Satisfy(index.AsciiAtoms[needle], candidates);
            }
        }
        else
        {
            // Non-ASCII text: case mappings beyond ASCII differ between the comparisons, so assume every needle is there.
            foreach (var atom in index.AllAtoms)
            {
                Satisfy(atom, candidates);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Satisfy(int atom, List<int> candidates)
    {
        if (_atomStamps[atom] == _generation)
        {
            return;
        }

        _atomStamps[atom] = _generation;
        foreach (var clause in _atomClauses[atom])
        {
            if (_clauseStamps[clause] == _generation)
            {
                continue;
            }

            _clauseStamps[clause] = _generation;
            var rule = _clauseRule[clause];
            if (_ruleStamps[rule] != _generation)
            {
                _ruleStamps[rule] = _generation;
                _ruleHits[rule] = 0;
            }

            if (++_ruleHits[rule] == _ruleClauses[rule])
            {
                candidates.Add(rule);
            }
        }
    }

    /// <summary>
    /// The needles of one field: ASCII ones in the automaton (<see cref="AsciiAtoms"/> maps its needle numbers to atoms);
    /// the others can only be in non-ASCII text, which satisfies <see cref="AllAtoms"/> without a scan.
    /// <see cref="Presence"/>: the atom "the event has the field", or -1.
    /// </summary>
    private sealed record NeedleIndex(SubstringAutomaton Automaton, int[] AsciiAtoms, int[] AllAtoms, int Presence);
}
