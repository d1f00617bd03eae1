using System.Text.RegularExpressions;

namespace CraftedSignal.Domain.Sigma.Conversion.Pipelines;

/// <summary>How a list of conditions combines: all must hold (and) or any (or), optionally negated.</summary>
public sealed record ConditionSet<T>(IReadOnlyList<T> Conditions, bool Any, bool Negate)
{
    public static ConditionSet<T> Empty { get; } = new([], false, false);

    public bool Holds(Func<T, bool> test)
    {
        if (Conditions.Count == 0)
        {
            return true;
        }

        var result = Any ? Conditions.Any(test) : Conditions.All(test);
        return result ^ Negate;
    }
}

/// <summary>A condition on the whole rule (pySigma rule_conditions).</summary>
public abstract record RuleCondition
{
    public abstract bool Matches(ConversionRule rule);
}

/// <summary>The rule's log source has every given category/product/service.</summary>
public sealed record LogsourceCondition(string? Category, string? Product, string? Service) : RuleCondition
{
    public override bool Matches(ConversionRule rule) =>
        (Category is null || Category == rule.Category) && (Product is null || Product == rule.Product) && (Service is null || Service == rule.Service);
}

/// <summary>A detection item tests <see cref="Field"/> (and, if given, the plain value <see cref="Value"/>).</summary>
public sealed record ContainsDetectionItemCondition(string Field, string? Value) : RuleCondition
{
    public override bool Matches(ConversionRule rule) => rule.Detections.SelectMany(d => d.Value.AllItems())
        .Any(i => i.Field == Field && (Value is null || i.Values.Any(v => PlainText(v) == Value)));

    internal static string? PlainText(QueryValue value) => value switch
    {
        QueryString s => s.Plain,
        QueryNumber n => n.Text,
        QueryBoolean b => b.Value ? "true" : "false",
        _ => null,
    };
}

/// <summary>A processing item with this id already changed the rule.</summary>
public sealed record ProcessingItemAppliedCondition(string ProcessingItemId) : RuleCondition
{
    public override bool Matches(ConversionRule rule) => rule.AppliedTransformations.Contains(ProcessingItemId);
}

/// <summary>The rule carries the tag.</summary>
public sealed record TagCondition(string Tag) : RuleCondition
{
    public override bool Matches(ConversionRule rule) => rule.Source.Metadata.Tags.Contains(Tag, StringComparer.OrdinalIgnoreCase);
}

/// <summary>A rule attribute (level, status, author, id, title, ...) equals (or, with <c>ne</c>, differs from) a value.</summary>
public sealed record RuleAttributeCondition(string Attribute, string Value, bool NotEqual) : RuleCondition
{
    public override bool Matches(ConversionRule rule)
    {
        var metadata = rule.Source.Metadata;
        var actual = Attribute switch
        {
            "level" => metadata.Level,
            "status" => metadata.Status,
            "author" => metadata.Author,
            "id" => metadata.Id,
            "title" => metadata.Title,
            "date" => metadata.Date,
            _ => null,
        };
        return string.Equals(actual, Value, StringComparison.Ordinal) ^ NotEqual;
    }
}

/// <summary>A condition on one detection item (pySigma detection_item_conditions).</summary>
public abstract record DetectionItemCondition
{
    public abstract bool Matches(ConversionRule rule, ConversionItem item);
}

/// <summary>String values match the regex (any or all of them), optionally negated.</summary>
public sealed record MatchStringCondition(Regex Pattern, bool All, bool Negate) : DetectionItemCondition
{
    public override bool Matches(ConversionRule rule, ConversionItem item)
    {
        var strings = item.Values.OfType<QueryString>().Select(s => Pattern.IsMatch(s.Plain)).ToList();
        var result = All ? strings.Count > 0 && strings.All(x => x) : strings.Any(x => x);
        return result ^ Negate;
    }
}

/// <summary>The item's values are null (any or all).</summary>
public sealed record IsNullCondition(bool All) : DetectionItemCondition
{
    public override bool Matches(ConversionRule rule, ConversionItem item) =>
        All ? item.Values.All(v => v is QueryNull) : item.Values.Any(v => v is QueryNull);
}

/// <summary>A processing item with this id already changed this detection item.</summary>
public sealed record ItemProcessingItemAppliedCondition(string ProcessingItemId) : DetectionItemCondition
{
    public override bool Matches(ConversionRule rule, ConversionItem item) => item.AppliedTransformations.Contains(ProcessingItemId);
}

/// <summary>A condition on a field name (pySigma field_name_conditions): include_fields or exclude_fields.</summary>
public sealed record FieldNameCondition(IReadOnlyList<string> Fields, bool Regex, bool Exclude)
{
    public bool Matches(string? field)
    {
        var listed = field is not null && Fields.Any(f => Regex
            ? System.Text.RegularExpressions.Regex.IsMatch(field, "^(?:" + f + ")$", RegexOptions.None, TimeSpan.FromSeconds(1))
            : f == field);
        return listed ^ Exclude;
    }
}

/// <summary>One entry of a pipeline's <c>transformations</c>: a transformation and the conditions gating it.</summary>
public sealed record ProcessingItem(
    string? Id,
    Transformation Transformation,
    ConditionSet<RuleCondition> RuleConditions,
    ConditionSet<DetectionItemCondition> ItemConditions,
    ConditionSet<FieldNameCondition> FieldConditions)
{
    internal void Apply(ConversionRule rule)
    {
        if (!RuleConditions.Holds(c => c.Matches(rule)))
        {
            return;
        }

        if (Transformation.Apply(rule, this) && Id is not null)
        {
            rule.AppliedTransformations.Add(Id);
        }
    }

    internal bool ItemMatches(ConversionRule rule, ConversionItem item) => ItemConditions.Holds(c => c.Matches(rule, item));

    internal bool FieldMatches(string? field) => FieldConditions.Holds(c => c.Matches(field));

    internal void MarkApplied(ConversionItem item)
    {
        if (Id is not null)
        {
            item.AppliedTransformations.Add(Id);
        }
    }
}
