using System.Diagnostics;
using System.Runtime.CompilerServices;
using CraftedSignal.Domain.Sigma.Events;

namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>
/// One event's result, in input order: the rules it matched (the event itself is kept only when it matched, for
/// correlations), or a read problem (then it is no event). The event is valid only until the next outcome is taken:
/// its field table then goes to later events.
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
    /// <summary>Records handed to a thread at a time.</summary>
    private const int BlockRecords = 128;

    private readonly Worker[] _workers;
    private readonly List<List<EventOutcome>>[] _blocks = [[], []];
    private readonly FieldTables _tables = new();

    public ParallelMatcher(SigmaEngine engine, int threads, SigmaMatchProfile? profile = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (profile is not null && threads != 1)
        {
            throw new ArgumentException("Profiling runs on one thread.", nameof(threads));
        }

        _workers = [.. Enumerable.Range(0, threads).Select(i => new Worker(i == 0 ? engine : engine.Fork(), new ReadCache(_tables), profile))];
    }

    /// <summary>The field tables the threads read events into, handed back once the caller has taken an event's outcome.</summary>
    internal FieldTables Tables => _tables;

    /// <summary>Full rule evaluations over all threads so far.</summary>
    public long EvaluatedRules => _workers.Sum(w => w.Engine.EvaluatedRules);

    public IEnumerable<EventOutcome> Match(Stream stream) => _workers.Length == 1 ? MatchOnOneThread(stream) : MatchOnThreads(stream);

    private IEnumerable<EventOutcome> MatchOnOneThread(Stream stream)
    {
        // Block by block: an event kept for its matches is taken by the caller before the next block is read, so it
        // dies young instead of being carried through the collections of a whole chunk.
        var outcomes = new List<EventOutcome>(BlockRecords);
        foreach (var chunk in EventReader.ReadChunks(stream))
        {
            using (chunk)
            {
                for (var from = 0; from < chunk.Count; from += BlockRecords)
                {
                    _workers[0].Run(chunk, from, Math.Min(chunk.Count, from + BlockRecords), outcomes);
                    foreach (var outcome in outcomes)
                    {
                        yield return outcome;
                    }

                    Release(outcomes);
                }
            }
        }
    }

    /// <summary>
    /// While the caller takes the outcomes of one chunk (and the next chunk is read), the threads already match the
    /// next one: the caller's share of the work (writing, correlations, reading) does not leave them idle.
    /// </summary>
    private IEnumerable<EventOutcome> MatchOnThreads(Stream stream)
    {
        Task? running = null;
        (EventChunk Chunk, List<List<EventOutcome>> Blocks)? previous = null;
        var turn = 0;
        foreach (var chunk in EventReader.ReadChunks(stream))
        {
            var blocks = _blocks[turn];
            turn ^= 1;
            running?.Wait();
            var work = Task.Run(() => Run(chunk, blocks, _workers.Length));
            if (previous is { } done)
            {
                done.Chunk.Dispose();
                foreach (var outcome in Outcomes(done.Blocks, done.Chunk.Count))
                {
                    yield return outcome;
                }
            }

            running = work;
            previous = (chunk, blocks);
        }

        if (previous is { } last)
        {
            running!.Wait();
            last.Chunk.Dispose();
            foreach (var outcome in Outcomes(last.Blocks, last.Chunk.Count))
            {
                yield return outcome;
            }
        }
    }

    /// <summary>Threads take the next block of the chunk when done with one: a thread slowed by other work on the machine holds it up by one block at most.</summary>
    private void Run(EventChunk chunk, List<List<EventOutcome>> blocks, int threads)
    {
        var count = (chunk.Count + BlockRecords - 1) / BlockRecords;
        while (blocks.Count < count)
        {
            blocks.Add([]);
        }

        if (threads == 1)
        {
            for (var b = 0; b < count; b++)
            {
                _workers[0].Run(chunk, b * BlockRecords, Math.Min(chunk.Count, (b + 1) * BlockRecords), blocks[b]);
            }

            return;
        }

        var next = -1;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, w =>
        {
            int b;
            while ((b = Interlocked.Increment(ref next)) < count)
            {
                _workers[w].Run(chunk, b * BlockRecords, Math.Min(chunk.Count, (b + 1) * BlockRecords), blocks[b]);
            }
        });
    }

    private IEnumerable<EventOutcome> Outcomes(List<List<EventOutcome>> blocks, int records)
    {
        var count = (records + BlockRecords - 1) / BlockRecords;
        for (var b = 0; b < count; b++)
        {
            foreach (var outcome in blocks[b])
            {
                yield return outcome;
            }

            Release(blocks[b]);
        }
    }

    /// <summary>The caller is done with these outcomes: their events' field tables go to the next events read.</summary>
    private void Release(List<EventOutcome> outcomes)
    {
        foreach (var outcome in outcomes)
        {
            if (outcome.Event is { } evt)
            {
                _tables.Return(evt);
            }
        }
    }

    private sealed class Worker(SigmaEngine engine, ReadCache names, SigmaMatchProfile? profile)
    {
        private readonly ReadCache _names = names;
        private readonly List<SigmaEvent> _events = [];
        private readonly List<CompiledSigmaRule> _matches = [];

        public SigmaEngine Engine => engine;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(EventChunk chunk, int from, int to, List<EventOutcome> outcomes)
        {
            outcomes.Clear();
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
                    if (_matches.Count == 0)
                    {
                        outcomes.Add(new EventOutcome(null, [], null));
                        _names.Tables.Return(evt);
                    }
                    else
                    {
                        outcomes.Add(new EventOutcome(evt, [.. _matches], null));
                    }
                }

                if (error is not null)
                {
                    outcomes.Add(new EventOutcome(null, [], error));
                }
            }
        }
    }
}
