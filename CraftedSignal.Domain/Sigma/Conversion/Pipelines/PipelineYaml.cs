using System.Globalization;
using System.Text.RegularExpressions;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Domain.Sigma.Conversion.Pipelines;

internal sealed class PipelineYamlException(string message) : Exception(message);

/// <summary>Reads pySigma's processing pipeline YAML into <see cref="ProcessingPipeline"/>.</summary>
internal static class PipelineYaml
{
    private static readonly string[] Supported =
    [
        "field_name_mapping", "field_name_prefix_mapping", "field_name_prefix", "field_name_suffix", "add_condition", "change_logsource",
        "replace_string", "drop_detection_item", "set_state", "rule_failure", "detection_item_failure",
    ];

    public static ProcessingPipeline Read(YamlMapping map, string source)
    {
        var name = Text(map["name"]) ?? source;
        var priority = Text(map["priority"]) is { } p
            ? int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : throw Fail("'priority' must be an integer.")
            : 0;
        var allowed = map["allowed_backends"] is { } backends ? Strings(backends, "allowed_backends") : [];
        if (map["transformations"] is not YamlSequence transformations)
        {
            throw Fail("'transformations' must be a list.");
        }

        var items = transformations.Items.Select((node, index) => node is YamlMapping item
            ? ReadItem(item)
            : throw Fail($"transformation {index + 1} must be a mapping with a 'type'.")).ToList();
        return new ProcessingPipeline(name, priority, items, allowed);
    }

    private static ProcessingItem ReadItem(YamlMapping map)
    {
        var type = Text(map["type"]) ?? throw Fail("a transformation needs a 'type'.");
        var transformation = type switch
        {
            "field_name_mapping" => (Transformation)new FieldNameMapping(Mapping(map, "mapping").ToDictionary(
                e => e.Key.Text, e => e.Value is YamlSequence ? Strings(e.Value, e.Key.Text) : (IReadOnlyList<string>)[Required(e.Value, e.Key.Text)],
                StringComparer.Ordinal)),
            "field_name_prefix_mapping" => new FieldNamePrefixMapping([.. Mapping(map, "mapping").Select(e =>
                new KeyValuePair<string, string>(e.Key.Text, Required(e.Value, e.Key.Text)))]),
            "field_name_prefix" => new FieldNameAffix(Required(map["prefix"], "prefix"), false),
            "field_name_suffix" => new FieldNameAffix(Required(map["suffix"], "suffix"), true),
            "add_condition" => new AddCondition([.. Mapping(map, "conditions").Select(DetectionItem)], Flag(map["negated"])),
            "change_logsource" => new ChangeLogsource(Text(map["category"]), Text(map["product"]), Text(map["service"])),
            "replace_string" => new ReplaceString(Pattern(Required(map["regex"], "regex")), PythonReplacement(Text(map["replacement"]) ?? string.Empty)),
            "drop_detection_item" => new DropDetectionItem(),
            "set_state" => new SetState(Required(map["key"], "key"), Required(map["val"], "val")),
            "rule_failure" => new RuleFailure(Required(map["message"], "message")),
            "detection_item_failure" => new DetectionItemFailure(Required(map["message"], "message")),
            _ => throw Fail($"transformation type '{type}' is not supported. Supported: {string.Join(", ", Supported)}."),
        };
        return new ProcessingItem(
            Text(map["id"]),
            transformation,
            Conditions(map, "rule", RuleConditionOf),
            Conditions(map, "detection_item", DetectionItemConditionOf),
            Conditions(map, "field_name", FieldConditionOf));
    }

    private static ConditionSet<T> Conditions<T>(YamlMapping map, string prefix, Func<YamlMapping, T> read)
    {
        if (map[prefix + "_conditions"] is not { } node)
        {
            return ConditionSet<T>.Empty;
        }

        if (node is not YamlSequence list)
        {
            throw Fail($"'{prefix}_conditions' must be a list of conditions.");
        }

        var conditions = list.Items.Select(i => i is YamlMapping m ? read(m) : throw Fail($"each of '{prefix}_conditions' must be a mapping with a 'type'.")).ToList();
        var linking = Text(map[prefix + "_cond_op"]) ?? Text(map[prefix + "_condition_linking"]) ?? "and";
        var any = linking switch
        {
            "and" or "all" => false,
            "or" or "any" => true,
            _ => throw Fail($"'{prefix}_cond_op' must be 'and' or 'or'."),
        };
        var negate = Flag(map[prefix + "_cond_not"]) || Flag(map[prefix + "_condition_negation"]);
        return new ConditionSet<T>(conditions, any, negate);
    }

    private static RuleCondition RuleConditionOf(YamlMapping map) => Text(map["type"]) switch
    {
        "logsource" => new LogsourceCondition(Text(map["category"]), Text(map["product"]), Text(map["service"])),
        "contains_detection_item" => new ContainsDetectionItemCondition(Required(map["field"], "field"), Text(map["value"])),
        "processing_item_applied" => new ProcessingItemAppliedCondition(Required(map["processing_item_id"], "processing_item_id")),
        "tag" => new TagCondition(Required(map["tag"], "tag")),
        "rule_attribute" => new RuleAttributeCondition(Required(map["attribute"], "attribute"), Required(map["value"], "value"),
            (Text(map["op"]) ?? "eq") is "ne" or "!="),
        var other => throw Fail($"rule condition type '{other}' is not supported (logsource, contains_detection_item, processing_item_applied, tag, rule_attribute)."),
    };

    private static DetectionItemCondition DetectionItemConditionOf(YamlMapping map) => Text(map["type"]) switch
    {
        "match_string" => new MatchStringCondition(Pattern(Required(map["pattern"], "pattern")), Text(map["cond"]) == "all", Flag(map["negate"])),
        "is_null" => new IsNullCondition(Text(map["cond"]) == "all"),
        "processing_item_applied" => new ItemProcessingItemAppliedCondition(Required(map["processing_item_id"], "processing_item_id")),
        var other => throw Fail($"detection item condition type '{other}' is not supported (match_string, is_null, processing_item_applied)."),
    };

    private static FieldNameCondition FieldConditionOf(YamlMapping map)
    {
        var type = Text(map["type"]);
        if (type is not ("include_fields" or "exclude_fields"))
        {
            throw Fail($"field name condition type '{type}' is not supported (include_fields, exclude_fields).");
        }

        var fields = map["fields"] is { } node ? Strings(node, "fields") : throw Fail($"'{type}' needs 'fields'.");
        var regex = (Text(map["type_"]) ?? Text(map["match_type"]) ?? "plain") == "re";
        return new FieldNameCondition(fields, regex, type == "exclude_fields");
    }

    private static SigmaDetectionItem DetectionItem(YamlEntry entry)
    {
        var segments = entry.Key.Text.Split('|');
        var modifiers = new List<SigmaModifierUse>();
        foreach (var name in segments.Skip(1))
        {
            modifiers.Add(SigmaModifiers.TryParse(name, out var modifier)
                ? new SigmaModifierUse(modifier, name, entry.Key.Position)
                : throw Fail($"unknown modifier '{name}' in add_condition."));
        }

        var raw = modifiers.Any(m => m.Modifier is SigmaModifier.Re or SigmaModifier.Cidr or SigmaModifier.FieldRef);
        var nodes = entry.Value is YamlSequence sequence ? sequence.Items : [entry.Value];
        var values = nodes.Select(node => node is YamlScalar scalar
            ? scalar.Kind switch
            {
                YamlScalarKind.Null => (SigmaValue)new SigmaNull(scalar.Position),
                YamlScalarKind.Boolean => new SigmaBoolean(scalar.IsTrue, scalar.Position),
                YamlScalarKind.Integer or YamlScalarKind.Float => SigmaNumber.Parse(scalar.Text, scalar.Position),
                _ when raw => SigmaString.FromLiteral(scalar.Text, scalar.Position),
                _ => SigmaString.Parse(scalar.Text, scalar.Position),
            }
            : throw Fail($"the values of '{entry.Key.Text}' must be plain values.")).ToList();
        return new SigmaDetectionItem(segments[0].Length == 0 ? null : segments[0], modifiers, values, entry.Key.Position);
    }

    private static IReadOnlyList<YamlEntry> Mapping(YamlMapping map, string key) =>
        map[key] is YamlMapping mapping ? mapping.Entries : throw Fail($"'{key}' must be a mapping.");

    private static string? Text(YamlNode? node) => node is YamlScalar { IsNull: false } scalar ? scalar.Text : null;

    private static string Required(YamlNode? node, string key) => Text(node) ?? throw Fail($"'{key}' must be a value.");

    private static bool Flag(YamlNode? node) => node is YamlScalar { IsTrue: true } || (Text(node) is { } text && text.Equals("true", StringComparison.OrdinalIgnoreCase));

    private static List<string> Strings(YamlNode node, string key) => node switch
    {
        YamlScalar scalar when !scalar.IsNull => [scalar.Text],
        YamlSequence sequence => [.. sequence.Items.Select(i => Required(i, key))],
        _ => throw Fail($"'{key}' must be a value or a list of values."),
    };

    private static Regex Pattern(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.None, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            throw Fail($"invalid regular expression '{pattern}': {ex.Message}");
        }
    }

    /// <summary>Python's <c>\1</c> / <c>\g&lt;name&gt;</c> group references become .NET's <c>${1}</c> / <c>${name}</c>; <c>$</c> is literal.</summary>
    private static string PythonReplacement(string replacement)
    {
        var text = replacement.Replace("$", "$$", StringComparison.Ordinal);
        text = Regex.Replace(text, @"\\g<(\w+)>", "$${$1}");
        return Regex.Replace(text, @"\\(\d+)", "$${$1}");
    }

    private static PipelineYamlException Fail(string message) => new(message);
}
