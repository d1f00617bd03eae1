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
    public static bool TryFlatten(ref Utf8JsonReader reader, ReadCache names, out SigmaEvent? evt)
    {
        evt = null;
        var fields = names.Tables.Rent();
        if (!TryFlattenObject(ref reader, names, -1, 0, fields))
        {
            return false;
        }

        evt = new SigmaEvent(fields, FindTimestamp);
        return true;
    }

    /// <param name="prefixLength">Length of the parent's dotted path in <paramref name="names"/>; -1 at the top.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryFlattenObject(ref Utf8JsonReader reader, ReadCache names, int prefixLength, int depth, Dictionary<string, EventValue> fields)
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
        JsonTokenType.True => EventValue.True,
        JsonTokenType.False => EventValue.False,
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
        // Event Viewer's XML as JSON: "Data": [{"@Name": "Image", "#text": "C:\\..."}], each pair a field of its own.
        if (name == "Data" && value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                if (DataName(item) is { } dataName)
                    AddData(dataName, item.TryGetProperty("#text", out var itemText) ? itemText : item.TryGetProperty("Value", out var other) ? other : default, fields);
            }

            return;
        }

        var key = name.Contains(' ') ? name.Replace(" ", string.Empty, StringComparison.Ordinal) : name;
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            fields[key] = EventValue.Null;
            return;
        }

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

    /// <summary>The name of an EventData <c>Data</c> item: <c>@Name</c>, <c>Name</c> or <c>#attributes.Name</c>.</summary>
    private static string? DataName(JsonElement item) =>
        item.ValueKind != JsonValueKind.Object ? null
        : item.TryGetProperty("@Name", out var at) && at.ValueKind == JsonValueKind.String ? at.GetString()
        : item.TryGetProperty("Name", out var plain) && plain.ValueKind == JsonValueKind.String ? plain.GetString()
        : item.TryGetProperty("#attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object
            && attributes.TryGetProperty("Name", out var attribute) && attribute.ValueKind == JsonValueKind.String ? attribute.GetString()
        : null;

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
        JsonValueKind.True => EventValue.True,
        JsonValueKind.False => EventValue.False,
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
