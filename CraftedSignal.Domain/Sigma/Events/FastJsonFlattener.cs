using System.Runtime.CompilerServices;
using System.Text;

namespace CraftedSignal.Domain.Sigma.Events;

/// <summary>
/// Flattens the common shape of an event (a JSON object of strings, numbers, booleans, nulls, nested objects and
/// arrays of scalars) straight from UTF-8 bytes, as <see cref="EventFlattener.TryFlatten"/> does with
/// <c>Utf8JsonReader</c>, about three times faster. It accepts only well-formed JSON of that shape (the input is known
/// to be valid UTF-8) and gives up on anything else (comments, unusual escapes, objects in arrays, deep nesting, a
/// top-level <c>Event</c> object, malformed text): the reader then takes the <c>System.Text.Json</c> path for that
/// value, which also words the error.
/// </summary>
internal ref struct FastJsonFlattener
{
    /// <summary>Deeper objects go the System.Text.Json way (which skips them past the flattening depth).</summary>
    private const int MaxDepth = 16;

    private readonly ReadOnlySpan<byte> _json;
    private readonly ReadCache _names;
    private readonly Dictionary<string, EventValue> _fields;
    private int _pos;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private FastJsonFlattener(ReadOnlySpan<byte> json, int start, ReadCache names)
    {
        _json = json;
        _pos = start;
        _names = names;
        _fields = names.Tables.Rent();
    }

    /// <summary>
    /// Reads the object at the start of <paramref name="json"/> (after blanks); <paramref name="length"/> is the bytes it
    /// took. False when it is not an object this path reads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryRead(ReadOnlySpan<byte> json, ReadCache names, out SigmaEvent? evt, out int length)
    {
        evt = null;
        length = 0;
        var start = json.IndexOfAnyExcept(" \t\r\n"u8);
        if (start < 0 || json[start] != '{')
        {
            return false;
        }

        var parser = new FastJsonFlattener(json, start, names);
        if (!parser.Object(-1, 0))
        {
            names.Tables.Return(parser._fields);
            return false;
        }

        length = parser._pos;
        evt = new SigmaEvent(parser._fields, EventFlattener.FindTimestamp);
        return true;
    }

    /// <summary>An object from its <c>{</c>, its fields added under the parent's path (in the names buffer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Object(int prefixLength, int depth)
    {
        if (depth > MaxDepth)
        {
            return false;
        }

        _pos++;
        SkipBlanks();
        if (Peek() == '}')
        {
            _pos++;
            return true;
        }

        while (true)
        {
            if (Peek() != '"' || !PropertyName(prefixLength, out var keyLength))
            {
                return false;
            }

            var key = _names.Get(keyLength);
            SkipBlanks();
            if (Peek() != ':')
            {
                return false;
            }

            _pos++;
            SkipBlanks();
            switch (Peek())
            {
                case (byte)'{':
                    if (depth == 0 && key == "Event")
                    {
                        return false;
                    }

                    _fields[key] = EventValue.Object;
                    if (!Object(keyLength, depth + 1))
                    {
                        return false;
                    }

                    break;
                case (byte)'[':
                    if (!Array(out var array))
                    {
                        return false;
                    }

                    _fields[key] = array;
                    break;
                default:
                    if (!Scalar(out var scalar))
                    {
                        return false;
                    }

                    _fields[key] = scalar;
                    break;
            }

            SkipBlanks();
            switch (Peek())
            {
                case (byte)',':
                    _pos++;
                    SkipBlanks();
                    continue;
                case (byte)'}':
                    _pos++;
                    return true;
                default:
                    return false;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Array(out EventValue array)
    {
        array = EventValue.Null;
        _pos++;
        SkipBlanks();
        var items = new List<EventValue>();
        if (Peek() == ']')
        {
            _pos++;
        }
        else
        {
            while (true)
            {
                if (Peek() is (byte)'[' or (byte)'{' || !Scalar(out var item))
                {
                    return false;
                }

                items.Add(item);
                SkipBlanks();
                if (Peek() == ',')
                {
                    _pos++;
                    SkipBlanks();
                    continue;
                }

                if (Peek() != ']')
                {
                    return false;
                }

                _pos++;
                break;
            }
        }

        array = new EventValue(EventValueKind.Array, string.Join(", ", items.Select(i => i.Text)), [.. items]);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Scalar(out EventValue value)
    {
        value = EventValue.Null;
        switch (Peek())
        {
            case (byte)'"':
                return String(out value);
            case (byte)'t':
                value = EventValue.True;
                return Literal("true"u8);
            case (byte)'f':
                value = EventValue.False;
                return Literal("false"u8);
            case (byte)'n':
                return Literal("null"u8);
            default:
                var start = _pos;
                if (!Number())
                {
                    return false;
                }

                value = _names.Number(_json[start.._pos]);
                return true;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Literal(ReadOnlySpan<byte> literal)
    {
        if (!_json[_pos..].StartsWith(literal))
        {
            return false;
        }

        _pos += literal.Length;
        return IsDelimiter();
    }

    /// <summary>JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Number()
    {
        if (Peek() == '-')
        {
            _pos++;
        }

        if (Peek() == '0')
        {
            _pos++;
        }
        else if (!Digits())
        {
            return false;
        }

        if (Peek() == '.')
        {
            _pos++;
            if (!Digits())
            {
                return false;
            }
        }

        if (Peek() is (byte)'e' or (byte)'E')
        {
            _pos++;
            if (Peek() is (byte)'+' or (byte)'-')
            {
                _pos++;
            }

            if (!Digits())
            {
                return false;
            }
        }

        return IsDelimiter();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Digits()
    {
        var start = _pos;
        while (_pos < _json.Length && char.IsAsciiDigit((char)_json[_pos]))
        {
            _pos++;
        }

        return _pos > start;
    }

    /// <summary>What may follow a number or literal: a blank, a separator, or the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private readonly bool IsDelimiter() => _pos >= _json.Length || _json[_pos] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)',' or (byte)'}' or (byte)']';

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool PropertyName(int prefixLength, out int keyLength)
    {
        keyLength = 0;
        if (!StringSpan(out var raw, out var escaped))
        {
            return false;
        }

        if (!escaped)
        {
            keyLength = _names.Append(raw, prefixLength);
            return true;
        }

        Span<char> buffer = raw.Length <= 256 ? stackalloc char[raw.Length] : new char[raw.Length];
        if (!Unescape(raw, buffer, out var written))
        {
            return false;
        }

        keyLength = _names.Append(buffer[..written], prefixLength);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool String(out EventValue value)
    {
        value = EventValue.Null;
        if (!StringSpan(out var raw, out var escaped))
        {
            return false;
        }

        if (!escaped)
        {
            value = _names.String(raw);
            return true;
        }

        Span<char> buffer = raw.Length <= 1024 ? stackalloc char[raw.Length] : new char[raw.Length];
        if (!Unescape(raw, buffer, out var written))
        {
            return false;
        }

        value = _names.String(buffer[..written]);
        return true;
    }

    /// <summary>The bytes between the quotes of the string at the position, and whether it has escapes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool StringSpan(out ReadOnlySpan<byte> raw, out bool escaped)
    {
        raw = default;
        escaped = false;
        var start = _pos + 1;
        var i = start;
        while (true)
        {
            var next = _json[i..].IndexOfAny((byte)'"', (byte)'\\');
            if (next < 0)
            {
                return false;
            }

            i += next;
            if (_json[i] == '"')
            {
                break;
            }

            escaped = true;
            i += 2;
            if (i > _json.Length)
            {
                return false;
            }
        }

        raw = _json[start..i];
        if (raw.IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0)
        {
            return false;
        }

        _pos = i + 1;
        return true;
    }

    /// <summary>Decodes UTF-8 with JSON escapes; false for an escape this path leaves to System.Text.Json.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Unescape(ReadOnlySpan<byte> raw, Span<char> buffer, out int written)
    {
        written = 0;
        while (raw.Length > 0)
        {
            var backslash = raw.IndexOf((byte)'\\');
            var plain = backslash < 0 ? raw : raw[..backslash];
            written += Encoding.UTF8.GetChars(plain, buffer[written..]);
            if (backslash < 0)
            {
                return true;
            }

            char c;
            var used = 2;
            switch (raw[backslash + 1])
            {
                case (byte)'"': c = '"'; break;
                case (byte)'\\': c = '\\'; break;
                case (byte)'/': c = '/'; break;
                case (byte)'b': c = '\b'; break;
                case (byte)'f': c = '\f'; break;
                case (byte)'n': c = '\n'; break;
                case (byte)'r': c = '\r'; break;
                case (byte)'t': c = '\t'; break;
                case (byte)'u':
                    if (backslash + 6 > raw.Length || !ushort.TryParse(Encoding.ASCII.GetString(raw.Slice(backslash + 2, 4)),
                        System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var code)
                        || char.IsSurrogate((char)code))
                    {
                        return false;
                    }

                    c = (char)code;
                    used = 6;
                    break;
                default:
                    return false;
            }

            buffer[written++] = c;
            raw = raw[(backslash + used)..];
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private readonly byte Peek() => _pos < _json.Length ? _json[_pos] : (byte)0;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SkipBlanks()
    {
        while (_pos < _json.Length && _json[_pos] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            _pos++;
        }
    }
}
