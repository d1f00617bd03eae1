using System.Diagnostics;
using System.Runtime.CompilerServices;
using CraftedSignal.Domain.Sigma.Events;

namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>A rule compiled into matchers, with the file it came from.</summary>
public sealed class CompiledSigmaRule
{
    internal CompiledSigmaRule(SigmaRule rule, string path, int index, Matcher matcher, int? mapping, int backtrackingPatterns)
    {
        BacktrackingPatterns = backtrackingPatterns;
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

    /// <summary>How many of the rule's regexes need the backtracking engine (lookarounds, backreferences).</summary>
    public int BacktrackingPatterns { get; }

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

    /// <summary>An engine for another thread: the same compiled rules and prefilter tables, its own per-event state.</summary>
    private SigmaEngine(SigmaEngine shared)
    {
        _fields = shared._fields;
        _map = shared._map;
        _rules = shared._rules;
        _eventIdSlot = shared._eventIdSlot;
        _channelSlot = shared._channelSlot;
        _context = new EventContext(_fields);
        _prefilter = shared._prefilter?.Fork();
        Diagnostics = shared.Diagnostics;
        Correlations = shared.Correlations;
    }

    /// <summary>
    /// Another engine over the same compiled rules, to match on another thread at no compile cost. Each engine still
    /// matches one event at a time.
    /// </summary>
    public SigmaEngine Fork() => new(this);

    public IReadOnlyList<CompiledSigmaRule> Rules => _rules;

    /// <summary>Problems that kept rules from compiling (those rules are left out) and warnings about the ones kept.</summary>
    public IReadOnlyList<SigmaDiagnostic> Diagnostics { get; }

    public IReadOnlyList<Correlation.SigmaCorrelationRule> Correlations { get; }

    /// <summary>
    /// The time budget of what this engine evaluates from now on, checked before every match of a backtracking pattern
    /// (which then throws <see cref="EvaluationBudgetSpentException"/>); null, the default, for none.
    /// </summary>
    public EvaluationBudget? Budget
    {
        get => _context.Budget;
        set => _context.Budget = value;
    }

    public static SigmaEngine Create(IEnumerable<SigmaFile> files, SigmaEngineOptions? options = null)
    {
        options ??= SigmaEngineOptions.Default;
        var fields = new FieldTable();
        var documents = files.SelectMany(f => f.Documents.Select(d => (File: f, Document: d))).ToArray();

        // Rules compile independently (they share only the field table, which hands out slots under a lock): on every
        // core the process may use, each into its own place, then put together in load order.
        var compiled = new (Matcher? Matcher, int Backtracking, SigmaDiagnostic[] Diagnostics)[documents.Length];
        Parallel.For(0, documents.Length, () => new SigmaCompiler(fields, options), (i, _, compiler) =>
        {
            var (file, document) = documents[i];
            if (!document.HasErrors && document is SigmaRule or SigmaFilter)
            {
                var (detections, conditions) = document is SigmaRule rule ? (rule.Detections, rule.Conditions) : (((SigmaFilter)document).Detections, ((SigmaFilter)document).Conditions);
                var matcher = compiler.Compile(detections, conditions, document.Source.Position);
                compiled[i] = (matcher, compiler.BacktrackingPatterns, [.. compiler.Diagnostics.Select(d => d with { Path = file.Path })]);
            }

            return compiler;
        }, _ => { });

        var diagnostics = new List<SigmaDiagnostic>();
        var rules = new List<CompiledSigmaRule>();
        var filters = new List<(SigmaFilter Filter, Matcher Matcher)>();
        var correlations = new List<Correlation.SigmaCorrelationRule>();
        for (var i = 0; i < documents.Length; i++)
        {
            var (file, document) = documents[i];
            if (document.HasErrors)
            {
                diagnostics.Add(new SigmaDiagnostic(SigmaDiagnosticCodes.DocumentSkipped, SigmaSeverity.Error,
                    $"'{document.Title}' has errors and is not evaluated. Run 'sigma validate' and fix them.", document.Source.Position, file.Path));
                continue;
            }

            var (matcher, backtracking, problems) = compiled[i];
            diagnostics.AddRange(problems ?? []);
            switch (document)
            {
                case SigmaRule rule when matcher is not null:
                    rules.Add(new CompiledSigmaRule(rule, file.Path, rules.Count, matcher, options.LogSourceMap.Find(rule.LogSource), backtracking));
                    break;
                case SigmaFilter filter when matcher is not null:
                    filters.Add((filter, matcher));
                    break;
                case Correlation.SigmaCorrelationRule correlation:
                    correlations.Add(correlation);
                    break;
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
    public void Match(SigmaEvent evt, List<CompiledSigmaRule> matches) => Match(evt, matches, null);

    /// <summary>
    /// As <see cref="Match(SigmaEvent, List{CompiledSigmaRule})"/>; with a <paramref name="profile"/> also adds the time
    /// spent in the prefilter and in each rule to it (which costs a clock reading per rule: for benchmarks only).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Match(SigmaEvent evt, List<CompiledSigmaRule> matches, SigmaMatchProfile? profile)
    {
        matches.Clear();
        var started = profile is null ? 0 : Stopwatch.GetTimestamp();
        _context.Reset(evt);
        var route = FindRoute();
        if (_prefilter is null)
        {
            if (profile is not null)
            {
                EvaluateProfiled(route.Rules.Select(r => r.Index), matches, profile, started);
                return;
            }

            foreach (var rule in route.Rules)
            {
                Evaluate(rule, matches);
            }

            return;
        }

        _candidates.Clear();
        _prefilter.Collect(evt, _candidates);
        _context.Scanned = _prefilter;
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
        if (profile is not null)
        {
            EvaluateProfiled(_candidates, matches, profile, started);
            return;
        }

        foreach (var index in _candidates)
        {
            Evaluate(_rules[index], matches);
        }
    }

    private void EvaluateProfiled(IEnumerable<int> rules, List<CompiledSigmaRule> matches, SigmaMatchProfile profile, long started)
    {
        var before = Stopwatch.GetTimestamp();
        var evaluating = before;
        profile.PrefilterTicks += before - started;
        foreach (var index in rules)
        {
            Evaluate(_rules[index], matches);
            var after = Stopwatch.GetTimestamp();
            profile.RuleTicks[index] += after - before;
            profile.RuleEvaluations[index]++;
            before = after;
        }

        profile.EvaluationTicks += before - evaluating;
    }

    /// <summary>How many rules have been evaluated in full, over all events so far (the prefilter skips the others).</summary>
    public long EvaluatedRules { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

/// <summary>Where matching time goes, per phase and per rule (<see cref="Stopwatch"/> ticks), filled only when asked for.</summary>
public sealed class SigmaMatchProfile(int rules)
{
    /// <summary>Reading and parsing the events (filled by <see cref="ParallelMatcher"/>).</summary>
    public long ParseTicks { get; internal set; }

    /// <summary>Log-source routing and the prefilter.</summary>
    public long PrefilterTicks { get; internal set; }

    public long EvaluationTicks { get; internal set; }

    /// <summary>Time in each rule (by <see cref="CompiledSigmaRule.Index"/>), its filters included.</summary>
    public long[] RuleTicks { get; } = new long[rules];

    public long[] RuleEvaluations { get; } = new long[rules];
}
