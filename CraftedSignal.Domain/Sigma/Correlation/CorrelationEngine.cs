using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Events;

namespace CraftedSignal.Domain.Sigma.Correlation;

/// <summary>A correlation rule fired: <see cref="EventIndex"/> is the event that completed it.</summary>
public sealed record CorrelationMatch(SigmaCorrelationRule Rule, int EventIndex, string GroupKey, double Value);

/// <summary>
/// Evaluates correlation rules over a stream of rule matches in event order. Each (correlation, group) keeps a sliding
/// window of <c>timespan</c>; when the condition holds the correlation fires and the group's window starts over.
/// Events without a timestamp take the previous event's time. Correlations can refer to correlations (chains).
/// </summary>
public sealed class CorrelationEngine
{
    private readonly List<State> _states;
    private readonly Dictionary<string, List<(State State, int RuleIndex)>> _byReference = new(StringComparer.OrdinalIgnoreCase);
    private DateTimeOffset _lastTime = DateTimeOffset.UnixEpoch;

    public CorrelationEngine(IReadOnlyList<SigmaCorrelationRule> correlations)
    {
        _states = [.. correlations.Select(c => new State(c))];
        foreach (var state in _states)
        {
            for (var i = 0; i < state.Rule.Rules.Count; i++)
            {
                var reference = state.Rule.Rules[i];
                if (!_byReference.TryGetValue(reference, out var list))
                {
                    _byReference[reference] = list = [];
                }

                list.Add((state, i));
            }
        }
    }

    /// <summary>Ids and names of rules referenced by a correlation without <c>generate: true</c>: their own matches are not reported.</summary>
    public ISet<string> SuppressedRules() => _states.Where(s => !s.Rule.Generate).SelectMany(s => s.Rule.Rules).ToHashSet(StringComparer.OrdinalIgnoreCase);

    public List<CorrelationMatch> Observe(int eventIndex, SigmaEvent evt, IReadOnlyList<CompiledSigmaRule> matches)
    {
        var time = evt.Timestamp ?? _lastTime;
        _lastTime = time;
        var fired = new List<CorrelationMatch>();
        foreach (var match in matches)
        {
            Feed(match.Rule.Id, match.Rule.Name, eventIndex, evt, time, fired, 0);
        }

        return fired;
    }

    private void Feed(string? id, string? name, int eventIndex, SigmaEvent evt, DateTimeOffset time, List<CorrelationMatch> fired, int depth)
    {
        if (depth > 16)
        {
            return;
        }

        foreach (var reference in new[] { id, name }.OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (!_byReference.TryGetValue(reference, out var targets))
            {
                continue;
            }

            foreach (var (state, ruleIndex) in targets)
            {
                if (state.Add(ruleIndex, name, eventIndex, evt, time) is { } match)
                {
                    fired.Add(match);
                    Feed(state.Rule.Id, state.Rule.Name, eventIndex, evt, time, fired, depth + 1);
                }
            }
        }
    }

    private sealed record Entry(DateTimeOffset Time, int RuleIndex, string? Value, double? Number);

    private sealed class State(SigmaCorrelationRule rule)
    {
        private readonly Dictionary<string, LinkedList<Entry>> _groups = new(StringComparer.Ordinal);

        public SigmaCorrelationRule Rule { get; } = rule;

        public CorrelationMatch? Add(int ruleIndex, string? ruleName, int eventIndex, SigmaEvent evt, DateTimeOffset time)
        {
            var key = string.Join('\u0001', Rule.GroupBy.Select(g => Field(evt, g, ruleName)?.Text ?? string.Empty));
            if (!_groups.TryGetValue(key, out var window))
            {
                _groups[key] = window = new LinkedList<Entry>();
            }

            var valueField = Rule.Field is null ? null : Field(evt, Rule.Field, ruleName);
            window.AddLast(new Entry(time, ruleIndex, valueField?.Text, valueField?.Number));
            while (window.First is { } first && first.Value.Time < time - Rule.Timespan)
            {
                window.RemoveFirst();
            }

            var value = Measure(window, valueField?.Text);
            if (value is null || !Satisfied(value.Value))
            {
                return null;
            }

            window.Clear();
            return new CorrelationMatch(Rule, eventIndex, key, value.Value);
        }

        private EventValue? Field(SigmaEvent evt, string field, string? ruleName)
        {
            if (ruleName is not null && Rule.Aliases.TryGetValue(field, out var perRule) && perRule.TryGetValue(ruleName, out var mapped))
            {
                field = mapped;
            }

            return evt.Find(field);
        }

        private double? Measure(LinkedList<Entry> window, string? current)
        {
            switch (Rule.Type)
            {
                case SigmaCorrelationType.EventCount:
                    return window.Count;
                case SigmaCorrelationType.ValueCount:
                    return window.Where(e => e.Value is not null).Select(e => e.Value).Distinct(StringComparer.OrdinalIgnoreCase).Count();
                case SigmaCorrelationType.ValueSum:
                    return window.Sum(e => e.Number ?? 0);
                case SigmaCorrelationType.ValueAvg:
                    var numbers = window.Where(e => e.Number is not null).ToList();
                    return numbers.Count == 0 ? null : numbers.Average(e => e.Number!.Value);
                case SigmaCorrelationType.ValuePercentile:
                    return current is null ? null : 100.0 * window.Count(e => string.Equals(e.Value, current, StringComparison.OrdinalIgnoreCase)) / window.Count;
                case SigmaCorrelationType.Temporal or SigmaCorrelationType.TemporalOrdered when Rule.ExtendedCondition is { } expression:
                    // The expression over the rules seen in the window; ordered: the rules seen first appeared in 'rules' order.
                    var seen = window.Select(e => e.RuleIndex).Distinct().ToList();
                    var ordered = Rule.Type == SigmaCorrelationType.Temporal || seen.SequenceEqual(seen.Order());
                    return ordered && ExtendedCondition.Holds(expression, name => seen.Any(i => Rule.Rules[i] == name)) ? seen.Count : null;
                case SigmaCorrelationType.Temporal:
                    var distinct = window.Select(e => e.RuleIndex).Distinct().Count();
                    return Rule.Conditions.Count == 0 ? (distinct == Rule.Rules.Count ? distinct : null) : distinct;
                default:
                    var next = 0;
                    foreach (var entry in window)
                    {
                        if (next < Rule.Rules.Count && entry.RuleIndex == next)
                        {
                            next++;
                        }
                    }

                    return Rule.Conditions.Count == 0 ? (next == Rule.Rules.Count ? next : null) : next;
            }
        }

        private bool Satisfied(double value) => Rule.Conditions.All(c => c.IsSatisfiedBy(value));
    }
}
