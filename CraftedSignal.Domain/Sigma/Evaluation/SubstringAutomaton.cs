namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>
/// Aho–Corasick over lowercase ASCII needles, as a dense DFA on a compressed alphabet (only the characters the needles
/// use, ASCII letters folded): one table lookup per character of the text reports every needle it contains.
/// </summary>
internal sealed class SubstringAutomaton
{
    private readonly byte[] _classOf = new byte[128];
    private readonly int _classes;

    // _next[state + class] is the next state, already multiplied by _classes, complemented when it reports needles.
    private readonly int[] _next;
    private readonly int[] _outputStart;
    private readonly int[] _outputs;

    public SubstringAutomaton(IReadOnlyList<string> needles)
    {
        var classes = 1;
        foreach (var needle in needles)
        {
            foreach (var c in needle)
            {
                if (c >= 128)
                {
                    throw new ArgumentException("Needles must be ASCII.", nameof(needles));
                }

                if (_classOf[c] == 0)
                {
                    if (classes == 255)
                    {
                        throw new ArgumentException("Too many distinct characters.", nameof(needles));
                    }

                    _classOf[c] = (byte)classes;
                    if (char.IsAsciiLetter(c))
                    {
                        _classOf[c ^ 0x20] = (byte)classes;
                    }

                    classes++;
                }
            }
        }

        _classes = classes;
        var capacity = needles.Sum(n => n.Length) + 1;
        var goto_ = new int[capacity * classes];
        Array.Fill(goto_, -1);
        var own = new List<int>?[capacity];
        var states = 1;
        for (var i = 0; i < needles.Count; i++)
        {
            var state = 0;
            foreach (var c in needles[i])
            {
                ref var target = ref goto_[(state * classes) + _classOf[c]];
                if (target < 0)
                {
                    target = states++;
                }

                state = target;
            }

            (own[state] ??= []).Add(i);
        }

        // Breadth-first: failure links, then complete the transitions and merge the outputs along the failure chain.
        var fail = new int[states];
        var order = new int[states];
        var outputs = new List<int>?[states];
        int head = 0, tail = 0;
        for (var k = 0; k < classes; k++)
        {
            ref var target = ref goto_[k];
            if (target < 0 || k == 0)
            {
                target = 0;
            }
            else
            {
                order[tail++] = target;
            }
        }

        while (head < tail)
        {
            var state = order[head++];
            outputs[state] = own[state] is { } mine
                ? outputs[fail[state]] is { } inherited ? [.. mine, .. inherited] : mine
                : outputs[fail[state]];
            for (var k = 0; k < classes; k++)
            {
                ref var target = ref goto_[(state * classes) + k];
                var fallback = goto_[(fail[state] * classes) + k];
                if (target < 0 || k == 0)
                {
                    target = fallback;
                }
                else
                {
                    fail[target] = fallback;
                    order[tail++] = target;
                }
            }
        }

        _next = new int[states * classes];
        for (var i = 0; i < _next.Length; i++)
        {
            var target = goto_[i];
            _next[i] = outputs[target] is null ? target * classes : ~(target * classes);
        }

        _outputStart = new int[states + 1];
        var flat = new List<int>();
        for (var s = 0; s < states; s++)
        {
            _outputStart[s] = flat.Count;
            flat.AddRange(outputs[s] ?? []);
        }

        _outputStart[states] = flat.Count;
        _outputs = [.. flat];
    }

    public int States => _next.Length / _classes;

    public int Classes => _classes;

    /// <summary>
    /// Adds the index of every needle the text contains (ignoring ASCII case) to <paramref name="found"/>, possibly
    /// more than once. Returns false, having found nothing, when the text has a non-ASCII character.
    /// </summary>
    public bool Scan(ReadOnlySpan<char> text, List<int> found)
    {
        var next = _next;
        var classOf = _classOf;
        var start = _outputStart;
        var state = 0;
        var before = found.Count;
        foreach (var c in text)
        {
            if (c >= 128)
            {
                found.RemoveRange(before, found.Count - before);
                return false;
            }

            state = next[state + classOf[c]];
            if (state < 0)
            {
                state = ~state;
                var s = state / _classes;
                for (var o = start[s]; o < start[s + 1]; o++)
                {
                    found.Add(_outputs[o]);
                }
            }
        }

        return true;
    }
}
