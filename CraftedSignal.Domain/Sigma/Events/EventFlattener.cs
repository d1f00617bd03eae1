using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace CraftedSignal.Domain.Sigma.Events;

/// <summary>
/// Turns JSON into <see cref="SigmaEvent"/>s. Plain JSON becomes dotted paths (<c>process.name</c>). evtx_dump records
/// (<c>{"Event":{"System":...,"EventData":...}}</c>) are flattened the way Sigma's Windows taxonomy sees them.
/// </summary>
internal static class EventFlattener
{
    private const int MaxDepth = 32;

    private static readonly string[] TimestampFields = ["@timestamp", "timestamp", "TimeCreated", "UtcTime", "EventTime", "time", "eventTime"];

    public static SigmaEvent Flatten(JsonElement root)
    {
        var fields = new Dictionary<string, EventValue>(StringComparer.OrdinalIgnoreCase);
        if (IsEvtx(root, out var evt))
        {
            FlattenEvtx(evt, fields);
        }
        else if (root.ValueKind == JsonValueKind.Object)
        {
            FlattenObject(root, null, fields, 0);
        }

        return new SigmaEvent(fields, FindTimestamp);
    }

    /// <summary>
    /// Flattens the object the reader is on (at its StartObject) straight from the reader, as <see cref="Flatten"/>
    /// would, without building a JsonDocument. Returns false, the reader left anywhere, for what this path does not do:
    /// a top-level <c>Event</c> object (maybe an evtx_dump record) or an array inside an array.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryFlatten(ref Utf8JsonReader reader, FieldNames names, out SigmaEvent? evt)
    {
        evt = null;
        var fields = new Dictionary<string, EventValue>(32, StringComparer.OrdinalIgnoreCase);
        if (!TryFlattenObject(ref reader, names, -1, 0, fields))
        {
            return false;
        }

        evt = new SigmaEvent(fields, FindTimestamp);
        return true;
    }

    /// <param name="prefixLength">Length of the parent's dotted path in <paramref name="names"/>; -1 at the top.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryFlattenObject(ref Utf8JsonReader reader, FieldNames names, int prefixLength, int depth, Dictionary<string, EventValue> fields)
    {
        if (depth > MaxDepth)
        {
            reader.Skip();
            return true;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var keyLength = names.Append(ref reader, prefixLength);
            var key = names.Get(keyLength);
            reader.Read();
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    if (depth == 0 && key == "Event")
                    {
                        return false;
                    }

                    fields[key] = EventValue.Object;
                    if (!TryFlattenObject(ref reader, names, keyLength, depth + 1, fields))
                    {
                        return false;
                    }

                    break;
                case JsonTokenType.StartArray:
                    var items = new List<EventValue>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        switch (reader.TokenType)
                        {
                            case JsonTokenType.StartArray:
                                return false;
                            case JsonTokenType.StartObject:
                                reader.Skip();
                                break;
                            default:
                                items.Add(Scalar(ref reader));
                                break;
                        }
                    }

                    fields[key] = new EventValue(EventValueKind.Array, string.Join(", ", items.Select(i => i.Text)), [.. items]);
                    break;
                default:
                    fields[key] = Scalar(ref reader);
                    break;
            }
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static EventValue Scalar(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => new EventValue(EventValueKind.String, reader.GetString()!),
        JsonTokenType.Number => new EventValue(EventValueKind.Number, System.Text.Encoding.UTF8.GetString(reader.ValueSpan)),
        JsonTokenType.True => new EventValue(EventValueKind.Boolean, "true"),
        JsonTokenType.False => new EventValue(EventValueKind.Boolean, "false"),
        _ => EventValue.Null,
    };

    private static bool IsEvtx(JsonElement root, out JsonElement evt)
    {
        evt = default;
        return root.ValueKind == JsonValueKind.Object
            && root.TryGetProperty("Event", out evt)
            && evt.ValueKind == JsonValueKind.Object
            && evt.TryGetProperty("System", out var system)
            && system.ValueKind == JsonValueKind.Object;
    }

    private static void FlattenEvtx(JsonElement evt, Dictionary<string, EventValue> fields)
    {
        var system = evt.GetProperty("System");
        foreach (var property in system.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Object)
            {
                if (value.TryGetProperty("#text", out var text))
                {
                    fields[property.Name] = Scalar(text);
                }

                if (value.TryGetProperty("#attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object)
                {
                    foreach (var attribute in attributes.EnumerateObject())
                    {
                        fields[$"{property.Name}_{attribute.Name}"] = Scalar(attribute.Value);
                    }

                    if (property.Name == "TimeCreated" && attributes.TryGetProperty("SystemTime", out var time))
                    {
                        fields["TimeCreated"] = Scalar(time);
                    }
                }
            }
            else
            {
                fields[property.Name] = Scalar(value);
            }
        }

        foreach (var section in new[] { "EventData", "UserData" })
        {
            if (!evt.TryGetProperty(section, out var data))
            {
                continue;
            }

            if (data.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in data.EnumerateObject())
                {
                    if (property.Name == "#attributes")
                    {
                        continue;
                    }

                    if (section == "UserData" && property.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var inner in property.Value.EnumerateObject())
                        {
                            if (inner.Name != "#attributes")
                            {
                                AddData(inner.Name, inner.Value, fields);
                            }
                        }
                    }
                    else
                    {
                        AddData(property.Name, property.Value, fields);
                    }
                }
            }
        }
    }

    private static void AddData(string name, JsonElement value, Dictionary<string, EventValue> fields)
    {
        var key = name.Contains(' ') ? name.Replace(" ", string.Empty, StringComparison.Ordinal) : name;
        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("#text", out var text))
        {
            value = text;
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            FlattenObject(value, key, fields, 1);
        }
        else
        {
            fields[key] = Convert(value, 0);
        }
    }

    private static void FlattenObject(JsonElement element, string? prefix, Dictionary<string, EventValue> fields, int depth)
    {
        if (depth > MaxDepth)
        {
            return;
        }

        foreach (var property in element.EnumerateObject())
        {
            var key = prefix is null ? property.Name : string.Concat(prefix, ".", property.Name);
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                fields[key] = EventValue.Object;
                FlattenObject(property.Value, key, fields, depth + 1);
            }
            else
            {
                fields[key] = Convert(property.Value, depth);
            }
        }
    }

    private static EventValue Convert(JsonElement value, int depth)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            return Scalar(value);
        }

        var items = new List<EventValue>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Array && depth < MaxDepth)
            {
                items.AddRange(Convert(item, depth + 1).Items ?? []);
            }
            else if (item.ValueKind != JsonValueKind.Object)
            {
                items.Add(Scalar(item));
            }
        }

        return new EventValue(EventValueKind.Array, string.Join(", ", items.Select(i => i.Text)), [.. items]);
    }

    private static EventValue Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => new EventValue(EventValueKind.String, value.GetString()!),
        JsonValueKind.Number => new EventValue(EventValueKind.Number, value.GetRawText()),
        JsonValueKind.True => new EventValue(EventValueKind.Boolean, "true"),
        JsonValueKind.False => new EventValue(EventValueKind.Boolean, "false"),
        JsonValueKind.Object => EventValue.Object,
        JsonValueKind.Array => Convert(value, 0),
        _ => EventValue.Null,
    };

    internal static DateTimeOffset? FindTimestamp(Dictionary<string, EventValue> fields)
    {
        foreach (var name in TimestampFields)
        {
            if (fields.TryGetValue(name, out var value) && value.Kind is EventValueKind.String or EventValueKind.Number)
            {
                if (value.Kind == EventValueKind.String
                    && DateTimeOffset.TryParse(value.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    return parsed;
                }

                if (value.Number is { } epoch && epoch > 0)
                {
                    return epoch > 1e11 ? DateTimeOffset.FromUnixTimeMilliseconds((long)epoch) : DateTimeOffset.FromUnixTimeSeconds((long)epoch);
                }
            }
        }

        return null;
    }
}

/// <summary>
/// Field names (dotted paths) read from JSON, as strings shared across events: most events repeat the same few names.
/// One instance per reader; not thread-safe.
/// </summary>
public sealed class FieldNames
{
    private const int MaxNames = 4096;

    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private Dictionary<string, EventValue>? _spareFields;
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private char[] _path = new char[256];

    public FieldNames() => _lookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Writes the property name the reader is on after the parent's path; returns the path's length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Append(ref Utf8JsonReader reader, int prefixLength)
    {
        var start = prefixLength < 0 ? 0 : prefixLength + 1;
        var bytes = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        if (_path.Length < start + bytes)
        {
            Array.Resize(ref _path, Math.Max(start + bytes, _path.Length * 2));
        }

        if (prefixLength >= 0)
        {
            _path[prefixLength] = '.';
        }

        return start + reader.CopyString(_path.AsSpan(start));
    }

    /// <summary>
    /// Hands the field table of an event nobody keeps back for the next event read with these names: a table per
    /// event is a large part of what reading allocates. The event must not be used afterwards.
    /// </summary>
    public void Recycle(SigmaEvent evt)
    {
        var fields = evt.FieldMap;
        fields.Clear();
        _spareFields = fields;
    }

    /// <summary>An empty field table: a recycled one, or a new one.</summary>
    internal Dictionary<string, EventValue> NewFields()
    {
        var fields = _spareFields ?? new Dictionary<string, EventValue>(32, StringComparer.OrdinalIgnoreCase);
        _spareFields = null;
        return fields;
    }

    /// <summary>Writes a property name (UTF-8, no escapes) after the parent's path; returns the path's length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Append(ReadOnlySpan<byte> utf8, int prefixLength)
    {
        var start = Start(prefixLength, utf8.Length);
        return start + System.Text.Encoding.UTF8.GetChars(utf8, _path.AsSpan(start));
    }

    /// <summary>Writes a property name after the parent's path; returns the path's length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Append(ReadOnlySpan<char> name, int prefixLength)
    {
        var start = Start(prefixLength, name.Length);
        name.CopyTo(_path.AsSpan(start));
        return start + name.Length;
    }

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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public string Get(int length)
    {
        var path = _path.AsSpan(0, length);
        if (_lookup.TryGetValue(path, out var name))
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
}
