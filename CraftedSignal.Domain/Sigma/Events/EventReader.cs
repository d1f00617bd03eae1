using System.Text.Json;

namespace CraftedSignal.Domain.Sigma.Events;

/// <summary>An event file could not be read completely; events before the problem were still returned.</summary>
public sealed record EventReadError(string Message, long ByteOffset);

/// <summary>
/// Reads events from JSON Lines, a JSON array, or JSON values one after another, detected automatically.
/// Objects in the evtx_dump shape are flattened as Windows events.
/// </summary>
public static class EventReader
{
    public const long MaxFileBytes = 2L * 1024 * 1024 * 1024 - 1;

    public static IEnumerable<SigmaEvent> ReadFile(string path, Action<EventReadError>? onError = null)
    {
        var info = new FileInfo(path);
        if (info.Length > MaxFileBytes)
        {
            onError?.Invoke(new EventReadError($"The event file is larger than {MaxFileBytes:N0} bytes. Split it into smaller files.", 0));
            return [];
        }

        return Read(File.ReadAllBytes(path), onError);
    }

    public static IEnumerable<SigmaEvent> Read(ReadOnlyMemory<byte> utf8, Action<EventReadError>? onError = null)
    {
        var offset = 0;
        var span = utf8.Span;
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            offset = 3;
        }

        while (offset < span.Length && span[offset] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            offset++;
        }

        if (offset >= span.Length)
        {
            return [];
        }

        return span[offset] == (byte)'['
            ? ReadArray(utf8[offset..], onError)
            : ReadValues(utf8[offset..], onError);
    }

    private static IEnumerable<SigmaEvent> ReadArray(ReadOnlyMemory<byte> utf8, Action<EventReadError>? onError)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException ex)
        {
            onError?.Invoke(new EventReadError($"The JSON array is not valid: {ex.Message}", ex.BytePositionInLine ?? 0));
            yield break;
        }

        using (document)
        {
            foreach (var element in document.RootElement.EnumerateArray())
            {
                yield return SigmaEvent.FromJson(element);
            }
        }
    }

    private static IEnumerable<SigmaEvent> ReadValues(ReadOnlyMemory<byte> utf8, Action<EventReadError>? onError)
    {
        var consumed = 0L;
        var names = new FieldNames();
        var options = new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 };
        while (consumed < utf8.Length)
        {
            SigmaEvent? next;
            bool done;
            try
            {
                (next, done) = ReadOne(utf8, ref consumed, options, names);
            }
            catch (JsonException ex)
            {
                onError?.Invoke(new EventReadError($"Invalid JSON after byte {consumed:N0}: {ex.Message}", consumed));
                yield break;
            }

            if (done)
            {
                yield break;
            }

            if (next is not null)
            {
                yield return next;
            }
        }
    }

    private static (SigmaEvent?, bool) ReadOne(ReadOnlyMemory<byte> utf8, ref long consumed, JsonReaderOptions options, FieldNames names)
    {
        var reader = new Utf8JsonReader(utf8.Span[(int)consumed..], options);
        if (!reader.Read())
        {
            return (null, true);
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
                    return (evt, false);
                }
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
            }
        }

        using var document = JsonDocument.ParseValue(ref reader);
        consumed += reader.BytesConsumed;
        return (SigmaEvent.FromJson(document.RootElement), false);
    }
}
