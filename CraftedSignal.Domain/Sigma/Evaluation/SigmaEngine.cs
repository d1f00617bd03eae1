using CraftedSignal.Domain.Sigma.Events;

namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>A rule compiled into matchers, with the file it came from.</summary>
public sealed class CompiledSigmaRule
{
    internal CompiledSigmaRule(SigmaRule rule, string path, int index, Matcher matcher, int? mapping)
    {
        Rule = rule;
        Path = path;
        Index = index;
        Matcher = matcher;
        Mapping = mapping;
    }

    public SigmaRule Rule { get; }

    public string Path { get; }

    /// <summary>Position of the rule in the engine, in load order.</summary>
    public int Index { get; }

    public string Id => Rule.Id ?? Rule.Name ?? Rule.Title;

    internal Matcher Matcher { get; }

    internal List<Matcher> Filters { get; } = [];

    /// <summary>The log-source mapping the rule is routed by, or null when it sees every event.</summary>
    internal int? Mapping { get; }
}

/// <summary>
/// Compiles Sigma rules once and matches events against them, routing each event only to the rules of its log source
/// and evaluating only those the <see cref="RulePrefilter"/> leaves.
/// One engine matches one event at a time (it reuses per-event buffers); use one engine per thread.
/// </summary>
public sealed class SigmaEngine
{
    private readonly FieldTable _fields;
    private readonly EventContext _context;
    private readonly LogSourceMap _map;
    private readonly CompiledSigmaRule[] _rules;
    private readonly Dictionary<string, Route> _routes = new(StringComparer.OrdinalIgnoreCase);
    private readonly RulePrefilter? _prefilter;
    private readonly List<int> _candidates = [];
    private readonly int _eventIdSlot;
    private readonly int _channelSlot;

    private SigmaEngine(FieldTable fields, LogSourceMap map, CompiledSigmaRule[] rules, IReadOnlyList<SigmaDiagnostic> diagnostics,
        IReadOnlyList<Correlation.SigmaCorrelationRule> correlations, bool prefilter)
    {
        _fields = fields;
        _map = map;
        _rules = rules;
        _eventIdSlot = fields.Slot("EventID");
        _channelSlot = fields.Slot("Channel");
        _context = new EventContext(fields);
        _prefilter = prefilter ? new RulePrefilter(fields, [.. rules.Select(r => r.Matcher.Require())]) : null;
        Diagnostics = diagnostics;
        Correlations = correlations;
    }

    public IReadOnlyList<CompiledSigmaRule> Rules => _rules;

    /// <summary>Problems that kept rules from compiling (those rules are left out) and warnings about the ones kept.</summary>
    public IReadOnlyList<SigmaDiagnostic> Diagnostics { get; }

    public IReadOnlyList<Correlation.SigmaCorrelationRule> Correlations { get; }

    public static SigmaEngine Create(IEnumerable<SigmaFile> files, SigmaEngineOptions? options = null)
    {
        options ??= SigmaEngineOptions.Default;
        var fields = new FieldTable();
        var compiler = new SigmaCompiler(fields, options);
        var diagnostics = new List<SigmaDiagnostic>();
        var rules = new List<CompiledSigmaRule>();
        var filters = new List<(SigmaFilter Filter, Matcher Matcher)>();
        var correlations = new List<Correlation.SigmaCorrelationRule>();
        foreach (var file in files)
        {
            foreach (var document in file.Documents)
            {
                if (document.HasErrors)
                {
                    diagnostics.Add(new SigmaDiagnostic(SigmaDiagnosticCodes.DocumentSkipped, SigmaSeverity.Error,
                        $"'{document.Title}' has errors and is not evaluated. Run 'sigma validate' and fix them.", document.Source.Position, file.Path));
                    continue;
                }

                switch (document)
                {
                    case SigmaRule rule:
                        var matcher = compiler.Compile(rule.Detections, rule.Conditions, rule.Source.Position);
                        diagnostics.AddRange(compiler.Diagnostics.Select(d => d with { Path = file.Path }));
                        if (matcher is not null)
                        {
                            rules.Add(new CompiledSigmaRule(rule, file.Path, rules.Count, matcher, options.LogSourceMap.Find(rule.LogSource)));
                        }

                        break;
                    case SigmaFilter filter:
                        var filterMatcher = compiler.Compile(filter.Detections, filter.Conditions, filter.Source.Position);
                        diagnostics.AddRange(compiler.Diagnostics.Select(d => d with { Path = file.Path }));
                        if (filterMatcher is not null)
                        {
                            filters.Add((filter, filterMatcher));
                        }

                        break;
                    case Correlation.SigmaCorrelationRule correlation:
                        correlations.Add(correlation);
                        break;
                }
            }
        }

        foreach (var (filter, matcher) in filters)
        {
            var targets = new HashSet<string>(filter.Rules, StringComparer.OrdinalIgnoreCase);
            foreach (var rule in rules.Where(r => (r.Rule.Id is { } id && targets.Contains(id)) || (r.Rule.Name is { } name && targets.Contains(name))))
            {
                rule.Filters.Add(matcher);
            }
        }

        return new SigmaEngine(fields, options.LogSourceMap, [.. rules], diagnostics, correlations, options.Prefilter);
    }

    /// <summary>Fills <paramref name="matches"/> with the rules the event matches, in load order.</summary>
    public void Match(SigmaEvent evt, List<CompiledSigmaRule> matches)
    {
        matches.Clear();
        _context.Reset(evt);
        var route = FindRoute();
        if (_prefilter is null)
        {
            foreach (var rule in route.Rules)
            {
                Evaluate(rule, matches);
            }

            return;
        }

        _candidates.Clear();
        _prefilter.Collect(evt, _candidates);
        var kept = 0;
        for (var i = 0; i < _candidates.Count; i++)
        {
            if (route.Routed[_candidates[i]])
            {
                _candidates[kept++] = _candidates[i];
            }
        }

        _candidates.RemoveRange(kept, _candidates.Count - kept);
        _candidates.AddRange(route.Unconditional);
        _candidates.Sort();
        foreach (var index in _candidates)
        {
            Evaluate(_rules[index], matches);
        }
    }

    /// <summary>How many rules have been evaluated in full, over all events so far (the prefilter skips the others).</summary>
    public long EvaluatedRules { get; private set; }

    private void Evaluate(CompiledSigmaRule rule, List<CompiledSigmaRule> matches)
    {
        EvaluatedRules++;
        if (Evaluate(rule))
        {
            matches.Add(rule);
        }
    }

    public List<CompiledSigmaRule> Match(SigmaEvent evt)
    {
        var matches = new List<CompiledSigmaRule>();
        Match(evt, matches);
        return matches;
    }

    /// <summary>Whether one rule matches the event, ignoring log-source routing.</summary>
    public bool Matches(CompiledSigmaRule rule, SigmaEvent evt)
    {
        _context.Reset(evt);
        return Evaluate(rule);
    }

    private bool Evaluate(CompiledSigmaRule rule)
    {
        if (!rule.Matcher.Matches(_context))
        {
            return false;
        }

        foreach (var filter in rule.Filters)
        {
            if (filter.Matches(_context))
            {
                return false;
            }
        }

        return true;
    }

    private Route FindRoute()
    {
        var eventId = _context.Get(_eventIdSlot)?.Text ?? string.Empty;
        var channel = _context.Get(_channelSlot)?.Text ?? string.Empty;
        var key = string.Concat(eventId, "\u0001", channel);
        if (_routes.TryGetValue(key, out var routed))
        {
            return routed;
        }

        var applies = new bool[_map.Mappings.Count];
        for (var i = 0; i < applies.Length; i++)
        {
            applies[i] = _map.Mappings[i].Applies(eventId.Length == 0 ? null : eventId, channel.Length == 0 ? null : channel);
        }

        var rules = _rules.Where(r => r.Mapping is not { } m || applies[m]).ToArray();
        var flags = new bool[_rules.Length];
        foreach (var rule in rules)
        {
            flags[rule.Index] = true;
        }

        routed = new Route(rules, flags, [.. rules.Where(r => _prefilter?.IsUnconditional(r.Index) == true).Select(r => r.Index)]);
        if (_routes.Count < 10_000)
        {
            _routes[key] = routed;
        }

        return routed;
    }

    internal int FieldCount => _fields.Count;

    /// <summary>The rules one kind of event (EventID, Channel) is routed to, in load order.</summary>
    private sealed record Route(CompiledSigmaRule[] Rules, bool[] Routed, int[] Unconditional);
}
