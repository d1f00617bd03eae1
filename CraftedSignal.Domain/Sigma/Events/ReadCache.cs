using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace CraftedSignal.Domain.Sigma.Events;

/// <summary>
/// What one reader shares across the events it reads, because logs repeat themselves: field names (dotted paths) as
/// one string each, short values (a channel, an image path, a user, an event id) as one <see cref="EventValue"/> each,
/// so that their text and its lowercase form are made once and not per event, and the field tables of events nobody
/// keeps any more (<see cref="FieldTables"/>). One instance per reader thread; not thread-safe itself.
/// </summary>
public sealed class ReadCache
{
    private const int MaxNames = 4096;

    /// <summary>Longer values (command lines, script blocks) rarely repeat: they are read into a value of their own (bytes of UTF-8, or characters).</summary>
    internal const int MaxCachedValueBytes = 256;

    /// <summary>Distinct values of a kind in a cache generation.</summary>
    private const int MaxCachedValues = 8192;

    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _nameLookup;
    private readonly ValueCache _strings = new(EventValueKind.String);
    private readonly ValueCache _numbers = new(EventValueKind.Number);
    private char[] _path = new char[256];

    /// <param name="tables">Where the field tables of new events come from; a pool of its own when not given.</param>
    public ReadCache(FieldTables? tables = null)
    {
        Tables = tables ?? new FieldTables();
        _nameLookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public FieldTables Tables { get; }

    /// <summary>Writes the property name the reader is on after the parent's path; returns the path's length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Append(ref Utf8JsonReader reader, int prefixLength)
    {
        var bytes = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        var start = Start(prefixLength, bytes);
        return start + reader.CopyString(_path.AsSpan(start));
    }

    /// <summary>Writes a property name (UTF-8, no escapes) after the parent's path; returns the path's length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Append(ReadOnlySpan<byte> utf8, int prefixLength)
    {
        var start = Start(prefixLength, utf8.Length);
        return start + Encoding.UTF8.GetChars(utf8, _path.AsSpan(start));
    }

    /// <summary>Writes a property name after the parent's path; returns the path's length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Append(ReadOnlySpan<char> name, int prefixLength)
    {
        var start = Start(prefixLength, name.Length);
        name.CopyTo(_path.AsSpan(start));
        return start + name.Length;
    }

    /// <summary>The path written so far (its first <paramref name="length"/> characters), as the one string for that name.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string Get(int length)
    {
        var path = _path.AsSpan(0, length);
        if (_nameLookup.TryGetValue(path, out var name))
        {
            return name;
        }

        name = path.ToString();
        if (_names.Count < MaxNames)
        {
            _names[name] = name;
        }

        return name;
    }

    /// <summary>A JSON string's value from its UTF-8 text (valid, without escapes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public EventValue String(ReadOnlySpan<byte> utf8) => _strings.Get(utf8);

    /// <summary>A JSON string's value from its text, escapes resolved.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public EventValue String(ReadOnlySpan<char> text) => _strings.Get(text);

    /// <summary>A JSON number's value from its text as written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public EventValue Number(ReadOnlySpan<byte> utf8) => _numbers.Get(utf8);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Start(int prefixLength, int length)
    {
        var start = prefixLength < 0 ? 0 : prefixLength + 1;
        if (_path.Length < start + length)
        {
            Array.Resize(ref _path, Math.Max(start + length, _path.Length * 2));
        }

        if (prefixLength >= 0)
        {
            _path[prefixLength] = '.';
        }

        return start;
    }

    /// <summary>
    /// Values of one kind by their text, in two generations: when the newer one is full it becomes the older one, and a
    /// value found in the older one moves up. Values that keep coming back stay; values seen once (ids, times) go.
    /// A cached value is shared by every event that has it: values are immutable.
    /// </summary>
    private sealed class ValueCache(EventValueKind kind)
    {
        private Generation _newer = new();
        private Generation _older = new();

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public EventValue Get(ReadOnlySpan<byte> utf8)
        {
            if (utf8.Length > MaxCachedValueBytes)
            {
                return new EventValue(kind, Encoding.UTF8.GetString(utf8));
            }

            Span<char> chars = stackalloc char[MaxCachedValueBytes];
            return Get(chars[..Encoding.UTF8.GetChars(utf8, chars)]);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public EventValue Get(ReadOnlySpan<char> text)
        {
            if (text.Length > MaxCachedValueBytes)
            {
                return new EventValue(kind, text.ToString());
            }

            if (_newer.Lookup.TryGetValue(text, out var value))
            {
                return value;
            }

            if (!_older.Lookup.TryGetValue(text, out value))
            {
                value = new EventValue(kind, text.ToString());
            }

            if (_newer.Values.Count >= MaxCachedValues)
            {
                (_newer, _older) = (_older, _newer);
                _newer.Values.Clear();
            }

            _newer.Values[value.Text] = value;
            return value;
        }

        private sealed class Generation
        {
            public Generation() => Lookup = Values.GetAlternateLookup<ReadOnlySpan<char>>();

            public Dictionary<string, EventValue> Values { get; } = new(StringComparer.Ordinal);

            public Dictionary<string, EventValue>.AlternateLookup<ReadOnlySpan<char>> Lookup { get; }
        }
    }
}

/// <summary>
/// Field tables of events nobody uses any more, handed to the next events read: a table per event is the largest part
/// of what reading allocates. Readers on several threads may share one; <see cref="Return"/> may be called from any
/// thread. An event must not be used once its table is returned.
/// </summary>
public sealed class FieldTables
{
    private const int MaxSpare = 1024;

    private readonly ConcurrentQueue<Dictionary<string, EventValue>> _spare = new();

    private int _created;

    /// <summary>Tables made so far: a reader that hands back what it no longer uses makes only about as many as it keeps at once.</summary>
    public int Created => _created;

    /// <summary>An empty field table: a returned one, or a new one.</summary>
    internal Dictionary<string, EventValue> Rent()
    {
        if (_spare.TryDequeue(out var fields))
        {
            return fields;
        }

        Interlocked.Increment(ref _created);
        return new Dictionary<string, EventValue>(32, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Takes back the table of an event nobody will use again.</summary>
    public void Return(SigmaEvent evt) => Return(evt.FieldMap);

    internal void Return(Dictionary<string, EventValue> fields)
    {
        if (_spare.Count < MaxSpare && ReferenceEquals(fields.Comparer, StringComparer.OrdinalIgnoreCase))
        {
            fields.Clear();
            _spare.Enqueue(fields);
        }
    }
}
