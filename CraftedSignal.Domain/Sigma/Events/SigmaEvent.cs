using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace CraftedSignal.Domain.Sigma.Events;

public enum EventValueKind
{
    String,
    Number,
    Boolean,
    Null,
    Array,
    Object,
}

/// <summary>
/// One field value of an event. The lowercase text and the number are computed once, when first needed. Values are
/// immutable (those two are functions of the text), so readers share one instance among events (see <see cref="ReadCache"/>).
/// </summary>
public sealed class EventValue
{
    private string? _lower;
    private double? _number;
    private bool _numberParsed;

    public EventValue(EventValueKind kind, string text, EventValue[]? items = null)
    {
        Kind = kind;
        Text = text;
        Items = items;
    }

    public static EventValue Null { get; } = new(EventValueKind.Null, string.Empty);

    public static EventValue Object { get; } = new(EventValueKind.Object, string.Empty);

    public static EventValue True { get; } = new(EventValueKind.Boolean, "true");

    public static EventValue False { get; } = new(EventValueKind.Boolean, "false");

    public EventValueKind Kind { get; }

    /// <summary>The value as text: strings as-is, numbers as written, booleans as true/false.</summary>
    public string Text { get; }

    public EventValue[]? Items { get; }

    public bool IsScalar => Kind is EventValueKind.String or EventValueKind.Number or EventValueKind.Boolean;

    public string Lower => _lower ??= Text.ToLowerInvariant();

    /// <remarks>
    /// A value may be shared by events on two threads (a reader's and its caller's): the number is published only
    /// after it is written, so no thread sees it as parsed before it is there.
    /// </remarks>
    public double? Number
    {
        get
        {
            if (!Volatile.Read(ref _numberParsed))
            {
                _number = ParseNumber();
                Volatile.Write(ref _numberParsed, true);
            }

            return _number;
        }
    }

    private double? ParseNumber()
    {
        if (Kind is EventValueKind.Number or EventValueKind.String
            && double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }

        if (Kind == EventValueKind.String && Text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && long.TryParse(Text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex))
        {
            return hex;
        }

        return null;
    }

    /// <summary>
    /// Whatever the matching code of the thread that reads this value wants to keep with it (the prefilter keeps what
    /// the value's text satisfies). One object, replaced whole, so a value read on two threads never shows a torn one.
    /// </summary>
    internal object? Scratch { get; set; }

    public static EventValue FromString(string text) => new(EventValueKind.String, text);

    public override string ToString() => Text;
}

/// <summary>
/// An event as Sigma sees it: a flat, case-insensitive map from field name (nested fields by dotted path) to value.
/// </summary>
public sealed class SigmaEvent
{
    private readonly Dictionary<string, EventValue> _fields;
    private Func<Dictionary<string, EventValue>, DateTimeOffset?>? _findTimestamp;
    private DateTimeOffset? _timestamp;

    public SigmaEvent(Dictionary<string, EventValue> fields, DateTimeOffset? timestamp = null)
    {
        _fields = fields;
        _timestamp = timestamp;
    }

    /// <summary>An event whose timestamp is looked for when first asked: only correlations need it.</summary>
    internal SigmaEvent(Dictionary<string, EventValue> fields, Func<Dictionary<string, EventValue>, DateTimeOffset?> findTimestamp)
    {
        _fields = fields;
        _findTimestamp = findTimestamp;
    }

    public DateTimeOffset? Timestamp
    {
        get
        {
            if (_findTimestamp is { } find)
            {
                _timestamp = find(_fields);
                _findTimestamp = null;
            }

            return _timestamp;
        }
    }

    public IReadOnlyDictionary<string, EventValue> Fields => _fields;

    /// <summary>The fields, enumerable without an interface call per field.</summary>
    internal Dictionary<string, EventValue> FieldMap => _fields;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public EventValue? Find(string field) => _fields.GetValueOrDefault(field);

    /// <summary>Builds an event from a JSON value, flattening nested objects and recognising evtx_dump records.</summary>
    public static SigmaEvent FromJson(JsonElement element) => EventFlattener.Flatten(element);

    public static SigmaEvent FromJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return FromJson(document.RootElement);
    }
}
