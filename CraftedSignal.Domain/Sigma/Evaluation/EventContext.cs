using System.Runtime.CompilerServices;
using CraftedSignal.Domain.Sigma.Events;

namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>Interns the field names used by compiled rules so matchers read fields by slot, not by name.</summary>
internal sealed class FieldTable
{
    private readonly Dictionary<string, int> _slots = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _names = [];

    public int Count => _names.Count;

    public string this[int slot] => _names[slot];

    public bool TryGetSlot(string name, out int slot) => _slots.TryGetValue(name, out slot);

    /// <summary>The field's slot, added when new; thread-safe, as rules are compiled in parallel.</summary>
    public int Slot(string name)
    {
        lock (_slots)
        {
            if (!_slots.TryGetValue(name, out var slot))
            {
                slot = _names.Count;
                _slots[name] = slot;
                _names.Add(name);
            }

            return slot;
        }
    }
}

/// <summary>
/// The event being matched, with each field looked up at most once per event. Reused across events: a generation
/// counter invalidates the cache without clearing arrays.
/// </summary>
internal sealed class EventContext(FieldTable fields)
{
    private EventValue?[] _values = new EventValue?[fields.Count];
    private int[] _stamps = new int[fields.Count];
    private int _generation;

    public SigmaEvent Event { get; private set; } = new(new Dictionary<string, EventValue>());

    private string? _allTextLower;

    /// <summary>Every value of the event, lowercased and joined by newlines: keyword searches scan it once.</summary>
    public string AllTextLower => _allTextLower ??= string.Join('\n', Event.Fields.Values.Select(v => v.Items is { } items ? string.Join('\n', items.Select(i => i.Text)) : v.Text)).ToLowerInvariant();

    /// <summary>
    /// The prefilter, once it has scanned this event: its keyword automaton tells which keywords no value contains, so
    /// keyword tests need no search of their own for those (see <see cref="KeywordMatcher"/>).
    /// </summary>
    public RulePrefilter? Scanned { get; set; }

    /// <summary>The time the current evaluation may still take, checked before each backtracking match; null for none.</summary>
    public EvaluationBudget? Budget { get; set; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Reset(SigmaEvent evt)
    {
        Event = evt;
        Scanned = null;
        _allTextLower = null;
        if (_values.Length < fields.Count)
        {
            _values = new EventValue?[fields.Count];
            _stamps = new int[fields.Count];
        }

        if (++_generation == int.MaxValue)
        {
            _generation = 1;
            Array.Clear(_stamps);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public EventValue? Get(int slot)
    {
        if (_stamps[slot] == _generation)
        {
            return _values[slot];
        }

        var value = Event.Find(fields[slot]);
        _values[slot] = value;
        _stamps[slot] = _generation;
        return value;
    }
}
