using System.Text;
using System.Text.Json;
using CraftedSignal.Domain.Sigma.Events;
using CraftedSignal.Domain.Testing;

namespace CraftedSignal.Domain.Sandbox;

/// <summary>
/// Splits an uploaded file into its events, each kept as the JSON text it was given: JSON Lines, a JSON array of objects,
/// or objects one after another (EVTX exported as JSON is such objects; the engine flattens its <c>Event.System</c> and
/// <c>Event.EventData</c> when it reads them). The first problem ends the read, naming its line: an upload is taken
/// whole or not at all.
/// </summary>
internal static class SandboxEventFile
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly JsonReaderOptions Options = new() { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 };

    /// <summary>The events, or what is wrong and on which line; the target holds at most <paramref name="maxEvents"/>, <paramref name="held"/> of them already.</summary>
    public static (IReadOnlyList<string> Events, string? Problem) Split(byte[] utf8, int maxEvents, int held)
    {
        var room = maxEvents - held;
        var events = new List<string>();
        var lines = new LineCounter(utf8);
        var reader = new Utf8JsonReader(utf8, isFinalBlock: true, new JsonReaderState(Options));
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.StartArray && reader.CurrentDepth == 0)
                    continue;
                if (reader.TokenType == JsonTokenType.EndArray && reader.CurrentDepth == 0)
                    continue;
                var line = lines.LineOf(reader.TokenStartIndex);
                if (reader.TokenType != JsonTokenType.StartObject)
                    return ([], $"Line {line}: expected a JSON object (an event), found {Describe(reader.TokenType)}.");
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                var length = (int)reader.BytesConsumed - start;
                if (length > EventReader.MaxEventBytes)
                    return ([], $"Line {line}: the event is larger than {EventReader.MaxEventBytes / 1024:N0} KiB, the most one event may be.");
                if (events.Count == room)
                    return ([], held == 0
                        ? $"Line {line}: the file has more than {room:N0} events, the most a Sandbox target holds."
                        : $"Line {line}: the file has more than {room:N0} events, the most a Sandbox target holds besides the {held:N0} it has already: replace them instead of appending.");
                events.Add(OneLine(utf8.AsSpan(start, length)));
            }
        }
        catch (JsonException ex)
        {
            return ([], $"Line {(ex.LineNumber ?? 0) + 1}: not valid JSON at column {(ex.BytePositionInLine ?? 0) + 1}. {RuleTester.FirstSentence(ex.Message)}");
        }
        catch (DecoderFallbackException)
        {
            return ([], "The file is not UTF-8 text.");
        }

        return events.Count == 0 ? ([], "The file has no events: upload JSON objects, one a line or in an array.") : (events, null);
    }

    /// <summary>The event as one line of JSON, as the evaluator reads events (pretty-printed ones are written compactly).</summary>
    private static string OneLine(ReadOnlySpan<byte> json)
    {
        if (!json.ContainsAny((byte)'\n', (byte)'\r'))
            return StrictUtf8.GetString(json);
        var reader = new Utf8JsonReader(json, Options);
        using var document = JsonDocument.ParseValue(ref reader);
        return JsonSerializer.Serialize(document.RootElement);
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "an array inside the array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    /// <summary>Line numbers of increasing byte offsets, counting each byte once.</summary>
    private sealed class LineCounter(byte[] utf8)
    {
        private long _offset;
        private int _line = 1;

        public int LineOf(long offset)
        {
            for (; _offset < offset && _offset < utf8.Length; _offset++)
            {
                if (utf8[_offset] == (byte)'\n')
                    _line++;
            }

            return _line;
        }
    }
}
