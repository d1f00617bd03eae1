using System.Text.RegularExpressions;
using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Rules;

/// <summary>The bounds on a rule's details, shared by the service (which enforces them) and the form (which shows them as you type).</summary>
public static partial class RuleDetailsRules
{
    public const int MaxAlertsPerDay = 1_000_000;
    public const int MaxTitleLength = 256;
    public const int MaxDescriptionLength = 4_000;
    public const int MaxListItems = 50;
    public const int MaxReferenceLength = 2_000;
    public const int MaxFalsePositiveLength = 500;
    public const int MaxTagLength = 100;

    public static Invalid? CheckNoiseBudget(int? expectedPerDay, int? maxPerDay)
    {
        if (expectedPerDay is < 0 or > MaxAlertsPerDay)
            return new Invalid("NoiseExpectedPerDay", $"Expected alerts per day must be between 0 and {MaxAlertsPerDay:N0}.");
        if (maxPerDay is < 0 or > MaxAlertsPerDay)
            return new Invalid("NoiseMaxPerDay", $"Maximum alerts per day must be between 0 and {MaxAlertsPerDay:N0}.");
        if (expectedPerDay > maxPerDay)
            return new Invalid("NoiseMaxPerDay", $"The maximum ({maxPerDay}) is below the expected {expectedPerDay} alerts per day: raise the maximum or lower the expectation.");
        return null;
    }

    public static Invalid? CheckNativeMetadata(NativeMetadata metadata)
    {
        if (string.IsNullOrWhiteSpace(metadata.Title))
            return new Invalid("Title", "Give the rule a title.");
        if (metadata.Title.Trim().Length > MaxTitleLength)
            return new Invalid("Title", $"The title is {metadata.Title.Trim().Length} characters; at most {MaxTitleLength}.");
        if (metadata.Description?.Length > MaxDescriptionLength)
            return new Invalid("Description", $"The description is {metadata.Description.Length} characters; at most {MaxDescriptionLength:N0}.");
        if (!RuleAnalyzer.Levels.Contains(metadata.Level))
            return new Invalid("Level", $"'{metadata.Level}' is not a level. Use one of: {string.Join(", ", RuleAnalyzer.Levels)}.");
        return CheckList("Tags", metadata.Tags, MaxTagLength, "tag")
            ?? CheckTags(metadata.Tags)
            ?? CheckList("References", metadata.References, MaxReferenceLength, "reference")
            ?? CheckList("FalsePositives", metadata.FalsePositives, MaxFalsePositiveLength, "false positive");
    }

    private static Invalid? CheckList(string field, IReadOnlyList<string>? items, int maxLength, string noun)
    {
        if (items is null)
            return null;
        if (items.Count > MaxListItems)
            return new Invalid(field, $"{items.Count} {noun}s; a rule can have at most {MaxListItems}.");
        var index = items.Select((item, i) => (item, i)).FirstOrDefault(x => x.item.Trim().Length > maxLength);
        return index.item is null ? null : new Invalid(field, $"The {noun} on line {index.i + 1} is {index.item.Trim().Length} characters; at most {maxLength:N0}.");
    }

    private static Invalid? CheckTags(IReadOnlyList<string>? tags)
    {
        var bad = RuleAnalyzer.NormalizeTags(tags ?? []).FirstOrDefault(t => !TagPattern().IsMatch(t));
        return bad is null ? null : new Invalid("Tags", $"'{bad}' is not a tag: use letters, digits, '.', '_' and '-', as in attack.t1059.001 or attack.execution.");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]*$")]
    private static partial Regex TagPattern();
}
