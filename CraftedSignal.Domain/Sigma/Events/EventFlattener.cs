using System.Globalization;
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

        return new SigmaEvent(fields, FindTimestamp(fields));
    }

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

    private static DateTimeOffset? FindTimestamp(Dictionary<string, EventValue> fields)
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
