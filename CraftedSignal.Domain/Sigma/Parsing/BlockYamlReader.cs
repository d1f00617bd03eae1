using System.Globalization;
using System.Text;

namespace CraftedSignal.Domain.Sigma.Parsing;

/// <summary>
/// A fast reader for the block-style YAML that Sigma rules are written in: block mappings and sequences, plain, single-
/// and double-quoted scalars, literal and folded block scalars, comments and <c>---</c> between documents. It builds
/// exactly the nodes the full reader (YamlDotNet) builds, positions included, and gives up (returns false) on anything
/// else: flow collections, anchors, tags, directives, tabs in indentation, unusual escapes or folding, or input that is
/// not well-formed. The full reader then reads the text and reports what is wrong. Reading the SigmaHQ corpus is several
/// times faster this way; a test holds both readers to the same nodes for every corpus and regression file.
/// </summary>
internal sealed class BlockYamlReader
{
    private readonly string _text;
    private readonly List<(int Start, int End)> _lines = [];
    private readonly SigmaYamlReader.NodeSink _sink;
    private int _line;

    private BlockYamlReader(string text, SigmaYamlReader.NodeSink sink)
    {
        _text = text;
        _sink = sink;
        var start = 0;
        for (int i; (i = text.AsSpan(start).IndexOf('\n')) >= 0; start += i + 1)
        {
            var end = start + i;
            _lines.Add((start, i > 0 && text[end - 1] == '\r' ? end - 1 : end));
        }

        if (start < text.Length)
        {
            _lines.Add((start, text.Length));
        }
    }

    /// <summary>Reads every document into <paramref name="sink"/>; false when the text needs the full reader.</summary>
    public static bool TryRead(string text, SigmaYamlReader.NodeSink sink)
    {
        try
        {
            return new BlockYamlReader(text, sink).ReadStream();
        }
        catch (GiveUp)
        {
            return false;
        }
    }

    private bool ReadStream()
    {
        var sawMarker = false;
        while (true)
        {
            SkipBlank();
            if (_line >= _lines.Count)
            {
                // An empty stream is left to the full reader, which decides what it holds.
                return _sink.Documents > 0;
            }

            if (IsMarker(_line))
            {
                if (sawMarker || _sink.Documents > 0)
                {
                    // '---' right after '---' or at the very end is an empty document: the full reader decides its shape.
                    if (NextContentIsMarkerOrEnd(_line + 1))
                    {
                        return false;
                    }
                }

                sawMarker = true;
                _line++;
                continue;
            }

            _sink.BeginDocument();
            var (start, end) = _lines[_line];
            var indent = Indent(start, end);
            ReadNode(indent, start + indent, -1, inSequence: false);
            SkipBlank();
            if (_line < _lines.Count && !IsMarker(_line))
            {
                throw new GiveUp();
            }

            _sink.EndDocument();
            sawMarker = false;
        }
    }

    private bool NextContentIsMarkerOrEnd(int line)
    {
        for (; line < _lines.Count; line++)
        {
            if (!IsBlank(line))
            {
                return IsMarker(line);
            }
        }

        return true;
    }

    /// <summary>A block node starting at <paramref name="at"/> on the current line, inside a parent at column <paramref name="parent"/>.</summary>
    private void ReadNode(int column, int at, int parent, bool inSequence)
    {
        var (_, end) = _lines[_line];
        if (at + 1 <= end && _text[at] == '-' && (at + 1 == end || _text[at + 1] == ' '))
        {
            ReadSequence(column);
        }
        else if (FindKeyEnd(at, end) >= 0)
        {
            ReadMapping(column);
        }
        else if (inSequence)
        {
            ReadValue(at, parent);
        }
        else
        {
            throw new GiveUp();
        }
    }

    private void ReadMapping(int column)
    {
        var (start, _) = _lines[_line];
        Begin(isMapping: true, Position(start + column));
        while (true)
        {
            var (lineStart, lineEnd) = _lines[_line];
            var keyStart = lineStart + column;
            var colon = FindKeyEnd(keyStart, lineEnd);
            if (colon < 0)
            {
                throw new GiveUp();
            }

            Scalar(KeyText(keyStart, colon), _text[keyStart] is '\'' or '"', Position(keyStart));
            var value = SkipSpaces(colon + 1, lineEnd);
            var afterColon = Position(colon + 1);
            if (value == lineEnd || _text[value] == '#')
            {
                _line++;
                SkipBlank();
                if (_line < _lines.Count && !IsMarker(_line))
                {
                    var (nextStart, nextEnd) = _lines[_line];
                    var indent = Indent(nextStart, nextEnd);
                    if (indent > column)
                    {
                        ReadNode(indent, nextStart + indent, column, inSequence: false);
                    }
                    else if (indent == column && _text[nextStart + indent] == '-' && (nextStart + indent + 1 == nextEnd || _text[nextStart + indent + 1] == ' '))
                    {
                        ReadSequence(column);
                    }
                    else
                    {
                        EmptyValue(afterColon);
                    }
                }
                else
                {
                    EmptyValue(afterColon);
                }
            }
            else
            {
                ReadValue(value, column);
            }

            if (!NextEntryAt(column))
            {
                break;
            }
        }

        _sink.End();
    }

    private void ReadSequence(int column)
    {
        var (start, _) = _lines[_line];
        Begin(isMapping: false, Position(start + column));
        while (true)
        {
            var (lineStart, lineEnd) = _lines[_line];
            var dash = lineStart + column;
            if (_text[dash] != '-' || (dash + 1 < lineEnd && _text[dash + 1] != ' '))
            {
                break;
            }

            var item = SkipSpaces(dash + 1, lineEnd);
            if (item == lineEnd || _text[item] == '#')
            {
                throw new GiveUp();
            }

            ReadNode(item - lineStart, item, column, inSequence: true);
            if (!NextEntryAt(column))
            {
                break;
            }
        }

        _sink.End();
    }

    /// <summary>
    /// Whether the collection at <paramref name="column"/> goes on: the next content line starts there. A line further
    /// in after a complete entry is not well-formed; the full reader says why.
    /// </summary>
    private bool NextEntryAt(int column)
    {
        SkipBlank();
        if (_line >= _lines.Count || IsMarker(_line))
        {
            return false;
        }

        var (start, end) = _lines[_line];
        var next = Indent(start, end);
        return next > column ? throw new GiveUp() : next == column;
    }

    /// <summary>A scalar value starting at <paramref name="at"/>, in a collection at column <paramref name="parent"/>; moves past its lines.</summary>
    private void ReadValue(int at, int parent)
    {
        var (_, lineEnd) = _lines[_line];
        var position = Position(at);
        switch (_text[at])
        {
            case '\'' or '"':
                var (text, close) = _text[at] == '\'' ? SingleQuoted(at, lineEnd) : DoubleQuoted(at, lineEnd);
                var rest = SkipSpaces(close, lineEnd);
                if (rest != lineEnd && !(_text[rest] == '#' && rest > close))
                {
                    throw new GiveUp();
                }

                Scalar(text, true, position);
                _line++;
                return;
            case '|' or '>':
                Scalar(BlockScalar(at, lineEnd, parent), true, position);
                return;
            case '[' or '{' or '&' or '*' or '!' or '%' or '@' or '`' or '?' or ':' or ',' or ']' or '}' or '#':
                throw new GiveUp();
            case '-' when at + 1 == lineEnd || _text[at + 1] == ' ':
                throw new GiveUp();
        }

        var plain = new StringBuilder(PlainLine(at, lineEnd));
        _line++;
        var blanks = 0;
        while (_line < _lines.Count)
        {
            var (s, e) = _lines[_line];
            if (IsBlank(_line))
            {
                if (IsCommentLine(_line))
                {
                    break;
                }

                blanks++;
                _line++;
                continue;
            }

            var indent = Indent(s, e);
            if (indent <= parent || IsMarker(_line))
            {
                break;
            }

            plain.Append(blanks == 0 ? " " : new string('\n', blanks));
            blanks = 0;
            plain.Append(PlainLine(s + indent, e));
            _line++;
        }

        if (blanks > 0)
        {
            // Blank lines after a plain scalar belong to nothing; step back so the caller sees them as blank.
            _line -= blanks;
        }

        Scalar(plain.ToString(), false, position);
    }

    /// <summary>One line of a plain scalar, up to a comment; a mapping indicator inside it is not Sigma's YAML.</summary>
    private string PlainLine(int at, int end)
    {
        var stop = end;
        for (var i = at; i < end; i++)
        {
            var c = _text[i];
            if (c == '#' && i > at && _text[i - 1] == ' ')
            {
                stop = i;
                break;
            }

            if (c == ':' && (i + 1 == end || _text[i + 1] == ' '))
            {
                throw new GiveUp();
            }

            if (c == '\t' || char.IsControl(c))
            {
                throw new GiveUp();
            }
        }

        if (_text[at] is '-' or '?' or ':' && at + 1 < stop && _text[at + 1] == ' ')
        {
            throw new GiveUp();
        }

        return _text.AsSpan(at, stop - at).TrimEnd(' ').ToString();
    }

    private (string Text, int After) SingleQuoted(int at, int end)
    {
        var text = new StringBuilder();
        for (var i = at + 1; i < end; i++)
        {
            if (_text[i] == '\'')
            {
                if (i + 1 < end && _text[i + 1] == '\'')
                {
                    text.Append('\'');
                    i++;
                    continue;
                }

                return (text.ToString(), i + 1);
            }

            text.Append(_text[i]);
        }

        throw new GiveUp();
    }

    private (string Text, int After) DoubleQuoted(int at, int end)
    {
        var text = new StringBuilder();
        for (var i = at + 1; i < end; i++)
        {
            var c = _text[i];
            if (c == '"')
            {
                return (text.ToString(), i + 1);
            }

            if (c != '\\')
            {
                text.Append(c);
                continue;
            }

            if (++i >= end)
            {
                throw new GiveUp();
            }

            switch (_text[i])
            {
                case '\\' or '"' or '/':
                    text.Append(_text[i]);
                    break;
                case 'n':
                    text.Append('\n');
                    break;
                case 't':
                    text.Append('\t');
                    break;
                case 'r':
                    text.Append('\r');
                    break;
                case '0':
                    text.Append('\0');
                    break;
                case 'x' when i + 2 < end && int.TryParse(_text.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex):
                    text.Append((char)hex);
                    i += 2;
                    break;
                default:
                    throw new GiveUp();
            }
        }

        throw new GiveUp();
    }

    /// <summary>A literal (<c>|</c>) or folded (<c>&gt;</c>) scalar with clip or strip chomping, indented below <paramref name="parent"/>.</summary>
    private string BlockScalar(int at, int end, int parent)
    {
        var literal = _text[at] == '|';
        var strip = at + 1 < end && _text[at + 1] == '-';
        var header = at + (strip ? 2 : 1);
        if (SkipSpaces(header, end) != end)
        {
            throw new GiveUp();
        }

        _line++;
        var lines = new List<string>();
        var indent = -1;
        var trailing = 0;
        while (_line < _lines.Count)
        {
            var (s, e) = _lines[_line];
            var spaces = 0;
            while (s + spaces < e && _text[s + spaces] == ' ')
            {
                spaces++;
            }

            if (s + spaces == e)
            {
                if (indent >= 0 && spaces > indent)
                {
                    throw new GiveUp();
                }

                lines.Add(string.Empty);
                trailing++;
                _line++;
                continue;
            }

            if (indent < 0)
            {
                if (spaces <= parent)
                {
                    break;
                }

                indent = spaces;
            }

            if (spaces < indent)
            {
                if (spaces > parent)
                {
                    throw new GiveUp();
                }

                break;
            }

            if (_text[s + spaces] == '\t' || (!literal && spaces > indent))
            {
                throw new GiveUp();
            }

            lines.Add(_text[(s + indent)..e]);
            trailing = 0;
            _line++;
        }

        // Trailing blank lines are not the scalar's; they stay for the caller to skip.
        lines.RemoveRange(lines.Count - trailing, trailing);
        _line -= trailing;
        if (lines.Count == 0)
        {
            throw new GiveUp();
        }

        var text = new StringBuilder();
        for (var i = 0; i < lines.Count; i++)
        {
            if (literal)
            {
                text.Append(i > 0 ? "\n" : string.Empty).Append(lines[i]);
            }
            else if (lines[i].Length == 0)
            {
                // Folding: each blank line is a line break; the break before it is folded away.
                text.Append('\n');
            }
            else
            {
                text.Append(i > 0 && lines[i - 1].Length > 0 ? " " : string.Empty).Append(lines[i]);
            }
        }

        return strip ? text.ToString() : text.Append('\n').ToString();
    }

    private void Begin(bool isMapping, SourcePosition position)
    {
        if (_sink.Nodes >= SigmaYamlReader.MaxNodes || _sink.Depth >= SigmaYamlReader.MaxDepth)
        {
            throw new GiveUp();
        }

        _sink.Begin(isMapping, position);
    }

    private void Scalar(string text, bool quoted, SourcePosition position)
    {
        if (_sink.Nodes >= SigmaYamlReader.MaxNodes)
        {
            throw new GiveUp();
        }

        _sink.Scalar(text, quoted, position);
    }

    /// <summary>A key without a value: an empty plain scalar where the full reader puts it, right after the colon.</summary>
    private void EmptyValue(SourcePosition afterColon) => Scalar(string.Empty, false, afterColon);

    /// <summary>Where the <c>:</c> of a key on this line is (quoted or plain key), or -1 when the line holds no key.</summary>
    private int FindKeyEnd(int at, int end)
    {
        if (at < end && _text[at] is '\'' or '"')
        {
            var (_, after) = _text[at] == '\'' ? SingleQuoted(at, end) : DoubleQuoted(at, end);
            return after < end && _text[after] == ':' && (after + 1 == end || _text[after + 1] == ' ') ? after : -1;
        }

        for (var i = at; i < end; i++)
        {
            var c = _text[i];
            if (c == ':' && (i + 1 == end || _text[i + 1] == ' '))
            {
                return i;
            }

            if (c == '#' && i > at && _text[i - 1] == ' ')
            {
                return -1;
            }
        }

        return -1;
    }

    private string KeyText(int at, int colon)
    {
        if (_text[at] is '\'' or '"')
        {
            return (_text[at] == '\'' ? SingleQuoted(at, colon) : DoubleQuoted(at, colon)).Text;
        }

        if (_text[at] is '[' or '{' or '&' or '*' or '!' or '%' or '@' or '`' or '?' or '|' or '>' or '-' or '#')
        {
            throw new GiveUp();
        }

        return _text.AsSpan(at, colon - at).TrimEnd(' ').ToString();
    }

    private int Indent(int start, int end)
    {
        var i = start;
        while (i < end && _text[i] == ' ')
        {
            i++;
        }

        if (i < end && _text[i] == '\t')
        {
            throw new GiveUp();
        }

        return i - start;
    }

    private int SkipSpaces(int at, int end)
    {
        while (at < end && _text[at] == ' ')
        {
            at++;
        }

        return at;
    }

    private void SkipBlank()
    {
        while (_line < _lines.Count && IsBlank(_line))
        {
            _line++;
        }
    }

    private bool IsBlank(int line)
    {
        var (start, end) = _lines[line];
        var i = SkipSpaces(start, end);
        if (i < end && _text[i] == '\t')
        {
            throw new GiveUp();
        }

        return i == end || _text[i] == '#';
    }

    private bool IsCommentLine(int line)
    {
        var (start, end) = _lines[line];
        var i = SkipSpaces(start, end);
        return i < end && _text[i] == '#';
    }

    private bool IsMarker(int line)
    {
        var (start, end) = _lines[line];
        if (end - start >= 3 && _text[start] is '-' or '.' && _text[start + 1] == _text[start] && _text[start + 2] == _text[start])
        {
            if (_text[start] == '.' || (end - start > 3 && SkipSpaces(start + 3, end) != end))
            {
                throw new GiveUp();
            }

            return true;
        }

        if (end > start && _text[start] == '%')
        {
            throw new GiveUp();
        }

        return false;
    }

    private SourcePosition Position(int offset)
    {
        // Lines are found by binary search over their starts; a rule has a few dozen.
        int low = 0, high = _lines.Count - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (_lines[middle].Start <= offset)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        return new SourcePosition(low + 1, offset - _lines[low].Start + 1);
    }

    private sealed class GiveUp : Exception;
}
