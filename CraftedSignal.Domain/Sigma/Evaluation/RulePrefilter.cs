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
    /// <summary>Values up to this long are the ones readers share (see <see cref="ReadCache"/>), so the ones worth remembering.</summary>
    private const int MaxKnownChars = ReadCache.MaxCachedValueBytes;

    private readonly FieldTable _fields;
    private readonly NeedleIndex?[] _bySlot;
    private readonly NeedleIndex? _keywords;
    private readonly Dictionary<string, int> _keywordAtoms;
    private readonly int[][] _atomClauses;
    private readonly int[] _clauseRule;
    private readonly int[] _ruleClauses;
    private readonly int[] _atomStamps;
    private readonly int[] _clauseStamps;
    private readonly int[] _ruleStamps;
    private readonly int[] _ruleHits;
    private readonly List<int> _found = [];
    private readonly List<int> _foundKeywords = [];
    private readonly Dictionary<string, int> _slotByName = new(ReferenceEqualityComparer.Instance);
    private readonly List<int> _atoms = [];
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

        _keywordAtoms = atoms.Where(a => a.Key.Slot < 0).ToDictionary(a => a.Key.Needle, a => a.Value, StringComparer.Ordinal);
        _atomClauses = [.. atomClauses.Select(c => c.ToArray())];
        _clauseRule = [.. clauseRule];
        _bySlot = new NeedleIndex?[fields.Count];
        var groups = atoms.GroupBy(a => a.Key.Slot).ToArray();
        var indexes = new NeedleIndex[groups.Length];

        // The automata are independent of each other, and building them is most of compiling a large rule set.
        Parallel.For(0, groups.Length, i =>
        {
            var group = groups[i];
            var ascii = group.Where(a => !a.Key.IsPresence && System.Text.Ascii.IsValid(a.Key.Needle)).ToList();
            var presence = group.Where(a => a.Key.IsPresence).Select(a => a.Value).DefaultIfEmpty(-1).First();
            var other = group.Where(a => !a.Key.IsPresence && !System.Text.Ascii.IsValid(a.Key.Needle)).Select(a => a.Value);
            indexes[i] = new NeedleIndex(new SubstringAutomaton([.. ascii.Select(a => a.Key.Needle)]), [.. ascii.Select(a => a.Value)],
                [.. other], presence);
        });
        for (var i = 0; i < groups.Length; i++)
        {
            if (groups[i].Key < 0)
            {
                _keywords = indexes[i];
            }
            else
            {
                _bySlot[groups[i].Key] = indexes[i];
            }
        }

        _atomStamps = new int[atoms.Count];
        _clauseStamps = new int[_clauseRule.Length];
        _ruleStamps = new int[requirements.Count];
        _ruleHits = new int[requirements.Count];
    }

    /// <summary>The same tables with their own per-event counters, for another thread.</summary>
    private RulePrefilter(RulePrefilter shared)
    {
        _fields = shared._fields;
        _bySlot = shared._bySlot;
        _keywords = shared._keywords;
        _keywordAtoms = shared._keywordAtoms;
        _atomClauses = shared._atomClauses;
        _clauseRule = shared._clauseRule;
        _ruleClauses = shared._ruleClauses;
        _atomStamps = new int[shared._atomStamps.Length];
        _clauseStamps = new int[shared._clauseStamps.Length];
        _ruleStamps = new int[shared._ruleStamps.Length];
        _ruleHits = new int[shared._ruleHits.Length];
    }

    public RulePrefilter Fork() => new(this);

    /// <summary>
    /// After <see cref="Collect"/>: false when no value of the event can contain the keyword (a lowercase needle of some
    /// rule's keywords); true when one may, or when the keyword is not one the automaton looks for.
    /// </summary>
    public bool MayContainKeyword(string needle) => !_keywordAtoms.TryGetValue(needle, out var atom) || _atomStamps[atom] == _generation;

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

        foreach (var (name, value) in evt.FieldMap)
        {
            var slot = SlotOf(name);
            var index = slot >= 0 ? _bySlot[slot] : null;
            if (index is { Presence: >= 0 })
            {
                Satisfy(index.Presence, candidates);
            }

            if (index is null && _keywords is null)
            {
                continue;
            }

            // Logs repeat their values, and a reader hands out one value object per repeated text (see ReadCache): what
            // a value satisfies in a field is found once and replayed, instead of scanning the same text every time.
            var memo = value.IsScalar && value.Text.Length <= MaxKnownChars;
            if (memo && value.Scratch is KnownAtoms known && known.Prefilter == this && known.Slot == slot)
            {
                foreach (var atom in known.Atoms)
                {
                    Satisfy(atom, candidates);
                }

                continue;
            }

            _atoms.Clear();
            if (index is not null && _keywords is not null)
            {
                ScanBoth(value, index, _keywords);
            }
            else
            {
                Scan(value, index ?? _keywords!);
            }

            foreach (var atom in _atoms)
            {
                Satisfy(atom, candidates);
            }

            if (memo)
            {
                // Remembered from the second sighting on: most values seen once (ids, times) are never seen again.
                value.Scratch = value.Scratch == this ? new KnownAtoms(this, slot, DistinctAtoms()) : this;
            }
        }
    }

    /// <summary>
    /// The field's slot in the automata, or -1. Event readers share one string per field name, so the answer is kept by
    /// string instance: a reference lookup instead of hashing the name ignoring case for every field of every event.
    /// </summary>
    private int SlotOf(string name)
    {
        if (_slotByName.TryGetValue(name, out var slot))
        {
            return slot;
        }

        slot = _fields.TryGetSlot(name, out var found) && found < _bySlot.Length ? found : -1;
        if (_slotByName.Count < 4096)
        {
            _slotByName[name] = slot;
        }

        return slot;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Scan(EventValue value, NeedleIndex index)
    {
        if (value.IsScalar)
        {
            ScanText(value.Text, index);
        }
        else if (value.Items is { } items)
        {
            foreach (var item in items)
            {
                if (item.IsScalar)
                {
                    ScanText(item.Text, index);
                }
            }
        }
    }

    /// <summary>The field's automaton and the keywords' in one pass over each text (see <see cref="SubstringAutomaton.ScanPair"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScanBoth(EventValue value, NeedleIndex field, NeedleIndex keywords)
    {
        if (value.IsScalar)
        {
            ScanTextBoth(value.Text, field, keywords);
        }
        else if (value.Items is { } items)
        {
            foreach (var item in items)
            {
                if (item.IsScalar)
                {
                    ScanTextBoth(item.Text, field, keywords);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScanTextBoth(string text, NeedleIndex field, NeedleIndex keywords)
    {
        _found.Clear();
        _foundKeywords.Clear();
        var nonAscii = SubstringAutomaton.ScanPair(text, field.Automaton, _found, keywords.Automaton, _foundKeywords);
        Report(_found, field, nonAscii);
        Report(_foundKeywords, keywords, nonAscii);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ScanText(string text, NeedleIndex index)
    {
        _found.Clear();
        Report(_found, index, index.Automaton.Scan(text, _found));
    }

    /// <summary>Adds the atoms of the needles found (and, in non-ASCII text, those the automaton cannot look for) to <see cref="_atoms"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Report(List<int> found, NeedleIndex index, bool nonAscii)
    {
        foreach (var needle in found)
        {
            _atoms.Add(index.AsciiAtoms[needle]);
        }

        if (nonAscii)
        {
            // Needles with a character no case mapping turns into ASCII can only be in non-ASCII text.
            _atoms.AddRange(index.OtherAtoms);
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
    /// the others can only be in non-ASCII text, which satisfies <see cref="OtherAtoms"/> without a scan.
    /// <see cref="Presence"/>: the atom "the event has the field", or -1.
    /// </summary>
    /// <summary>The atoms found, each once.</summary>
    private int[] DistinctAtoms()
    {
        if (_atoms.Count < 2)
        {
            return [.. _atoms];
        }

        _atoms.Sort();
        var kept = 1;
        for (var i = 1; i < _atoms.Count; i++)
        {
            if (_atoms[i] != _atoms[kept - 1])
            {
                _atoms[kept++] = _atoms[i];
            }
        }

        return System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_atoms)[..kept].ToArray();
    }

    /// <summary>What a value satisfies in one field (slot -1: keywords only), for the prefilter that found it.</summary>
    private sealed record KnownAtoms(RulePrefilter Prefilter, int Slot, int[] Atoms);

    private sealed record NeedleIndex(SubstringAutomaton Automaton, int[] AsciiAtoms, int[] OtherAtoms, int Presence);
}
