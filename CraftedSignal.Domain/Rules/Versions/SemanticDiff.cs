using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Domain.Rules;

public enum ChangeKind
{
    Added,
    Removed,
    Changed,
}

/// <summary>One meaningful difference between two versions of a rule, in words a reviewer reads.</summary>
public sealed record SemanticChange(ChangeKind Kind, string Area, string What, string? Before, string? After);

/// <summary>
/// Compares two Sigma rules by meaning rather than by text: metadata, log source, selections, their field tests
/// (field, modifiers, values) and the condition. Formatting, comments and key order do not count.
/// </summary>
public static class SemanticDiff
{
    public static IReadOnlyList<SemanticChange> Compare(string before, string after)
    {
        var old = Parse(before);
        var @new = Parse(after);
        if (old is null || @new is null)
            return [new SemanticChange(ChangeKind.Changed, "rule", "content", old is null ? "does not parse" : null, @new is null ? "does not parse" : null)];

        var changes = new List<SemanticChange>();
        Field(changes, "metadata", "title", old.Metadata.Title, @new.Metadata.Title);
        Field(changes, "metadata", "level", old.Metadata.Level, @new.Metadata.Level);
        Field(changes, "metadata", "status", old.Metadata.Status, @new.Metadata.Status);
        Field(changes, "metadata", "description", old.Metadata.Description, @new.Metadata.Description);
        Set(changes, "metadata", "tag", old.Metadata.Tags, @new.Metadata.Tags);
        Set(changes, "metadata", "false positive", old.Metadata.FalsePositives, @new.Metadata.FalsePositives);
        Field(changes, "log source", "logsource", old.LogSource.ToString(), @new.LogSource.ToString());

        var oldSelections = old.Detections.ToDictionary(d => d.Name, StringComparer.Ordinal);
        var newSelections = @new.Detections.ToDictionary(d => d.Name, StringComparer.Ordinal);
        foreach (var name in oldSelections.Keys.Except(newSelections.Keys))
            changes.Add(new SemanticChange(ChangeKind.Removed, "detection", $"selection '{name}'", Describe(oldSelections[name]), null));
        foreach (var name in newSelections.Keys.Except(oldSelections.Keys))
            changes.Add(new SemanticChange(ChangeKind.Added, "detection", $"selection '{name}'", null, Describe(newSelections[name])));
        foreach (var name in oldSelections.Keys.Intersect(newSelections.Keys))
        {
            var a = Items(oldSelections[name].Body);
            var b = Items(newSelections[name].Body);
            foreach (var key in a.Keys.Except(b.Keys))
                changes.Add(new SemanticChange(ChangeKind.Removed, $"selection '{name}'", key, Values(a[key]), null));
            foreach (var key in b.Keys.Except(a.Keys))
                changes.Add(new SemanticChange(ChangeKind.Added, $"selection '{name}'", key, null, Values(b[key])));
            foreach (var key in a.Keys.Intersect(b.Keys))
            {
                Set(changes, $"selection '{name}' {key}", "value", a[key], b[key]);
            }
        }

        Field(changes, "detection", "condition",
            string.Join(" | ", old.Conditions.Select(c => c.Text)), string.Join(" | ", @new.Conditions.Select(c => c.Text)));
        return changes;
    }

    private static SigmaRule? Parse(string content) =>
        SigmaParser.Parse(content, "rule.yml").Documents.OfType<SigmaRule>().FirstOrDefault();

    private static void Field(List<SemanticChange> changes, string area, string what, string? before, string? after)
    {
        if (string.Equals(before?.Trim(), after?.Trim(), StringComparison.Ordinal))
            return;
        var kind = before is null ? ChangeKind.Added : after is null ? ChangeKind.Removed : ChangeKind.Changed;
        changes.Add(new SemanticChange(kind, area, what, before, after));
    }

    private static void Set(List<SemanticChange> changes, string area, string what, IEnumerable<string> before, IEnumerable<string> after)
    {
        var a = before.ToHashSet(StringComparer.Ordinal);
        var b = after.ToHashSet(StringComparer.Ordinal);
        foreach (var removed in a.Except(b).Order(StringComparer.Ordinal))
            changes.Add(new SemanticChange(ChangeKind.Removed, area, what, removed, null));
        foreach (var added in b.Except(a).Order(StringComparer.Ordinal))
            changes.Add(new SemanticChange(ChangeKind.Added, area, what, null, added));
    }

    /// <summary>Every field test of a selection, keyed <c>Field|modifiers</c>, with its values.</summary>
    private static Dictionary<string, List<string>> Items(SigmaDetectionNode body)
    {
        var items = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Walk(SigmaDetectionNode node)
        {
            switch (node)
            {
                case SigmaDetectionItem item:
                    var key = (item.Field ?? "keywords") + string.Concat(item.Modifiers.Select(m => "|" + m.Name));
                    if (!items.TryGetValue(key, out var values))
                        items[key] = values = [];
                    values.AddRange(item.Values.Select(Text));
                    break;
                case SigmaDetectionGroup group:
                    foreach (var child in group.Items)
                        Walk(child);
                    break;
            }
        }

        Walk(body);
        return items;
    }

    private static string Describe(SigmaSearchIdentifier selection) =>
        string.Join("; ", Items(selection.Body).Select(i => $"{i.Key}: {Values(i.Value)}"));

    private static string Values(List<string> values) => string.Join(", ", values);

    private static string Text(SigmaValue value) => value switch
    {
        SigmaString s => s.Original,
        SigmaNumber n => n.Raw,
        SigmaBoolean b => b.Value ? "true" : "false",
        _ => "null",
    };
}
