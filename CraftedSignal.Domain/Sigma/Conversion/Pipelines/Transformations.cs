using System.Globalization;
using System.Text.RegularExpressions;

namespace CraftedSignal.Domain.Sigma.Conversion.Pipelines;

/// <summary>A pySigma transformation. <see cref="Apply"/> returns whether it changed the rule.</summary>
public abstract class Transformation
{
    internal abstract bool Apply(ConversionRule rule, ProcessingItem item);

    /// <summary>Visits every detection item; <paramref name="rewrite"/> returns a replacement (an item or a detection) or null.</summary>
    private protected static bool Rewrite(ConversionRule rule, Func<ConversionItem, object?> rewrite)
    {
        var changed = false;
        foreach (var detection in rule.Detections)
        {
            changed |= Rewrite(detection.Value, rewrite);
        }

        return changed;
    }

    private static bool Rewrite(ConversionDetection detection, Func<ConversionItem, object?> rewrite)
    {
        var changed = false;
        for (var i = 0; i < detection.Items.Count; i++)
        {
            if (detection.Items[i] is ConversionDetection nested)
            {
                changed |= Rewrite(nested, rewrite);
            }
            else if (rewrite((ConversionItem)detection.Items[i]) is { } replacement)
            {
                detection.Items[i] = replacement;
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>
    /// Renames the rule's <c>fields</c> list that pass the field-name conditions: <paramref name="rename"/> gives the new
    /// names (several for a field mapped to several), or null to keep the field.
    /// </summary>
    private protected static bool RenameFieldList(ConversionRule rule, ProcessingItem item, Func<string, IReadOnlyList<string>?> rename)
    {
        var changed = false;
        var renamed = new List<string>(rule.Fields.Count);
        foreach (var field in rule.Fields)
        {
            if (item.FieldMatches(field) && rename(field) is { } names)
            {
                renamed.AddRange(names);
                changed = true;
            }
            else
            {
                renamed.Add(field);
            }
        }

        if (changed)
        {
            rule.Fields.Clear();
            rule.Fields.AddRange(renamed);
        }

        return changed;
    }

    /// <summary>Items with a field that pass the item and field-name conditions.</summary>
    private protected static bool Applies(ConversionRule rule, ProcessingItem item, ConversionItem detectionItem) =>
        !detectionItem.Dropped && item.ItemMatches(rule, detectionItem) && item.FieldMatches(detectionItem.Field);
}

/// <summary>
/// field_name_mapping: renames fields; a field mapped to several names becomes an OR of the item per name. Field
/// references (<c>fieldref</c> values) are renamed too when they map to one name.
/// </summary>
public sealed class FieldNameMapping(IReadOnlyDictionary<string, IReadOnlyList<string>> mapping) : Transformation
{
    internal override bool Apply(ConversionRule rule, ProcessingItem item) =>
        RenameFields(rule, item) | RenameReferences(rule, item) | RenameFieldList(rule, item, field => mapping.GetValueOrDefault(field));

    private bool RenameReferences(ConversionRule rule, ProcessingItem item) => Rewrite(rule, detectionItem =>
    {
        var changed = false;
        for (var i = 0; i < detectionItem.Values.Count; i++)
        {
            if (detectionItem.Values[i] is QueryFieldRef reference && mapping.TryGetValue(reference.Field, out var targets) && targets.Count == 1
                && item.ItemMatches(rule, detectionItem) && item.FieldMatches(reference.Field))
            {
                detectionItem.Values[i] = new QueryFieldRef(targets[0]);
                changed = true;
            }
        }

        return changed ? detectionItem : null;
    });

    private bool RenameFields(ConversionRule rule, ProcessingItem item) => Rewrite(rule, detectionItem =>
    {
        if (detectionItem.Field is not { } field || !mapping.TryGetValue(field, out var targets) || !Applies(rule, item, detectionItem))
        {
            return null;
        }

        item.MarkApplied(detectionItem);
        if (targets.Count == 1)
        {
            detectionItem.Field = targets[0];
            return detectionItem;
        }

        return new ConversionDetection(SigmaLinking.Or, [.. targets.Select(t => (object)detectionItem.WithField(t))]);
    });
}

/// <summary>field_name_prefix_mapping: replaces a field-name prefix (the first that matches).</summary>
public sealed class FieldNamePrefixMapping(IReadOnlyList<KeyValuePair<string, string>> mapping) : Transformation
{
    internal override bool Apply(ConversionRule rule, ProcessingItem item) => RenameItems(rule, item) | RenameFieldList(rule, item, field =>
        mapping.Where(m => field.StartsWith(m.Key, StringComparison.Ordinal)).Select(m => (IReadOnlyList<string>)[m.Value + field[m.Key.Length..]]).FirstOrDefault());

    private bool RenameItems(ConversionRule rule, ProcessingItem item) => Rewrite(rule, detectionItem =>
    {
        if (detectionItem.Field is not { } field || !Applies(rule, item, detectionItem))
        {
            return null;
        }

        foreach (var (prefix, replacement) in mapping)
        {
            if (field.StartsWith(prefix, StringComparison.Ordinal))
            {
                detectionItem.Field = replacement + field[prefix.Length..];
                item.MarkApplied(detectionItem);
                return detectionItem;
            }
        }

        return null;
    });
}

/// <summary>field_name_prefix / field_name_suffix: adds text before or after every (selected) field name.</summary>
public sealed class FieldNameAffix(string text, bool suffix) : Transformation
{
    internal override bool Apply(ConversionRule rule, ProcessingItem item) =>
        RenameItems(rule, item) | RenameFieldList(rule, item, field => [suffix ? field + text : text + field]);

    private bool RenameItems(ConversionRule rule, ProcessingItem item) => Rewrite(rule, detectionItem =>
    {
        if (detectionItem.Field is not { } field || !Applies(rule, item, detectionItem))
        {
            return null;
        }

        detectionItem.Field = suffix ? field + text : text + field;
        item.MarkApplied(detectionItem);
        return detectionItem;
    });
}

/// <summary>add_condition: ANDs a new search identifier (optionally negated) in front of every condition.</summary>
public sealed class AddCondition(IReadOnlyList<SigmaDetectionItem> conditions, bool negated) : Transformation
{
    internal override bool Apply(ConversionRule rule, ProcessingItem item)
    {
        var name = "_cond_" + rule.Detections.Count.ToString(CultureInfo.InvariantCulture);
        while (rule.Find(name) is not null)
        {
            name += "_";
        }

        rule.Detections.Add(new(name, new ConversionDetection(SigmaLinking.And, [.. conditions.Select(c => (object)ModifierApplier.Apply(c))])));
        for (var i = 0; i < rule.Conditions.Count; i++)
        {
            rule.Conditions[i] = $"{(negated ? "not " : string.Empty)}{name} and ({rule.Conditions[i]})";
        }

        return true;
    }
}

/// <summary>change_logsource: replaces the rule's category, product and/or service.</summary>
public sealed class ChangeLogsource(string? category, string? product, string? service) : Transformation
{
    internal override bool Apply(ConversionRule rule, ProcessingItem item)
    {
        rule.Category = category ?? rule.Category;
        rule.Product = product ?? rule.Product;
        rule.Service = service ?? rule.Service;
        return true;
    }
}

/// <summary>replace_string: a regex replacement in the literal text of string values (wildcards are kept).</summary>
public sealed class ReplaceString(Regex pattern, string replacement) : Transformation
{
    internal override bool Apply(ConversionRule rule, ProcessingItem item) => Rewrite(rule, detectionItem =>
    {
        if (!Applies(rule, item, detectionItem))
        {
            return null;
        }

        var changed = false;
        for (var i = 0; i < detectionItem.Values.Count; i++)
        {
            if (detectionItem.Values[i] is QueryString value)
            {
                var parts = value.Parts.Select(p => p.Kind == SigmaStringPartKind.Literal
                    ? new SigmaStringPart(SigmaStringPartKind.Literal, pattern.Replace(p.Text, replacement))
                    : p).ToList();
                var replaced = value with { Parts = QueryString.Merge(parts) };
                if (replaced.Plain != value.Plain)
                {
                    detectionItem.Values[i] = replaced;
                    changed = true;
                }
            }
        }

        if (changed)
        {
            item.MarkApplied(detectionItem);
        }

        return changed ? detectionItem : null;
    });
}

/// <summary>drop_detection_item: removes the selected detection items.</summary>
public sealed class DropDetectionItem : Transformation
{
    internal override bool Apply(ConversionRule rule, ProcessingItem item) => Rewrite(rule, detectionItem =>
    {
        if (!Applies(rule, item, detectionItem))
        {
            return null;
        }

        detectionItem.Dropped = true;
        item.MarkApplied(detectionItem);
        return detectionItem;
    });
}

/// <summary>set_state: stores a key/value the backend reads (e.g. <c>index</c> for ES|QL, <c>query_table</c> for Kusto).</summary>
public sealed class SetState(string key, string value) : Transformation
{
    internal override bool Apply(ConversionRule rule, ProcessingItem item)
    {
        rule.State[key] = value;
        return true;
    }
}

/// <summary>rule_failure: refuses every rule the conditions select.</summary>
public sealed class RuleFailure(string message) : Transformation
{
    internal override bool Apply(ConversionRule rule, ProcessingItem item) => throw new ConversionException(new PipelineFailure(message));
}

/// <summary>detection_item_failure: refuses a rule when any detection item passes the conditions.</summary>
public sealed class DetectionItemFailure(string message) : Transformation
{
    internal override bool Apply(ConversionRule rule, ProcessingItem item) => Rewrite(rule, detectionItem =>
        Applies(rule, item, detectionItem) ? throw new ConversionException(new PipelineFailure(message)) : null);
}
