using System.Globalization;
using System.Text.RegularExpressions;
using CraftedSignal.Domain.Sigma.Correlation;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Domain.Sigma.Validation;

/// <summary>
/// Checks parsed Sigma files against the 2.1 specification (errors) and SigmaHQ conventions (warnings).
/// </summary>
public static partial class SigmaValidator
{
    private static readonly HashSet<string> Statuses = ["stable", "test", "experimental", "deprecated", "unsupported"];
    private static readonly HashSet<string> Levels = ["informational", "low", "medium", "high", "critical"];
    private static readonly HashSet<string> RelationTypes = ["derived", "obsolete", "merged", "renamed", "similar"];

    /// <summary>All diagnostics of one file: what the parser found and what validation adds, ordered by position.</summary>
    public static IReadOnlyList<SigmaDiagnostic> Validate(SigmaFile file, SigmaValidationOptions? options = null) => ValidateAll([file], options)[0];

    /// <summary>Validates files together, so ids and names must be unique across them and references can resolve.</summary>
    public static IReadOnlyList<IReadOnlyList<SigmaDiagnostic>> ValidateAll(IReadOnlyList<SigmaFile> files, SigmaValidationOptions? options = null)
    {
        options ??= SigmaValidationOptions.Default;
        var results = files.Select(f => new List<SigmaDiagnostic>(f.Diagnostics)).ToList();
        var ids = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var known = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var document in files.SelectMany(f => f.Documents))
        {
            if (document.Id is { } id)
            {
                known.Add(id);
            }

            if (document.Name is { } name)
            {
                known.Add(name);
            }
        }

        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            var output = results[i];
            CheckFileName(file.Path, output, file.Documents.Count > 0);
            foreach (var document in file.Documents)
            {
                CheckMetadata(document, output);
                CheckUnique(document, "id", document.Id, ids, file.Path, SigmaDiagnosticCodes.DuplicateId, output);
                CheckUnique(document, "name", document.Name, names, file.Path, SigmaDiagnosticCodes.DuplicateName, output);
                switch (document)
                {
                    case SigmaRule rule:
                        CheckConventions(rule, output);
                        CheckLogSource(rule.LogSource, output);
                        CheckDetection(rule.Detections, rule.Conditions, options, output);
                        break;
                    case SigmaFilter filter:
                        CheckLogSource(filter.LogSource, output);
                        CheckDetection(filter.Detections, filter.Conditions, options, output);
                        CheckFilter(filter, known, output);
                        break;
                    case SigmaCorrelationRule correlation:
                        CheckCorrelation(correlation, known, output);
                        break;
                }
            }
        }

        return [.. results.Select(r => (IReadOnlyList<SigmaDiagnostic>)r
            .Select((d, index) => (d, index))
            .OrderBy(x => x.d.Position.Line).ThenBy(x => x.d.Position.Column).ThenBy(x => x.index)
            .Select(x => x.d).ToList())];
    }

    private static void CheckUnique(SigmaDocument document, string key, string? value, Dictionary<string, string> seen, string path, string code, List<SigmaDiagnostic> output)
    {
        if (value is null)
        {
            return;
        }

        var position = PositionOf(document.Source, key);
        var here = $"{path}:{position}";
        if (seen.TryGetValue(value, out var first))
        {
            output.Add(SigmaDiagnostic.Error(code, $"The {key} '{value}' is already used at {first}. Give this document a unique {key}.", position));
        }
        else
        {
            seen[value] = here;
        }
    }

    private static SourcePosition PositionOf(YamlMapping map, string key) => map.Find(key)?.Value.Position ?? map.Position;

    private static void CheckFileName(string path, List<SigmaDiagnostic> output, bool hasDocuments)
    {
        var name = Path.GetFileName(path);
        if (!hasDocuments || name.StartsWith('<'))
        {
            return;
        }

        var stem = Path.GetFileNameWithoutExtension(name);
        if (!FileNamePattern().IsMatch(stem) || !name.EndsWith(".yml", StringComparison.Ordinal) || name.Length < 10 || name.Length > 70)
        {
            output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.FileNameConvention,
                "SigmaHQ file names are 10 to 70 characters of lowercase letters, digits and '_', ending in '.yml'. Rename the file.", new SourcePosition(1, 1)));
        }
    }

    private static void CheckMetadata(SigmaDocument document, List<SigmaDiagnostic> output)
    {
        var map = document.Source;
        var meta = document.Metadata;
        if (string.IsNullOrWhiteSpace(meta.Title))
        {
            output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.MissingField, "The document has no 'title'. Add a short title of what it detects.", map.Position));
        }
        else if (meta.Title.Length > 256)
        {
            output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.TitleTooLong, $"The title is {meta.Title.Length} characters; the limit is 256. Shorten it.", PositionOf(map, "title")));
        }

        if (meta.Id is { } id)
        {
            CheckUuid(id, PositionOf(map, "id"), "id", output);
        }

        if (meta.Status is { } status && !Statuses.Contains(status))
        {
            output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.InvalidStatus,
                $"Unknown status '{status}'. Use stable, test, experimental, deprecated or unsupported.", PositionOf(map, "status")));
        }

        if (meta.Level is { } level && !Levels.Contains(level))
        {
            output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.InvalidLevel,
                $"Unknown level '{level}'. Use informational, low, medium, high or critical.", PositionOf(map, "level")));
        }

        var date = CheckDate(map, "date", meta.Date, output);
        var modified = CheckDate(map, "modified", meta.Modified, output);
        if (date is not null && modified is not null && modified < date)
        {
            output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.ModifiedBeforeDate,
                "'modified' is earlier than 'date'. Fix one of the dates.", PositionOf(map, "modified")));
        }

        CheckTags(map, meta.Tags, output);
        foreach (var related in meta.Related)
        {
            if (!RelationTypes.Contains(related.Type))
            {
                output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.InvalidRelated,
                    $"Unknown relation type '{related.Type}'. Use derived, obsolete, merged, renamed or similar.", related.Position));
            }

            CheckUuid(related.Id, related.Position, "related id", output);
        }

        if (meta.Description is { Length: > 65_535 })
        {
            output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.DescriptionTooLong, "The description is longer than 65,535 characters. Shorten it.", PositionOf(map, "description")));
        }

        foreach (var entry in map.Entries)
        {
            if (entry.Key.Text.Any(char.IsUpper))
            {
                output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.KeyNotLowercase,
                    $"The key '{entry.Key.Text}' is not lowercase. Sigma keys are lowercase.", entry.Key.Position));
            }
        }
    }

    private static void CheckUuid(string value, SourcePosition position, string what, List<SigmaDiagnostic> output)
    {
        if (!UuidPattern().IsMatch(value))
        {
            output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.MalformedUuid,
                $"The {what} '{value}' is not a UUID. Use the form 0e95725d-7320-415d-80f7-004da920fc11 (generate one with uuidgen).", position));
        }
        else if (value[14] != '4')
        {
            output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.UuidNotVersion4,
                $"The {what} is not a random (version 4) UUID. SigmaHQ uses version 4 UUIDs.", position));
        }
    }

    private static DateOnly? CheckDate(YamlMapping map, string key, string? value, List<SigmaDiagnostic> output)
    {
        if (value is null)
        {
            return null;
        }

        if (DatePattern().IsMatch(value) && DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.InvalidDate,
            $"'{value}' is not a valid date. Write '{key}' as YYYY-MM-DD, e.g. 2024-03-01.", PositionOf(map, key)));
        return null;
    }

    private static void CheckTags(YamlMapping map, IReadOnlyList<string> tags, List<SigmaDiagnostic> output)
    {
        var positions = map["tags"] is YamlSequence sequence ? sequence.Items.Select(i => i.Position).ToList() : [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tags.Count; i++)
        {
            var tag = tags[i];
            var position = i < positions.Count ? positions[i] : PositionOf(map, "tags");
            if (!seen.Add(tag))
            {
                output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.DuplicateTag, $"The tag '{tag}' is listed twice. Remove one.", position));
            }

            if (tag.StartsWith("attack.", StringComparison.OrdinalIgnoreCase))
            {
                if (!AttackTagPattern().IsMatch(tag))
                {
                    output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.AttackTagForm,
                        $"'{tag}' is not an ATT&CK tag. Use attack.tNNNN or attack.tNNNN.NNN for techniques, attack.gNNNN/sNNNN for groups and software, or a lowercase tactic such as attack.defense-evasion.", position));
                }
                else if (CheckTechnique(tag, position) is { } technique)
                {
                    output.Add(technique);
                }
            }
            else if (!TagPattern().IsMatch(tag))
            {
                output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.TagForm,
                    $"'{tag}' is not a well-formed tag. Tags are lowercase 'namespace.value' with letters, digits, '_', '-' and '.'.", position));
            }
        }
    }

    /// <summary>A technique tag the shipped ATT&amp;CK data does not know, or knows as deprecated or revoked.</summary>
    private static SigmaDiagnostic? CheckTechnique(string tag, SourcePosition position)
    {
        var match = TechniqueTagPattern().Match(tag);
        if (!match.Success)
            return null;
        var catalog = Attack.AttackCatalog.Enterprise;
        var id = "T" + match.Groups[1].Value;
        return catalog.Find(id) switch
        {
            null => SigmaDiagnostic.Warning(SigmaDiagnosticCodes.UnknownAttackTechnique,
                $"'{tag}' names no technique in ATT&CK {catalog.Version}, the version this build ships: a typo in the id, or a technique newer than that data.", position),
            { State: Attack.AttackState.Revoked } t => SigmaDiagnostic.Warning(SigmaDiagnosticCodes.OutdatedAttackTechnique,
                $"{id} ({t.Name}) is revoked in ATT&CK {catalog.Version}: MITRE replaced it; tag the technique that took its place.", position),
            { State: Attack.AttackState.Deprecated } t => SigmaDiagnostic.Warning(SigmaDiagnosticCodes.OutdatedAttackTechnique,
                $"{id} ({t.Name}) is deprecated in ATT&CK {catalog.Version}: it is no longer maintained; tag a current technique.", position),
            _ => null,
        };
    }

    private static void CheckConventions(SigmaRule rule, List<SigmaDiagnostic> output)
    {
        var map = rule.Source;
        if (rule.Metadata.Description is null)
        {
            output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.MissingDescription, "The rule has no 'description'. Describe what it detects and why.", map.Position));
        }

        if (rule.Metadata.Level is null)
        {
            output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.MissingLevel, "The rule has no 'level'. Add informational, low, medium, high or critical.", map.Position));
        }

        if (rule.Metadata.Date is null)
        {
            output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.MissingDate, "The rule has no 'date'. Add the creation date as YYYY-MM-DD.", map.Position));
        }

        if (rule.Metadata.Author is null)
        {
            output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.MissingAuthor, "The rule has no 'author'. Credit who wrote it.", map.Position));
        }
    }

    private static void CheckLogSource(SigmaLogSource logSource, List<SigmaDiagnostic> output)
    {
        if (logSource.IsEmpty)
        {
            output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.EmptyLogSource,
                "'logsource' needs at least one of category, product or service.", logSource.Position));
        }
    }

    private static void CheckDetection(IReadOnlyList<SigmaSearchIdentifier> detections, IReadOnlyList<SigmaCondition> conditions, SigmaValidationOptions options,
        List<SigmaDiagnostic> output)
    {
        var checkedFrom = output.Count;
        foreach (var detection in detections)
        {
            foreach (var item in Items(detection.Body))
            {
                ModifierRules.Check(item, output);
            }
        }

        // Each backtracking pattern past the cap is an error at that pattern, in the order the engine compiles them.
        var backtracking = output.Skip(checkedFrom).Where(d => d.Code == SigmaDiagnosticCodes.RegexNeedsTimeout).ToList();
        for (var i = options.MaxBacktrackingPatternsPerRule; i < backtracking.Count; i++)
        {
            output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.TooManyBacktrackingPatterns,
                SigmaRegex.TooManyBacktrackingPatterns(i + 1, options.MaxBacktrackingPatternsPerRule), backtracking[i].Position));
        }

        var names = detections.Select(d => d.Name).ToList();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var condition in conditions)
        {
            if (condition.Root is not null)
            {
                CheckCondition(condition.Root, condition, names, used, output);
            }
        }

        foreach (var detection in detections)
        {
            if (!used.Contains(detection.Name) && conditions.All(c => c.Root is not null))
            {
                output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.UnusedIdentifier,
                    $"The search identifier '{detection.Name}' is not used by the condition. Use it or remove it.", detection.Position));
            }
        }
    }

    private static IEnumerable<SigmaDetectionItem> Items(SigmaDetectionNode node) => node switch
    {
        SigmaDetectionItem item => [item],
        SigmaDetectionGroup group => group.Items.SelectMany(Items),
        _ => [],
    };

    private static void CheckCondition(SigmaConditionNode node, SigmaCondition condition, List<string> names, HashSet<string> used, List<SigmaDiagnostic> output)
    {
        switch (node)
        {
            case ConditionAnd and:
                CheckCondition(and.Left, condition, names, used, output);
                CheckCondition(and.Right, condition, names, used, output);
                break;
            case ConditionOr or:
                CheckCondition(or.Left, condition, names, used, output);
                CheckCondition(or.Right, condition, names, used, output);
                break;
            case ConditionNot not:
                CheckCondition(not.Operand, condition, names, used, output);
                break;
            case ConditionIdentifier identifier:
                if (names.Contains(identifier.Name))
                {
                    used.Add(identifier.Name);
                }
                else
                {
                    output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.UndefinedIdentifier,
                        $"The condition uses '{identifier.Name}', which is not defined in the detection. Define it or fix the name.",
                        condition.PositionAt(identifier.Offset)));
                }

                break;
            case ConditionQuantified quantified:
                var selected = quantified.Select(names);
                used.UnionWith(selected);
                if (selected.Count == 0)
                {
                    output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.PatternMatchesNothing,
                        $"'{quantified.Pattern ?? "them"}' matches no search identifier. Fix the pattern or define a matching identifier.",
                        condition.PositionAt(quantified.Offset)));
                }
                else if (quantified is { IsAll: true, IsThem: true })
                {
                    output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.AllOfThem,
                        "'all of them' is discouraged: it stops users from adding filters. Prefer 'all of selection*'.", condition.PositionAt(quantified.Offset)));
                }

                break;
        }
    }

    private static void CheckFilter(SigmaFilter filter, HashSet<string> known, List<SigmaDiagnostic> output)
    {
        var position = filter.Source.Find("filter")?.Key.Position ?? filter.Source.Position;
        if (filter.Rules.Count == 0)
        {
            output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.FilterMissing, "The filter has no 'rules'. List the ids or names of the rules it applies to.", position));
        }

        if (filter.Detections.Count == 0)
        {
            output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.FilterMissing, "The filter has no 'selection'. Add the events it should suppress.", position));
        }

        foreach (var rule in filter.Rules.Where(r => !known.Contains(r)))
        {
            output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.FilterUnknownRule,
                $"The filter refers to '{rule}', which is not among the rules given. Check the id or name.", position));
        }
    }

    private static void CheckCorrelation(SigmaCorrelationRule correlation, HashSet<string> known, List<SigmaDiagnostic> output)
    {
        var section = correlation.Source["correlation"] as YamlMapping;
        var position = section?.Position ?? correlation.Source.Position;
        var needsCondition = correlation.Type is not (SigmaCorrelationType.Temporal or SigmaCorrelationType.TemporalOrdered);
        if (needsCondition && correlation.Conditions.Count == 0)
        {
            output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.CorrelationMissing,
                "This correlation type needs a 'condition' such as 'gte: 10'.", position));
        }

        var needsField = correlation.Type is SigmaCorrelationType.ValueCount or SigmaCorrelationType.ValueSum
            or SigmaCorrelationType.ValueAvg or SigmaCorrelationType.ValuePercentile;
        if (needsField && correlation.Field is null)
        {
            output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.CorrelationField,
                "This correlation type needs 'field' in its condition: the field whose values are counted or aggregated.", section?["condition"]?.Position ?? position));
        }

        if (section?["group-by"] is null)
        {
            output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.CorrelationMissing,
                "The correlation has no 'group-by': all events count as one group. Add the fields that must be equal.", position));
        }

        foreach (var rule in correlation.Rules.Where(r => !known.Contains(r)))
        {
            output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.CorrelationUnknownRule,
                $"The correlation refers to '{rule}', which is not among the rules given. Check the id or name.", section?["rules"]?.Position ?? position));
        }

        foreach (var (alias, perRule) in correlation.Aliases)
        {
            foreach (var rule in perRule.Keys.Where(r => !correlation.Rules.Contains(r, StringComparer.Ordinal)))
            {
                output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.CorrelationAlias,
                    $"The alias '{alias}' names the rule '{rule}', which the correlation does not list in 'rules'.", section?["aliases"]?.Position ?? position));
            }

            if (!correlation.GroupBy.Contains(alias, StringComparer.Ordinal))
            {
                output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.CorrelationAlias,
                    $"The alias '{alias}' is not used in 'group-by'. Use it or remove it.", section?["aliases"]?.Position ?? position));
            }
        }
    }

    [GeneratedRegex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    private static partial Regex UuidPattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$")]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"^attack\.(t\d{4}(\.\d{3})?|(g|s|m|a|ds|ta)\d{4}|[a-z]+(-[a-z]+)*)$")]
    private static partial Regex AttackTagPattern();

    [GeneratedRegex(@"^attack\.t(\d{4}(?:\.\d{3})?)$")]
    private static partial Regex TechniqueTagPattern();

    [GeneratedRegex(@"^[a-z0-9_-]+(\.[a-z0-9_.-]+)+$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[a-z0-9_]+$")]
    private static partial Regex FileNamePattern();
}
