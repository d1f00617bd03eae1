using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Unicode;

namespace CraftedSignal.Domain.Sigma.Events;

/// <summary>
/// Whole records of an event file in one pooled buffer: lines of JSON Lines, or JSON values spanning lines. The unit
/// that can be parsed on another thread; <see cref="Parse"/> turns one record into its events (usually one).
/// Dispose it when its events have been parsed.
/// </summary>
public sealed class EventChunk : IDisposable
{
    private static readonly SearchValues<byte> Blanks = SearchValues.Create(" \t\r\n"u8);

    private readonly List<EventRecord> _records = [];
    private byte[]? _buffer;

    internal EventChunk(byte[] buffer) => _buffer = buffer;

    public int Count => _records.Count;

    internal List<EventRecord> Records => _records;

    internal byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(EventChunk));

    /// <summary>
    /// Adds the events of record <paramref name="record"/> to <paramref name="events"/>. Returns the problem when the
    /// record is not (all) valid JSON, is over <see cref="EventReader.MaxEventBytes"/> or not UTF-8, with its line (counted
    /// from the value that failed); the events before the problem are still added.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public EventReadError? Parse(int record, ReadCache names, List<SigmaEvent> events)
    {
        var r = _records[record];
        if (r.Problem is { } problem)
        {
            return new EventReadError($"line {r.Line}: {problem}", r.Offset, r.Line);
        }

        var utf8 = Buffer.AsMemory(r.Start, r.Length);
        if (!Utf8.IsValid(utf8.Span))
        {
            var valid = Utf8Prefix(utf8.Span);
            var line = r.Line + utf8.Span[..valid].Count((byte)'\n');
            return new EventReadError($"line {line}: the event is not valid UTF-8 (byte {valid - utf8.Span[..valid].LastIndexOf((byte)'\n')} of the line); it is skipped.",
                r.Offset + valid, line);
        }

        if (r.IsArray)
        {
            return EventReader.ReadArray(utf8, events, r.Offset);
        }

        var consumed = 0L;
        while (consumed < utf8.Length)
        {
            try
            {
                if (EventReader.ReadOne(utf8, ref consumed, names) is not { } evt)
                {
                    break;
                }

                events.Add(evt);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                var span = utf8.Span;
                var start = r.Line + span[..(int)consumed].Count((byte)'\n');
                var lastLine = r.Line + span[..(span.LastIndexOfAnyExcept(Blanks) + 1)].Count((byte)'\n');
                var line = Math.Min(lastLine, start + (ex is JsonException { LineNumber: { } inner } ? inner : 0));
                var column = ex is JsonException { BytePositionInLine: { } position } ? $" (column {position + 1})" : string.Empty;
                return new EventReadError($"line {line}: not valid JSON{column}: {FirstSentence(ex.Message)} The event is skipped.", r.Offset + consumed, line);
            }
        }

        return null;
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int Utf8Prefix(ReadOnlySpan<byte> utf8)
    {
        var valid = 0;
        while (valid < utf8.Length)
        {
            var status = System.Text.Rune.DecodeFromUtf8(utf8[valid..], out _, out var length);
            if (status != OperationStatus.Done)
            {
                return valid;
            }

            valid += length;
        }

        return valid;
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}

/// <summary>One record of a chunk: where its bytes are, its first line (1-based), and a problem found while splitting.</summary>
internal readonly record struct EventRecord(int Start, int Length, long Line, long Offset, string? Problem = null, bool IsArray = false);

/// <summary>
/// Splits an event stream into <see cref="EventChunk"/>s of whole records, reading it once, in buffers of a few MiB.
/// The first record decides the layout: when it ends on its first line the input is JSON Lines and each line is a
/// record (a broken line then costs only that line); otherwise records are JSON values that end where the nesting
/// depth comes back to zero at the end of a line. A file starting with <c>[</c> is one JSON array, one record.
/// </summary>
internal sealed class EventChunkSplitter(Stream stream)
{
    private const int ChunkBytes = 4 << 20;

    private static readonly SearchValues<byte> Blanks = SearchValues.Create(" \t\r\n"u8);

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
    private int _start;
    private int _end;
    private bool _eof;
    private long _line = 1;
    private long _offset;
    private bool? _jsonLines;

    public IEnumerable<EventChunk> Chunks()
    {
        Fill();
        if (SkipBom() && FirstByte() == '[')
        {
            yield return ReadArray();
            yield break;
        }

        while (true)
        {
            var chunk = new EventChunk(_buffer);
            var full = SplitInto(chunk);
            var next = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            var tail = _end - _start;
            _buffer.AsSpan(_start, tail).CopyTo(next);
            _buffer = next;
            _start = 0;
            _end = tail;
            if (chunk.Count > 0)
            {
                yield return chunk;
            }
            else
            {
                chunk.Dispose();
            }

            if (!full && _eof && _start >= _end)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                yield break;
            }

            Fill();
        }
    }

    /// <summary>Moves whole records of the buffer into the chunk; true when more data is needed to go on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool SplitInto(EventChunk chunk)
    {
        while (true)
        {
            var rest = _buffer.AsSpan(_start, _end - _start);
            var recordStart = _start;
            var recordLine = _line;
            var recordOffset = _offset;
            var length = 0;
            var lines = 0;
            bool complete;
            var firstNewline = rest.IndexOf((byte)'\n');
            if (_jsonLines == true && !IsLoneOpener(firstNewline >= 0 ? rest[..firstNewline] : rest))
            {
                complete = firstNewline >= 0 || _eof;
                length = firstNewline >= 0 ? firstNewline + 1 : rest.Length;
                lines = firstNewline >= 0 ? 1 : 0;
            }
            else
            {
                // A value over several lines: feed the scanner line by line until the depth is zero at a line end. A
                // line that opens an object in its first column begins the next value, as in any pretty-printed file,
                // so a value left unclosed costs only itself.
                var depth = default(DepthScanner);
                complete = false;
                while (length < rest.Length)
                {
                    if (length > 0 && depth.Started && rest[length] == '{')
                    {
                        complete = true;
                        break;
                    }

                    var newline = rest[length..].IndexOf((byte)'\n');
                    var lineLength = newline >= 0 ? newline + 1 : rest.Length - length;
                    depth.Feed(rest.Slice(length, lineLength));
                    length += lineLength;
                    if (newline >= 0)
                    {
                        lines++;
                    }

                    if ((newline >= 0 || _eof) && depth.IsOutside)
                    {
                        complete = true;
                        break;
                    }

                    if (newline < 0)
                    {
                        break;
                    }
                }

                complete |= _eof && length == rest.Length;
                if (complete && depth.Started)
                {
                    _jsonLines ??= lines <= 1;
                }

                if (!complete)
                {
                    // Scanned again from the record's start once more data is in.
                    length = 0;
                    lines = 0;
                }
            }

            if (!complete)
            {
                if (rest.Length > EventReader.MaxEventBytes)
                {
                    // Skipping reuses the buffer: only once the records before are in a chunk of their own.
                    if (chunk.Count > 0)
                    {
                        return true;
                    }

                    SkipHuge(chunk);
                    continue;
                }

                return _start < _end;
            }

            if (length == 0)
            {
                return false;
            }

            _start += length;
            _line += lines;
            _offset += length;
            if (!IsBlank(_buffer.AsSpan(recordStart, length)))
            {
                if (length > EventReader.MaxEventBytes)
                {
                    chunk.Records.Add(new EventRecord(recordStart, 0, recordLine, recordOffset, TooLarge(length)));
                }
                else
                {
                    chunk.Records.Add(new EventRecord(recordStart, length, recordLine, recordOffset));
                }
            }

            if (_start > ChunkBytes - EventReader.MaxEventBytes)
            {
                return true;
            }
        }
    }

    /// <summary>A record over the size limit: its bytes are dropped as they are read, up to its end.</summary>
    private void SkipHuge(EventChunk chunk)
    {
        var line = _line;
        var offset = _offset;
        var skipped = 0L;
        var depth = default(DepthScanner);
        while (true)
        {
            var rest = _buffer.AsSpan(_start, _end - _start);
            var newline = rest.IndexOf((byte)'\n');
            var take = newline >= 0 ? newline + 1 : rest.Length;
            if (_jsonLines != true)
            {
                depth.Feed(rest[..take]);
            }

            skipped += take;
            _start += take;
            _offset += take;
            if (newline >= 0)
            {
                _line++;
            }

            if ((newline >= 0 && (_jsonLines == true || depth.IsOutside)) || (_eof && _start >= _end))
            {
                break;
            }

            if (_start >= _end)
            {
                _start = _end = 0;
                Fill();
            }
        }

        chunk.Records.Add(new EventRecord(_start, 0, line, offset, TooLarge(skipped)));
    }

    private static string TooLarge(long bytes) =>
        $"the event is {bytes:N0} bytes, more than the {EventReader.MaxEventBytes / (1024 * 1024)} MiB an event may have; it is skipped.";

    private EventChunk ReadArray()
    {
        var data = new MemoryStream();
        data.Write(_buffer, _start, _end - _start);
        stream.CopyTo(data);
        ArrayPool<byte>.Shared.Return(_buffer);
        var length = checked((int)data.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        data.GetBuffer().AsSpan(0, length).CopyTo(buffer);
        var chunk = new EventChunk(buffer);
        chunk.Records.Add(new EventRecord(0, length, _line, _offset, IsArray: true));
        return chunk;
    }

    private void Fill()
    {
        while (!_eof && _end < _buffer.Length)
        {
            var read = stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                _eof = true;
            }

            _end += read;
        }
    }

    /// <summary>Skips a byte-order mark; false when the input is blank.</summary>
    private bool SkipBom()
    {
        if (_buffer.AsSpan(_start, _end - _start).StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            _start += 3;
            _offset += 3;
        }

        return FirstByte() != 0;
    }

    private byte FirstByte()
    {
        foreach (var b in _buffer.AsSpan(_start, _end - _start))
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return b;
            }
        }

        return 0;
    }

    /// <summary>A line holding only <c>{</c> or <c>[</c>: a value written over several lines begins, even amid JSON Lines.</summary>
    private static bool IsLoneOpener(ReadOnlySpan<byte> line)
    {
        var first = line.IndexOfAnyExcept(Blanks);
        return first >= 0 && first == line.LastIndexOfAnyExcept(Blanks) && line[first] is (byte)'{' or (byte)'[';
    }

    private static bool IsBlank(ReadOnlySpan<byte> bytes) => bytes.IndexOfAnyExcept(Blanks) < 0;

    /// <summary>Tracks the nesting depth of JSON text fed in pieces, strings skipped.</summary>
    private struct DepthScanner
    {
        private int _depth;
        private bool _inString;
        private bool _escaped;

        /// <summary>Whether any value has begun.</summary>
        public bool Started { get; private set; }

        public readonly bool IsOutside => _depth <= 0 && !_inString;

        public void Feed(ReadOnlySpan<byte> text)
        {
            foreach (var b in text)
            {
                if (_inString)
                {
                    if (b == '\n')
                    {
                        // No JSON string spans lines: an unterminated one ends with its line, so the values after it
                        // are still found.
                        _inString = _escaped = false;
                    }
                    else if (_escaped)
                    {
                        _escaped = false;
                    }
                    else if (b == '\\')
                    {
                        _escaped = true;
                    }
                    else if (b == '"')
                    {
                        _inString = false;
                    }

                    continue;
                }

                switch (b)
                {
                    case (byte)'"':
                        _inString = true;
                        Started = true;
                        break;
                    case (byte)'{' or (byte)'[':
                        _depth++;
                        Started = true;
                        break;
                    case (byte)'}' or (byte)']':
                        _depth--;
                        break;
                    case (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n':
                        break;
                    default:
                        Started = true;
                        break;
                }
            }
        }
    }
}
