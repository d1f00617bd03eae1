using System.Runtime.CompilerServices;
using System.Text.Json;

namespace CraftedSignal.Domain.Sigma.Events;

/// <summary>
/// An event, or part of an event file, could not be read. <paramref name="Line"/> is 1-based (0: not known); the other
/// events are still read.
/// </summary>
public sealed record EventReadError(string Message, long ByteOffset, long Line = 0);

/// <summary>
/// Reads events from JSON Lines, a JSON array, or JSON values one after another, detected automatically.
/// Objects in the evtx_dump shape are flattened as Windows events. A line that is not valid JSON, not UTF-8 or over
/// <see cref="MaxEventBytes"/> is reported with its line number and skipped; reading goes on with the next.
/// </summary>
public static class EventReader
{
    public const long MaxFileBytes = 2L * 1024 * 1024 * 1024 - 1;

    /// <summary>The largest event read; larger ones are reported and skipped.</summary>
    public const int MaxEventBytes = 1024 * 1024;

    private static readonly JsonReaderOptions Options = new() { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 };

    public static IEnumerable<SigmaEvent> ReadFile(string path, Action<EventReadError>? onError = null)
    {
        var info = new FileInfo(path);
        if (info.Length > MaxFileBytes)
        {
            onError?.Invoke(new EventReadError($"The event file is larger than {MaxFileBytes:N0} bytes. Split it into smaller files.", 0));
            return [];
        }

        return ReadStream(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan), onError);
    }

    public static IEnumerable<SigmaEvent> Read(ReadOnlyMemory<byte> utf8, Action<EventReadError>? onError = null) =>
        ReadStream(() => System.Runtime.InteropServices.MemoryMarshal.TryGetArray(utf8, out var array)
            ? new MemoryStream(array.Array!, array.Offset, array.Count, false)
            : new MemoryStream(utf8.ToArray(), false), onError);

    /// <summary>
    /// The records of a file in chunks, for callers that parse them on several threads (see <see cref="EventChunk.Parse"/>).
    /// </summary>
    public static IEnumerable<EventChunk> ReadChunks(Stream stream) => new EventChunkSplitter(stream).Chunks();

    private static IEnumerable<SigmaEvent> ReadStream(Func<Stream> open, Action<EventReadError>? onError)
    {
        using var stream = open();
        var names = new ReadCache();
        var events = new List<SigmaEvent>();
        foreach (var chunk in ReadChunks(stream))
        {
            using (chunk)
            {
                for (var record = 0; record < chunk.Count; record++)
                {
                    events.Clear();
                    var error = chunk.Parse(record, names, events);
                    foreach (var evt in events)
                    {
                        yield return evt;
                    }

                    if (error is not null)
                    {
                        onError?.Invoke(error);
                    }
                }
            }
        }
    }

    internal static EventReadError? ReadArray(ReadOnlyMemory<byte> utf8, List<SigmaEvent> events, long offset)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException ex)
        {
            return new EventReadError($"line {(ex.LineNumber ?? 0) + 1}: the JSON array is not valid: {ex.Message}", offset + (ex.BytePositionInLine ?? 0),
                (ex.LineNumber ?? 0) + 1);
        }

        using (document)
        {
            foreach (var element in document.RootElement.EnumerateArray())
            {
                events.Add(SigmaEvent.FromJson(element));
            }
        }

        return null;
    }

    /// <summary>The next JSON value from <paramref name="consumed"/> on as an event; null when only blanks are left.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static SigmaEvent? ReadOne(ReadOnlyMemory<byte> utf8, ref long consumed, ReadCache names)
    {
        if (FastJsonFlattener.TryRead(utf8.Span[(int)consumed..], names, out var fast, out var length))
        {
            consumed += length;
            return fast;
        }

        var reader = new Utf8JsonReader(utf8.Span[(int)consumed..], Options);
        if (!reader.Read())
        {
            consumed = utf8.Length;
            return null;
        }

        if (reader.TokenType == JsonTokenType.StartObject)
        {
            // Plain objects are flattened straight from the reader; evtx_dump records and invalid JSON (for its
            // error message) take the JsonDocument path below, from the same start.
            var direct = reader;
            try
            {
                if (EventFlattener.TryFlatten(ref direct, names, out var evt))
                {
                    consumed += direct.BytesConsumed;
                    return evt;
                }
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
            }
        }

        using var document = JsonDocument.ParseValue(ref reader);
        consumed += reader.BytesConsumed;
        return SigmaEvent.FromJson(document.RootElement);
    }
}
