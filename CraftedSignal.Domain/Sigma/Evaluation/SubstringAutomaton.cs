using System.Runtime.CompilerServices;

namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>
/// Aho–Corasick over ASCII needles as a dense DFA: one table lookup per character of the text reports every needle it
/// contains, ignoring ASCII case. To keep the table small the alphabet is compressed: the most frequent needle
/// characters get a class each, the rare ones share one, so the automaton may report a needle that is not there
/// (never the reverse). That is enough for a prefilter, whose candidates are evaluated in full anyway.
/// </summary>
internal sealed class SubstringAutomaton
{
    private const int MaxClasses = 40;
    private const int MaxStates = ushort.MaxValue + 1;

    // Index 128 stands for a non-ASCII character that no comparison takes for an ASCII one: class 0.
    private readonly byte[] _classOf = new byte[129];
    private readonly int _classes;

    // _next[state * _classes + class]; states from _firstReporting on report needles (_outputs[_outputStart[state]..]).
    private readonly ushort[] _next;
    private readonly int _firstReporting;
    private readonly int[] _outputStart;
    private readonly int[] _outputs;

    public SubstringAutomaton(IReadOnlyList<string> needles)
    {
        if (needles.Any(n => n.Length == 0 || !System.Text.Ascii.IsValid(n)))
        {
            throw new ArgumentException("Needles must be non-empty ASCII.", nameof(needles));
        }

        _classes = AssignClasses(needles, _classOf);

        // A shorter needle is still necessary; truncating only matters for a field with tens of thousands of needles.
        for (var length = needles.Select(n => n.Length).DefaultIfEmpty(0).Max(); ; length /= 2)
        {
            var paths = new List<byte[]>(needles.Count);
            foreach (var needle in needles)
            {
                var path = new byte[Math.Min(needle.Length, length)];
                for (var i = 0; i < path.Length; i++)
                {
                    path[i] = _classOf[needle[i]];
                }

                paths.Add(path);
            }

            var states = CountStates(paths);
            if (states <= MaxStates)
            {
                (_next, _firstReporting, _outputStart, _outputs) = Build(paths, states, _classes);
                return;
            }
        }
    }

    public int States => _next.Length / _classes;

    public int Classes => _classes;

    public long Bytes => (_next.Length * 2L) + (_outputs.Length * 4L) + (_outputStart.Length * 4L);

    /// <summary>
    /// Adds the index of every needle the text may contain to <paramref name="found"/>, possibly more than once.
    /// A non-ASCII character counts as the ASCII letter some case comparison takes it for (<see cref="AsciiFold"/>),
    /// others as a character of no needle. Returns whether the text has a non-ASCII character.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Scan(ReadOnlySpan<char> text, List<int> found)
    {
        var next = _next;
        var classOf = _classOf;
        var classes = _classes;
        var firstReporting = _firstReporting;
        var fold = AsciiFold.Table;
        var state = 0;
        var nonAscii = false;
        foreach (var c in text)
        {
            int cls;
            if (c < 128)
            {
                cls = classOf[c];
            }
            else
            {
                nonAscii = true;
                var ascii = fold[c];
                cls = ascii == 0 ? 0 : classOf[ascii];
            }

            state = next[(state * classes) + cls];
            if (state >= firstReporting)
            {
                for (var o = _outputStart[state]; o < _outputStart[state + 1]; o++)
                {
                    found.Add(_outputs[o]);
                }
            }
        }

        return nonAscii;
    }

    /// <summary>
    /// <see cref="Scan"/> of two automata over the same text in one loop: their state chains are independent, so the
    /// processor runs the two table walks side by side instead of one after the other.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool ScanPair(ReadOnlySpan<char> text, SubstringAutomaton a, List<int> foundA, SubstringAutomaton b, List<int> foundB)
    {
        var (nextA, classOfA, classesA, reportA) = (a._next, a._classOf, a._classes, a._firstReporting);
        var (nextB, classOfB, classesB, reportB) = (b._next, b._classOf, b._classes, b._firstReporting);
        var fold = AsciiFold.Table;
        int stateA = 0, stateB = 0;
        var nonAscii = false;
        foreach (var c in text)
        {
            int ascii = c;
            if (c >= 128)
            {
                nonAscii = true;
                ascii = fold[c] is var folded and > 0 ? folded : 128;
            }

            stateA = nextA[(stateA * classesA) + classOfA[ascii]];
            stateB = nextB[(stateB * classesB) + classOfB[ascii]];
            if (stateA >= reportA)
            {
                a.Report(stateA, foundA);
            }

            if (stateB >= reportB)
            {
                b.Report(stateB, foundB);
            }
        }

        return nonAscii;
    }

    private void Report(int state, List<int> found)
    {
        for (var o = _outputStart[state]; o < _outputStart[state + 1]; o++)
        {
            found.Add(_outputs[o]);
        }
    }

    /// <summary>Class 0: characters in no needle; then the most frequent ones (letters folded); the rest share the last.</summary>
    private static int AssignClasses(IReadOnlyList<string> needles, byte[] classOf)
    {
        var counts = new int[128];
        foreach (var needle in needles)
        {
            foreach (var c in needle)
            {
                counts[char.ToLowerInvariant(c)]++;
            }
        }

        var used = Enumerable.Range(0, 128).Where(c => counts[c] > 0).OrderByDescending(c => counts[c]).ThenBy(c => c).ToList();
        var classes = Math.Min(used.Count, MaxClasses - 1) + 1;
        for (var i = 0; i < used.Count; i++)
        {
            var c = (char)used[i];
            var cls = (byte)Math.Min(i + 1, classes - 1);
            classOf[c] = cls;
            if (char.IsAsciiLetter(c))
            {
                classOf[c ^ 0x20] = cls;
            }
        }

        return classes;
    }

    /// <summary>Trie nodes: the distinct prefixes, counted over the sorted paths.</summary>
    private static int CountStates(List<byte[]> paths)
    {
        var sorted = paths.ToArray();
        Array.Sort(sorted, (a, b) => a.AsSpan().SequenceCompareTo(b));
        var states = 1;
        byte[] previous = [];
        foreach (var path in sorted)
        {
            states += path.Length - path.AsSpan().CommonPrefixLength(previous);
            previous = path;
        }

        return states;
    }

    private static (ushort[] Next, int FirstReporting, int[] OutputStart, int[] Outputs) Build(List<byte[]> paths, int states, int classes)
    {
        // The trie; 0 marks a missing edge (no edge leads back to the root).
        var next = new ushort[states * classes];
        var own = new List<int>?[states];
        var count = 1;
        for (var i = 0; i < paths.Count; i++)
        {
            var state = 0;
            foreach (var cls in paths[i])
            {
                ref var target = ref next[(state * classes) + cls];
                if (target == 0)
                {
                    target = (ushort)count++;
                }

                state = target;
            }

            (own[state] ??= []).Add(i);
        }

        // Breadth first: failure links, missing edges completed from the failure state, outputs merged along the chain.
        var fail = new int[states];
        var outputs = new List<int>?[states];
        var queue = new Queue<int>();
        for (var k = 0; k < classes; k++)
        {
            if (k == 0)
            {
                next[0] = 0;
            }
            else if (next[k] != 0)
            {
                queue.Enqueue(next[k]);
            }
        }

        while (queue.TryDequeue(out var state))
        {
            outputs[state] = own[state] is { } mine
                ? outputs[fail[state]] is { } inherited ? [.. mine, .. inherited] : mine
                : outputs[fail[state]];
            for (var k = 0; k < classes; k++)
            {
                ref var target = ref next[(state * classes) + k];
                var fallback = next[(fail[state] * classes) + k];
                if (target == 0 || k == 0)
                {
                    target = fallback;
                }
                else
                {
                    fail[target] = fallback;
                    queue.Enqueue(target);
                }
            }
        }

        // Renumber so that reporting states come last: the scan tests one comparison per character.
        var renumber = new ushort[states];
        var silent = 0;
        for (var s = 0; s < states; s++)
        {
            if (outputs[s] is null)
            {
                renumber[s] = (ushort)silent++;
            }
        }

        var reporting = silent;
        for (var s = 0; s < states; s++)
        {
            if (outputs[s] is not null)
            {
                renumber[s] = (ushort)reporting++;
            }
        }

        var table = new ushort[states * classes];
        var outputStart = new int[states + 1];
        var byNewState = new List<int>?[states];
        for (var s = 0; s < states; s++)
        {
            byNewState[renumber[s]] = outputs[s];
            for (var k = 0; k < classes; k++)
            {
                table[(renumber[s] * classes) + k] = renumber[next[(s * classes) + k]];
            }
        }

        var flat = new List<int>();
        for (var s = 0; s < states; s++)
        {
            outputStart[s] = flat.Count;
            flat.AddRange(byNewState[s] ?? []);
        }

        outputStart[states] = flat.Count;
        return (table, silent, outputStart, [.. flat]);
    }
}

/// <summary>
/// The ASCII letter each non-ASCII character equals under one of the comparisons rules use (ordinal ignore-case,
/// invariant lowercasing, invariant uppercasing), or 0: e.g. the Kelvin sign lowercases to <c>k</c>, a dotless
/// <c>ı</c> compares equal to <c>I</c> ignoring case. Found by trying every character, so it follows the runtime.
/// </summary>
internal static class AsciiFold
{
    public static readonly byte[] Table = Build();

    private static byte[] Build()
    {
        var table = new byte[char.MaxValue + 1];
        Span<char> one = stackalloc char[1];
        Span<char> letter = stackalloc char[1];
        for (var c = 128; c <= char.MaxValue; c++)
        {
            var ch = (char)c;
            if (char.IsSurrogate(ch))
            {
                continue;
            }

            var lower = char.ToLowerInvariant(ch);
            var upper = char.ToUpperInvariant(ch);
            if (lower < 128)
            {
                table[c] = (byte)char.ToLowerInvariant(lower);
                continue;
            }

            if (upper < 128)
            {
                table[c] = (byte)char.ToLowerInvariant(upper);
                continue;
            }

            // Ordinal ignore-case maps case on its own; only letters can fold into ASCII.
            if (!char.IsLetter(ch) && !char.IsSymbol(ch))
            {
                continue;
            }

            one[0] = ch;
            for (var a = 'a'; a <= 'z'; a++)
            {
                letter[0] = a;
                if (MemoryExtensions.Equals(one, letter, StringComparison.OrdinalIgnoreCase))
                {
                    table[c] = (byte)a;
                    break;
                }
            }
        }

        return table;
    }
}
