namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>
/// The longest run of literal ASCII characters that every match of a regular expression contains, for the prefilter:
/// only runs outside groups, classes and alternations are read, a character a quantifier makes optional ends the run
/// without it, and anything not understood ends the run. Null when there is none (or a top-level <c>|</c>, or
/// whitespace-ignoring mode). Case is ignored, as the prefilter compares ignoring ASCII case.
/// </summary>
internal static class RegexLiterals
{
    private const int MinLength = 2;

    public static string? Longest(string pattern)
    {
        if (pattern.Contains("(?", StringComparison.Ordinal) && HasInlineX(pattern))
        {
            return null;
        }

        var best = string.Empty;
        var run = new System.Text.StringBuilder();
        void End()
        {
            if (run.Length > best.Length)
            {
                best = run.ToString();
            }

            run.Clear();
        }

        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            switch (c)
            {
                case '|' or ')':
                    return null;
                case '(':
                    End();
                    if ((i = SkipGroup(pattern, i)) < 0)
                    {
                        return null;
                    }

                    continue;
                case '[':
                    End();
                    if ((i = SkipClass(pattern, i)) < 0)
                    {
                        return null;
                    }

                    continue;
                case '*' or '+' or '?' or '{' or '}' or '.' or '^' or '$':
                    End();
                    i = c == '{' ? SkipBraces(pattern, i) : i + 1;
                    continue;
                case '\\':
                    if (i + 1 >= pattern.Length)
                    {
                        return null;
                    }

                    var escaped = pattern[i + 1];
                    if (char.IsAsciiLetterOrDigit(escaped) || escaped >= 128)
                    {
                        // A class, anchor, back-reference or character code: not read.
                        End();
                        i = SkipEscape(pattern, i);
                        continue;
                    }

                    i = Literal(pattern, i + 2, escaped, run, End);
                    continue;
                default:
                    if (c >= 128 || char.IsControl(c))
                    {
                        End();
                        i++;
                        continue;
                    }

                    i = Literal(pattern, i + 1, c, run, End);
                    continue;
            }
        }

        End();
        return best.Length >= MinLength ? best.ToLowerInvariant() : null;
    }

    /// <summary>Adds a literal character unless the quantifier after it (at <paramref name="next"/>) allows zero of it.</summary>
    private static int Literal(string pattern, int next, char c, System.Text.StringBuilder run, Action end)
    {
        if (next < pattern.Length && pattern[next] is '*' or '?' || (next < pattern.Length && pattern[next] == '{' && MinRepeat(pattern, next) is null or 0))
        {
            end();
            return next;
        }

        run.Append(c);
        if (next < pattern.Length && pattern[next] is '+' or '{')
        {
            // At least once, then repeated: what follows is not next to it.
            end();
        }

        return next;
    }

    /// <summary>The minimum of a <c>{n}</c>, <c>{n,}</c> or <c>{n,m}</c> quantifier at <paramref name="at"/>; null if it is none.</summary>
    private static int? MinRepeat(string pattern, int at)
    {
        var i = at + 1;
        var start = i;
        while (i < pattern.Length && char.IsAsciiDigit(pattern[i]))
        {
            i++;
        }

        if (i == start || i >= pattern.Length || pattern[i] is not (',' or '}'))
        {
            return null;
        }

        return int.TryParse(pattern.AsSpan(start, i - start), out var min) ? min : null;
    }

    private static int SkipBraces(string pattern, int at)
    {
        var close = pattern.IndexOf('}', at);
        return MinRepeat(pattern, at) is not null && close > 0 ? close + 1 : at + 1;
    }

    private static int SkipEscape(string pattern, int at)
    {
        var kind = pattern[at + 1];
        var i = at + 2;
        switch (kind)
        {
            case 'x':
                return Math.Min(pattern.Length, i + 2);
            case 'u':
                return Math.Min(pattern.Length, i + 4);
            case 'c':
                return Math.Min(pattern.Length, i + 1);
            case 'p' or 'P' or 'k':
                var close = pattern.IndexOfAny(['}', '>', '\''], i + 1);
                return close < 0 ? pattern.Length : close + 1;
            default:
                if (char.IsAsciiDigit(kind))
                {
                    while (i < pattern.Length && char.IsAsciiDigit(pattern[i]))
                    {
                        i++;
                    }
                }

                return i;
        }
    }

    /// <summary>Index after the group starting at <paramref name="at"/>; -1 when it does not close.</summary>
    private static int SkipGroup(string pattern, int at)
    {
        var depth = 0;
        for (var i = at; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    i++;
                    break;
                case '[':
                    i = SkipClass(pattern, i) - 1;
                    if (i < 0)
                    {
                        return -1;
                    }

                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    if (--depth == 0)
                    {
                        return i + 1;
                    }

                    break;
            }
        }

        return -1;
    }

    /// <summary>Index after the character class starting at <paramref name="at"/>; -1 when it does not close.</summary>
    internal static int SkipClass(string pattern, int at)
    {
        var i = at + 1;
        if (i < pattern.Length && pattern[i] == '^')
        {
            i++;
        }

        if (i < pattern.Length && pattern[i] == ']')
        {
            i++;
        }

        for (; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\')
            {
                i++;
            }
            else if (pattern[i] == '-' && i + 1 < pattern.Length && pattern[i + 1] == '[')
            {
                // Class subtraction: [a-z-[aeiou]].
                var inner = SkipClass(pattern, i + 1);
                if (inner < 0)
                {
                    return -1;
                }

                i = inner - 1;
            }
            else if (pattern[i] == ']')
            {
                return i + 1;
            }
        }

        return -1;
    }

    private static bool HasInlineX(string pattern)
    {
        for (var i = pattern.IndexOf("(?", StringComparison.Ordinal); i >= 0; i = pattern.IndexOf("(?", i + 2, StringComparison.Ordinal))
        {
            for (var j = i + 2; j < pattern.Length && (char.IsAsciiLetter(pattern[j]) || pattern[j] == '-'); j++)
            {
                if (pattern[j] == 'x')
                {
                    return true;
                }
            }
        }

        return false;
    }
}
