using System.Globalization;
using CraftedSignal.Domain.Sigma.Correlation;

namespace CraftedSignal.Domain.Sigma.Parsing;

/// <summary>
/// Reads Sigma YAML (single rules and multi-document collections with <c>action: global|reset|repeat</c>) into
/// <see cref="SigmaRule"/>, <see cref="SigmaCorrelationRule"/> and <see cref="SigmaFilter"/> documents. Never throws on
/// bad input: problems become diagnostics and the document is left out.
/// </summary>
public static class SigmaParser
{
    public static SigmaFile ParseFile(string path, string? displayPath = null)
    {
        displayPath ??= path;
        try
        {
            var info = new FileInfo(path);
            if (info.Length > SigmaYamlReader.MaxBytes)
            {
                return new SigmaFile(displayPath, [], [SigmaDiagnostic.Error(SigmaDiagnosticCodes.FileTooLarge,
                    $"The file is {info.Length:N0} bytes; Sigma files are limited to {SigmaYamlReader.MaxBytes:N0} bytes. Split it into smaller files.",
                    new SourcePosition(1, 1))]);
            }

            return Parse(File.ReadAllBytes(path), displayPath);
        }
        catch (IOException ex)
        {
            return Unreadable(displayPath, ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            return Unreadable(displayPath, ex.Message);
        }
    }

    public static SigmaFile Parse(byte[] bytes, string path = "<input>") => Build(SigmaYamlReader.Read(bytes), path);

    public static SigmaFile Parse(string text, string path = "<input>") => Build(SigmaYamlReader.Read(text), path);

    private static SigmaFile Unreadable(string path, string message) =>
        new(path, [], [SigmaDiagnostic.Error(SigmaDiagnosticCodes.UnreadableFile, $"The file cannot be read: {message}", new SourcePosition(1, 1))]);

    private static SigmaFile Build(YamlReadResult yaml, string path)
    {
        var diagnostics = new List<SigmaDiagnostic>(yaml.Diagnostics);
        var documents = new List<SigmaDocument>();
        YamlMapping? global = null;
        YamlMapping? previous = null;

        for (var index = 0; index < yaml.Documents.Count; index++)
        {
            var node = yaml.Documents[index];
            if (node is null || node is YamlScalar { IsNull: true })
            {
                continue;
            }

            if (node is not YamlMapping map)
            {
                diagnostics.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.DocumentNotMapping,
                    "A Sigma document must be a mapping of keys (title, logsource, detection, ...), not a list or a single value.", node.Position));
                continue;
            }

            if (map.Find("action") is { } action)
            {
                var verb = (action.Value as YamlScalar)?.Text;
                var rest = new YamlMapping([.. map.Entries.Where(e => e.Key.Text != "action")], map.Position);
                switch (verb)
                {
                    case "global":
                        global = rest;
                        continue;
                    case "reset":
                        global = null;
                        continue;
                    case "repeat" when previous is not null:
                        map = Merge(previous, rest);
                        break;
                    default:
                        diagnostics.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.UnknownDocumentKind,
                            $"Unknown collection action '{verb}'. Use 'global', 'reset' or 'repeat' (after a rule).", action.Value.Position));
                        continue;
                }
            }
            else if (global is not null)
            {
                map = Merge(global, map);
            }

            previous = map;
            var parser = new DocumentParser(diagnostics);
            var errorsBefore = diagnostics.Count(d => d.IsError);
            if (parser.Parse(map, index) is { } document)
            {
                documents.Add(document with { HasErrors = diagnostics.Count(d => d.IsError) > errorsBefore });
            }
        }

        return new SigmaFile(path, documents, diagnostics.Select(d => d with { Path = path }).ToList());
    }

    /// <summary>Deep-merges <paramref name="overlay"/> onto <paramref name="baseMap"/>: nested mappings merge, other values replace.</summary>
    private static YamlMapping Merge(YamlMapping baseMap, YamlMapping overlay)
    {
        var entries = new List<YamlEntry>(baseMap.Entries);
        foreach (var entry in overlay.Entries)
        {
            var existing = entries.FindIndex(e => e.Key.Text == entry.Key.Text);
            if (existing < 0)
            {
                entries.Add(entry);
            }
            else if (entries[existing].Value is YamlMapping a && entry.Value is YamlMapping b)
            {
                entries[existing] = new YamlEntry(entries[existing].Key, Merge(a, b));
            }
            else
            {
                entries[existing] = entry;
            }
        }

        return new YamlMapping(entries, overlay.Position);
    }

    private sealed class DocumentParser(List<SigmaDiagnostic> diagnostics)
    {
        public SigmaDocument? Parse(YamlMapping map, int index)
        {
            var metadata = ParseMetadata(map);
            if (map.Find("correlation") is { } correlation)
            {
                return ParseCorrelation(map, correlation, metadata, index);
            }

            if (map.Find("filter") is { } filter && map.Find("detection") is null)
            {
                return ParseFilter(map, filter, metadata, index);
            }

            var logSource = ParseLogSource(map);
            var detection = map.Find("detection");
            if (detection is null)
            {
                Error(SigmaDiagnosticCodes.MissingField, "The rule has no 'detection' section. Add one with search identifiers and a condition.", map.Position);
                return null;
            }

            if (detection.Value is not YamlMapping detectionMap)
            {
                Error(SigmaDiagnosticCodes.WrongType, "'detection' must be a mapping of search identifiers and a 'condition'.", detection.Value.Position);
                return null;
            }

            var (identifiers, conditions) = ParseDetection(detectionMap, detection.Key.Position, "detection");
            return new SigmaRule(metadata, logSource ?? new SigmaLogSource(null, null, null, null, map.Position), identifiers, conditions, map, index);
        }

        private SigmaMetadata ParseMetadata(YamlMapping map) => new(
            Text(map, "title"),
            Text(map, "id"),
            Text(map, "name"),
            Text(map, "status"),
            Text(map, "description"),
            Text(map, "author"),
            Text(map, "date"),
            Text(map, "modified"),
            Text(map, "level"),
            TextList(map, "tags"),
            TextList(map, "references"),
            TextList(map, "falsepositives"),
            TextList(map, "fields"),
            ParseRelated(map));

        private List<SigmaRelated> ParseRelated(YamlMapping map)
        {
            var related = new List<SigmaRelated>();
            if (map["related"] is not { } node)
            {
                return related;
            }

            if (node is not YamlSequence sequence)
            {
                Error(SigmaDiagnosticCodes.WrongType, "'related' must be a list of entries with 'id' and 'type'.", node.Position);
                return related;
            }

            foreach (var item in sequence.Items)
            {
                if (item is YamlMapping entry && entry["id"] is YamlScalar id && entry["type"] is YamlScalar type)
                {
                    related.Add(new SigmaRelated(id.Text, type.Text, item.Position));
                }
                else
                {
                    Error(SigmaDiagnosticCodes.InvalidRelated, "Each 'related' entry needs an 'id' and a 'type' (derived, obsolete, merged, renamed, similar).", item.Position);
                }
            }

            return related;
        }

        private SigmaLogSource? ParseLogSource(YamlMapping map)
        {
            var entry = map.Find("logsource");
            if (entry is null)
            {
                Error(SigmaDiagnosticCodes.MissingField, "The rule has no 'logsource'. Add one with category, product and/or service.", map.Position);
                return null;
            }

            if (entry.Value is not YamlMapping logSource)
            {
                Error(SigmaDiagnosticCodes.WrongType, "'logsource' must be a mapping with category, product and/or service.", entry.Value.Position);
                return null;
            }

            return new SigmaLogSource(Text(logSource, "category"), Text(logSource, "product"), Text(logSource, "service"),
                Text(logSource, "definition"), entry.Key.Position);
        }

        private (List<SigmaSearchIdentifier>, List<SigmaCondition>) ParseDetection(YamlMapping map, SourcePosition sectionPosition, string section)
        {
            var identifiers = new List<SigmaSearchIdentifier>();
            var conditions = new List<SigmaCondition>();
            foreach (var entry in map.Entries)
            {
                switch (entry.Key.Text)
                {
                    case "condition":
                        ParseConditions(entry.Value, conditions);
                        break;
                    case "timeframe":
                        break;
                    default:
                        if (ParseBody(entry.Value, entry.Key.Text) is { } body)
                        {
                            identifiers.Add(new SigmaSearchIdentifier(entry.Key.Text, body, entry.Key.Position));
                        }

                        break;
                }
            }

            if (map.Find("condition") is null)
            {
                Error(SigmaDiagnosticCodes.MissingCondition, $"The '{section}' section has no 'condition'. Add e.g. 'condition: selection'.", sectionPosition);
            }

            return (identifiers, conditions);
        }

        private void ParseConditions(YamlNode node, List<SigmaCondition> conditions)
        {
            var items = node switch
            {
                YamlSequence sequence => sequence.Items,
                _ => [node],
            };
            foreach (var item in items)
            {
                if (item is not YamlScalar { IsNull: false } scalar)
                {
                    Error(SigmaDiagnosticCodes.WrongType, "A condition must be a string such as 'selection and not filter'.", item.Position);
                    continue;
                }

                var (root, error) = ConditionParser.Parse(scalar.Text);
                if (error is not null)
                {
                    Error(SigmaDiagnosticCodes.ConditionSyntax, error.Message, ConditionPosition(scalar, error.Offset));
                }

                conditions.Add(new SigmaCondition(scalar.Text, root, ConditionPosition(scalar, 0)));
            }
        }

        private SigmaDetectionNode? ParseBody(YamlNode node, string name)
        {
            switch (node)
            {
                case YamlMapping map:
                    if (map.Entries.Count == 0)
                    {
                        Error(SigmaDiagnosticCodes.EmptySearch, $"The search identifier '{name}' is empty. Add field tests or remove it.", map.Position);
                        return null;
                    }

                    // Items with errors are left out but the identifier stays, so the condition does not report it as undefined.
                    var items = map.Entries.Select(ParseItem).OfType<SigmaDetectionNode>().ToList();
                    return new SigmaDetectionGroup(SigmaLinking.And, items, map.Position);
                case YamlSequence sequence:
                    if (sequence.Items.Count == 0)
                    {
                        Error(SigmaDiagnosticCodes.EmptySearch, $"The search identifier '{name}' is an empty list. Add values or remove it.", sequence.Position);
                        return null;
                    }

                    if (sequence.Items.All(i => i is YamlScalar))
                    {
                        var values = ParseValues(sequence, [], name);
                        return new SigmaDetectionItem(null, [], values, sequence.Position);
                    }

                    var alternatives = new List<SigmaDetectionNode>();
                    foreach (var item in sequence.Items)
                    {
                        var parsed = item switch
                        {
                            YamlScalar scalar => new SigmaDetectionItem(null, [], [ParseValue(scalar, [])], scalar.Position),
                            YamlMapping => ParseBody(item, name),
                            _ => InvalidBody(item, name),
                        };
                        if (parsed is not null)
                        {
                            alternatives.Add(parsed);
                        }
                    }

                    return alternatives.Count == 0 ? null : new SigmaDetectionGroup(SigmaLinking.Or, alternatives, sequence.Position);
                case YamlScalar { IsNull: true }:
                    Error(SigmaDiagnosticCodes.EmptySearch, $"The search identifier '{name}' has no content. Add field tests or remove it.", node.Position);
                    return null;
                default:
                    return InvalidBody(node, name);
            }
        }

        private SigmaDetectionNode? InvalidBody(YamlNode node, string name)
        {
            Error(SigmaDiagnosticCodes.InvalidSearch,
                $"The search identifier '{name}' must be a mapping of field tests or a list (of keywords or mappings).", node.Position);
            return null;
        }

        private SigmaDetectionItem? ParseItem(YamlEntry entry)
        {
            var key = entry.Key;
            var segments = key.Text.Split('|');
            var field = segments[0];
            var keyColumn = key.Position.Column + (key.Quoted ? 1 : 0);
            var modifiers = new List<SigmaModifierUse>();
            var offset = field.Length + 1;
            var valid = true;
            for (var i = 1; i < segments.Length; i++)
            {
                var name = segments[i];
                var position = new SourcePosition(key.Position.Line, keyColumn + offset);
                if (SigmaModifiers.TryParse(name, out var modifier))
                {
                    modifiers.Add(new SigmaModifierUse(modifier, name, position));
                }
                else
                {
                    valid = false;
                    Error(SigmaDiagnosticCodes.UnknownModifier, UnknownModifierMessage(name), position);
                }

                offset += name.Length + 1;
            }

            if (field.Length == 0 && segments.Length == 1)
            {
                Error(SigmaDiagnosticCodes.EmptyFieldName, "A field name is empty. Write the field name before ':' (or '|all' for keywords).", key.Position);
                return null;
            }

            var values = ParseValues(entry.Value, modifiers, field);
            return valid ? new SigmaDetectionItem(field.Length == 0 ? null : field, modifiers, values, key.Position) : null;
        }

        private static string UnknownModifierMessage(string name)
        {
            var suggestion = SigmaModifiers.Names.MinBy(n => Distance(n, name));
            return name.Length == 0
                ? "An empty modifier ('||' or a trailing '|'). Remove the extra '|'."
                : $"Unknown modifier '{name}'. Did you mean '{suggestion}'? Valid modifiers are listed in the Sigma modifier appendix.";
        }

        private static int Distance(string a, string b)
        {
            var d = new int[a.Length + 1, b.Length + 1];
            for (var i = 0; i <= a.Length; i++)
            {
                d[i, 0] = i;
            }

            for (var j = 0; j <= b.Length; j++)
            {
                d[0, j] = j;
            }

            for (var i = 1; i <= a.Length; i++)
            {
                for (var j = 1; j <= b.Length; j++)
                {
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                }
            }

            return d[a.Length, b.Length];
        }

        private List<SigmaValue> ParseValues(YamlNode node, List<SigmaModifierUse> modifiers, string field)
        {
            switch (node)
            {
                case YamlScalar scalar:
                    return [ParseValue(scalar, modifiers)];
                case YamlSequence sequence:
                    var values = new List<SigmaValue>(sequence.Items.Count);
                    foreach (var item in sequence.Items)
                    {
                        if (item is YamlScalar scalar)
                        {
                            values.Add(ParseValue(scalar, modifiers));
                        }
                        else
                        {
                            Error(SigmaDiagnosticCodes.WrongType, $"The values of '{field}' must be plain values, not nested lists or mappings.", item.Position);
                        }
                    }

                    if (sequence.Items.Count == 0)
                    {
                        Error(SigmaDiagnosticCodes.EmptySearch, $"'{field}' has an empty list of values. Add values or use 'null'.", sequence.Position);
                    }

                    return values;
                default:
                    Error(SigmaDiagnosticCodes.WrongType, $"The value of '{field}' must be a value or a list of values, not a mapping.", node.Position);
                    return [];
            }
        }

        private static SigmaValue ParseValue(YamlScalar scalar, List<SigmaModifierUse> modifiers)
        {
            var raw = modifiers.Any(m => m.Modifier is SigmaModifier.Re or SigmaModifier.Cidr or SigmaModifier.FieldRef);
            return scalar.Kind switch
            {
                YamlScalarKind.Null => new SigmaNull(scalar.Position),
                YamlScalarKind.Boolean => new SigmaBoolean(scalar.IsTrue, scalar.Position),
                YamlScalarKind.Integer or YamlScalarKind.Float => SigmaNumber.Parse(scalar.Text, scalar.Position),
                _ when raw => SigmaString.FromLiteral(scalar.Text, scalar.Position),
                _ => SigmaString.Parse(scalar.Text, scalar.Position, modifiers.Any(m => m.Modifier == SigmaModifier.Expand)),
            };
        }

        private SigmaCorrelationRule? ParseCorrelation(YamlMapping map, YamlEntry entry, SigmaMetadata metadata, int index)
        {
            if (entry.Value is not YamlMapping correlation)
            {
                Error(SigmaDiagnosticCodes.WrongType, "'correlation' must be a mapping with type, rules, group-by, timespan and condition.", entry.Value.Position);
                return null;
            }

            var typeText = Text(correlation, "type");
            SigmaCorrelationType? type = typeText switch
            {
                "event_count" => SigmaCorrelationType.EventCount,
                "value_count" => SigmaCorrelationType.ValueCount,
                "temporal" => SigmaCorrelationType.Temporal,
                "temporal_ordered" => SigmaCorrelationType.TemporalOrdered,
                "value_sum" => SigmaCorrelationType.ValueSum,
                "value_avg" => SigmaCorrelationType.ValueAvg,
                "value_percentile" => SigmaCorrelationType.ValuePercentile,
                _ => null,
            };
            if (type is null)
            {
                Error(SigmaDiagnosticCodes.CorrelationType,
                    typeText is null
                        ? "The correlation has no 'type'. Use event_count, value_count, temporal, temporal_ordered, value_sum, value_avg or value_percentile."
                        : $"Unknown correlation type '{typeText}'. Use event_count, value_count, temporal, temporal_ordered, value_sum, value_avg or value_percentile.",
                    correlation["type"]?.Position ?? entry.Key.Position);
                return null;
            }

            var rules = TextList(correlation, "rules");
            var temporal = type is SigmaCorrelationType.Temporal or SigmaCorrelationType.TemporalOrdered;
            var expression = temporal ? correlation["condition"] as YamlScalar : null;
            var extended = expression is { IsNull: false }
                ? ParseExtendedCondition(expression, rules, correlation["rules"]?.Position ?? entry.Key.Position)
                : null;
            if (rules.Count == 0 && expression is not { IsNull: false })
            {
                Error(SigmaDiagnosticCodes.CorrelationMissing, "The correlation has no 'rules'. List the ids or names of the rules it correlates.", entry.Key.Position);
            }

            var timespanText = Text(correlation, "timespan");
            var timespan = TimeSpan.Zero;
            if (timespanText is null)
            {
                Error(SigmaDiagnosticCodes.CorrelationMissing, "The correlation has no 'timespan'. Add one such as '5m' or '1h'.", entry.Key.Position);
            }
            else if (!TryParseTimespan(timespanText, out timespan))
            {
                Error(SigmaDiagnosticCodes.CorrelationTimespan,
                    $"The timespan '{timespanText}' is not valid. Write a number and a unit: s, m, h, d (e.g. '90m').", correlation["timespan"]!.Position);
            }

            var groupBy = TextList(correlation, "group-by");
            var conditions = new List<SigmaCorrelationCondition>();
            string? field = null;
            if (correlation["condition"] is YamlMapping condition)
            {
                foreach (var c in condition.Entries)
                {
                    if (c.Key.Text == "field")
                    {
                        field = (c.Value as YamlScalar)?.Text;
                        continue;
                    }

                    SigmaComparison? comparison = c.Key.Text switch
                    {
                        "gt" => SigmaComparison.Gt,
                        "gte" => SigmaComparison.Gte,
                        "lt" => SigmaComparison.Lt,
                        "lte" => SigmaComparison.Lte,
                        "eq" => SigmaComparison.Eq,
                        "neq" => SigmaComparison.Neq,
                        _ => null,
                    };
                    if (comparison is null)
                    {
                        Error(SigmaDiagnosticCodes.CorrelationCondition, $"Unknown condition operator '{c.Key.Text}'. Use gt, gte, lt, lte, eq or neq (and 'field').", c.Key.Position);
                    }
                    else if (c.Value is YamlScalar { Kind: YamlScalarKind.Integer or YamlScalarKind.Float } number)
                    {
                        conditions.Add(new SigmaCorrelationCondition(comparison.Value, SigmaNumber.Parse(number.Text, number.Position).Value));
                    }
                    else
                    {
                        Error(SigmaDiagnosticCodes.CorrelationCondition, $"The value of '{c.Key.Text}' must be a number.", c.Value.Position);
                    }
                }
            }
            else if (correlation["condition"] is { } other && !temporal)
            {
                Error(SigmaDiagnosticCodes.CorrelationCondition, "The correlation 'condition' must be a mapping such as 'gte: 10'.", other.Position);
            }
            else if (correlation["condition"] is { } notExpression && notExpression is not YamlScalar { IsNull: false })
            {
                Error(SigmaDiagnosticCodes.CorrelationCondition,
                    "The correlation 'condition' must be a mapping such as 'gte: 2' or an expression over the rules such as 'rule_a and not rule_b'.", notExpression.Position);
            }

            var aliases = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
            if (correlation["aliases"] is YamlMapping aliasMap)
            {
                foreach (var alias in aliasMap.Entries)
                {
                    if (alias.Value is YamlMapping perRule && perRule.Entries.All(e => e.Value is YamlScalar))
                    {
                        aliases[alias.Key.Text] = perRule.Entries.ToDictionary(e => e.Key.Text, e => ((YamlScalar)e.Value).Text, StringComparer.Ordinal);
                    }
                    else
                    {
                        Error(SigmaDiagnosticCodes.CorrelationAlias, $"The alias '{alias.Key.Text}' must map rule names to field names.", alias.Value.Position);
                    }
                }
            }
            else if (correlation["aliases"] is { } badAliases)
            {
                Error(SigmaDiagnosticCodes.CorrelationAlias, "'aliases' must be a mapping of alias names to (rule name: field) mappings.", badAliases.Position);
            }

            var generateNode = correlation["generate"] ?? map["generate"];
            var generate = generateNode is YamlScalar { IsTrue: true };
            return new SigmaCorrelationRule(metadata, type.Value, extended?.Rules ?? rules, groupBy, timespan, conditions, field, aliases, generate, map, index)
            {
                ExtendedCondition = extended?.Root,
            };
        }

        /// <summary>
        /// A temporal correlation's condition written as an expression over rule names. Without 'rules' the names come
        /// from the expression (in order of first appearance); with 'rules' both must name the same rules, as in pySigma.
        /// </summary>
        private (SigmaConditionNode Root, IReadOnlyList<string> Rules)? ParseExtendedCondition(YamlScalar expression, IReadOnlyList<string> rules, SourcePosition rulesPosition)
        {
            var (root, syntaxError) = ConditionParser.Parse(expression.Text);
            if (root is null)
            {
                Error(SigmaDiagnosticCodes.CorrelationCondition, $"The correlation condition '{expression.Text}' does not parse: {syntaxError!.Message}", expression.Position);
                return null;
            }

            if (ExtendedCondition.References(root) is not { } referenced)
            {
                Error(SigmaDiagnosticCodes.CorrelationCondition,
                    $"The correlation condition '{expression.Text}' may only combine rule names with and, or, not and parentheses ('1 of'/'all of' are not allowed).", expression.Position);
                return null;
            }

            if (rules.Count == 0)
            {
                return (root, referenced);
            }

            var unreferenced = rules.Except(referenced, StringComparer.Ordinal).ToList();
            var undefined = referenced.Except(rules, StringComparer.Ordinal).ToList();
            if (unreferenced.Count > 0)
            {
                Error(SigmaDiagnosticCodes.CorrelationCondition,
                    $"The rules {string.Join(", ", unreferenced.Select(r => $"'{r}'"))} are listed in 'rules' but not used in the condition '{expression.Text}'.", rulesPosition);
            }

            if (undefined.Count > 0)
            {
                Error(SigmaDiagnosticCodes.CorrelationCondition,
                    $"The condition '{expression.Text}' uses {string.Join(", ", undefined.Select(r => $"'{r}'"))}, which 'rules' does not list.", expression.Position);
            }

            return unreferenced.Count > 0 || undefined.Count > 0 ? null : (root, rules);
        }

        private SigmaFilter? ParseFilter(YamlMapping map, YamlEntry entry, SigmaMetadata metadata, int index)
        {
            if (entry.Value is not YamlMapping filter)
            {
                Error(SigmaDiagnosticCodes.WrongType, "'filter' must be a mapping with rules, selection and condition.", entry.Value.Position);
                return null;
            }

            var logSource = ParseLogSource(map);
            var rules = TextList(filter, "rules");
            var detectionOnly = new YamlMapping([.. filter.Entries.Where(e => e.Key.Text != "rules")], filter.Position);
            var (identifiers, conditions) = ParseDetection(detectionOnly, entry.Key.Position, "filter");
            return new SigmaFilter(metadata, logSource ?? new SigmaLogSource(null, null, null, null, map.Position), rules, identifiers, conditions, map, index);
        }

        public static bool TryParseTimespan(string text, out TimeSpan timespan)
        {
            timespan = TimeSpan.Zero;
            if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0 || amount > 100_000_000)
            {
                return false;
            }

            TimeSpan? parsed = text[^1] switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                'd' => TimeSpan.FromDays(amount),
                'w' => TimeSpan.FromDays(7 * amount),
                'M' => TimeSpan.FromDays(30 * amount),
                'y' => TimeSpan.FromDays(365 * amount),
                _ => null,
            };
            timespan = parsed ?? TimeSpan.Zero;
            return parsed is not null;
        }

        private string? Text(YamlMapping map, string key)
        {
            var node = map[key];
            switch (node)
            {
                case null:
                case YamlScalar { IsNull: true }:
                    return null;
                case YamlScalar scalar:
                    return scalar.Text;
                default:
                    Error(SigmaDiagnosticCodes.WrongType, $"'{key}' must be a single value, not a list or mapping.", node.Position);
                    return null;
            }
        }

        private List<string> TextList(YamlMapping map, string key)
        {
            var node = map[key];
            switch (node)
            {
                case null:
                case YamlScalar { IsNull: true }:
                    return [];
                case YamlScalar scalar:
                    return [scalar.Text];
                case YamlSequence sequence:
                    var list = new List<string>(sequence.Items.Count);
                    foreach (var item in sequence.Items)
                    {
                        if (item is YamlScalar { IsNull: false } s)
                        {
                            list.Add(s.Text);
                        }
                        else
                        {
                            Error(SigmaDiagnosticCodes.WrongType, $"Each entry of '{key}' must be a single value.", item.Position);
                        }
                    }

                    return list;
                default:
                    Error(SigmaDiagnosticCodes.WrongType, $"'{key}' must be a list of values, not a mapping.", node.Position);
                    return [];
            }
        }

        private void Error(string code, string message, SourcePosition position) =>
            diagnostics.Add(SigmaDiagnostic.Error(code, message, position));
    }

    /// <summary>The position of a character of a condition, accounting for quoting of single-line scalars.</summary>
    public static SourcePosition ConditionPosition(YamlScalar scalar, int offset) =>
        scalar.Text.Contains('\n') ? scalar.Position : scalar.Position.Offset(offset + (scalar.Quoted ? 1 : 0));

    public static bool TryParseTimespan(string text, out TimeSpan timespan) => DocumentParser.TryParseTimespan(text, out timespan);
}
