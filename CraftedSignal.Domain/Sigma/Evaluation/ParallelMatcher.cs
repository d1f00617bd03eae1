using System.Diagnostics;
using System.Runtime.CompilerServices;
using CraftedSignal.Domain.Sigma.Events;

namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>
/// One event's result, in input order: the rules it matched (the event itself is kept only when it matched, for
/// correlations), or a read problem (then it is no event).
/// </summary>
public readonly record struct EventOutcome(SigmaEvent? Event, CompiledSigmaRule[] Matches, EventReadError? Error)
{
    public bool IsEvent => Error is null;
}

/// <summary>
/// Parses and matches an event stream on several threads: the stream is cut into chunks of whole records
/// (<see cref="EventReader.ReadChunks"/>), each chunk's records are shared out among the threads in contiguous runs,
/// and the outcomes come back in input order, so the output does not depend on the number of threads.
/// With a <see cref="SigmaMatchProfile"/> (one thread only) it also records where the time goes.
/// </summary>
public sealed class ParallelMatcher
{
    private readonly Worker[] _workers;

    public ParallelMatcher(SigmaEngine engine, int threads, SigmaMatchProfile? profile = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (profile is not null && threads != 1)
        {
            throw new ArgumentException("Profiling runs on one thread.", nameof(threads));
        }

        _workers = [.. Enumerable.Range(0, threads).Select(i => new Worker(i == 0 ? engine : engine.Fork(), profile))];
    }

    /// <summary>Full rule evaluations over all threads so far.</summary>
    public long EvaluatedRules => _workers.Sum(w => w.Engine.EvaluatedRules);

    public IEnumerable<EventOutcome> Match(Stream stream)
    {
        foreach (var chunk in EventReader.ReadChunks(stream))
        {
            using (chunk)
            {
                if (_workers.Length == 1)
                {
                    _workers[0].Run(chunk, 0, chunk.Count);
                }
                else
                {
                    var per = (chunk.Count + _workers.Length - 1) / _workers.Length;
                    Parallel.For(0, _workers.Length, new ParallelOptions { MaxDegreeOfParallelism = _workers.Length },
                        w => _workers[w].Run(chunk, Math.Min(chunk.Count, w * per), Math.Min(chunk.Count, (w + 1) * per)));
                }
            }

            foreach (var worker in _workers)
            {
                foreach (var outcome in worker.Outcomes)
                {
                    yield return outcome;
                }
            }
        }
    }

    private sealed class Worker(SigmaEngine engine, SigmaMatchProfile? profile)
    {
        private readonly FieldNames _names = new();
        private readonly List<SigmaEvent> _events = [];
        private readonly List<CompiledSigmaRule> _matches = [];

        public SigmaEngine Engine => engine;

        public List<EventOutcome> Outcomes { get; } = [];

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(EventChunk chunk, int from, int to)
        {
            Outcomes.Clear();
            for (var record = from; record < to; record++)
            {
                _events.Clear();
                var started = profile is null ? 0 : Stopwatch.GetTimestamp();
                var error = chunk.Parse(record, _names, _events);
                if (profile is not null)
                {
                    profile.ParseTicks += Stopwatch.GetTimestamp() - started;
                }

                foreach (var evt in _events)
                {
                    engine.Match(evt, _matches, profile);
                    Outcomes.Add(_matches.Count == 0 ? new EventOutcome(null, [], null) : new EventOutcome(evt, [.. _matches], null));
                }

                if (error is not null)
                {
                    Outcomes.Add(new EventOutcome(null, [], error));
                }
            }
        }
    }
}
