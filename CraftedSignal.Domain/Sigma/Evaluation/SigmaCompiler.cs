namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>Turns a parsed rule into matchers, once. Problems that stop a rule from running become diagnostics.</summary>
internal sealed class SigmaCompiler(FieldTable fields, SigmaEngineOptions options)
{
    private readonly List<SigmaDiagnostic> _diagnostics = [];
    private bool _failed;

    public IReadOnlyList<SigmaDiagnostic> Diagnostics => _diagnostics;

    /// <summary>How many regexes of the rule compiled last need the backtracking engine.</summary>
    public int BacktrackingPatterns { get; private set; }

    /// <summary>Compiles the conditions (OR-ed) over the search identifiers; null when the rule cannot run.</summary>
    public Matcher? Compile(IReadOnlyList<SigmaSearchIdentifier> detections, IReadOnlyList<SigmaCondition> conditions, SourcePosition position)
    {
        _diagnostics.Clear();
        _failed = false;
        BacktrackingPatterns = 0;
        var compiled = new Dictionary<string, Matcher>(StringComparer.Ordinal);
        foreach (var detection in detections)
        {
            compiled[detection.Name] = CompileNode(detection.Body);
        }

        if (conditions.Count == 0)
        {
            Fail(SigmaDiagnosticCodes.MissingCondition, "The detection has no condition. Add e.g. 'condition: selection'.", position);
        }

        var roots = new List<Matcher>();
        foreach (var condition in conditions)
        {
            if (condition.Root is null)
            {
                Fail(SigmaDiagnosticCodes.ConditionSyntax, "The condition cannot be parsed. Fix its syntax.", condition.Position);
                continue;
            }

            roots.Add(CompileCondition(condition.Root, condition, compiled, detections));
        }

        return _failed ? null : roots.Count == 1 ? roots[0] : new OrMatcher([.. roots]);
    }

    private Matcher CompileCondition(SigmaConditionNode node, SigmaCondition condition, Dictionary<string, Matcher> compiled,
        IReadOnlyList<SigmaSearchIdentifier> detections)
    {
        switch (node)
        {
            case ConditionAnd and:
                return Flatten<AndMatcher>(CompileCondition(and.Left, condition, compiled, detections), CompileCondition(and.Right, condition, compiled, detections), true);
            case ConditionOr or:
                return Flatten<OrMatcher>(CompileCondition(or.Left, condition, compiled, detections), CompileCondition(or.Right, condition, compiled, detections), false);
            case ConditionNot not:
                return new NotMatcher(CompileCondition(not.Operand, condition, compiled, detections));
            case ConditionIdentifier identifier:
                if (compiled.TryGetValue(identifier.Name, out var matcher))
                {
                    return matcher;
                }

                Fail(SigmaDiagnosticCodes.UndefinedIdentifier,
                    $"The condition uses '{identifier.Name}', which is not defined in the detection. Define it or fix the name.",
                    condition.PositionAt(identifier.Offset));
                return ConstantMatcher.False;
            default:
                var quantified = (ConditionQuantified)node;
                var selected = quantified.Select(detections.Select(d => d.Name)).Select(n => compiled[n]).ToArray();
                if (selected.Length == 0)
                {
                    Fail(SigmaDiagnosticCodes.PatternMatchesNothing,
                        $"'{quantified.Pattern ?? "them"}' matches no search identifier. Fix the pattern.", condition.PositionAt(quantified.Offset));
                    return ConstantMatcher.False;
                }

                return quantified.Count switch
                {
                    null => selected.Length == 1 ? selected[0] : new AndMatcher(selected),
                    1 => selected.Length == 1 ? selected[0] : new OrMatcher(selected),
                    var n => new AtLeastMatcher(selected, n.Value),
                };
        }
    }

    private static Matcher Flatten<T>(Matcher left, Matcher right, bool isAnd)
        where T : Matcher
    {
        var items = new List<Matcher>();
        foreach (var side in new[] { left, right })
        {
            if (side is T)
            {
                items.AddRange(isAnd ? ((AndMatcher)side).Items : ((OrMatcher)side).Items);
            }
            else
            {
                items.Add(side);
            }
        }

        return isAnd ? new AndMatcher([.. items]) : new OrMatcher([.. items]);
    }

    private Matcher CompileNode(SigmaDetectionNode node)
    {
        if (node is SigmaDetectionGroup group)
        {
            if (group.Items.Count == 0)
            {
                return ConstantMatcher.False;
            }

            var items = group.Items.Select(CompileNode).ToArray();
            return items.Length == 1 ? items[0] : group.Linking == SigmaLinking.And ? new AndMatcher(items) : new OrMatcher(items);
        }

        return CompileItem((SigmaDetectionItem)node);
    }

    private Matcher CompileItem(SigmaDetectionItem item)
    {
        var modifiers = item.Modifiers.Select(m => m.Modifier).ToList();
        bool Has(SigmaModifier m) => modifiers.Contains(m);
        var cased = Has(SigmaModifier.Cased);
        var all = Has(SigmaModifier.All);
        var slot = item.Field is null ? -1 : fields.Slot(item.Field);

        if (Has(SigmaModifier.Exists))
        {
            if (item.Field is null || item.Values is not [var existsValue])
            {
                Fail(SigmaDiagnosticCodes.ExistsNeedsBoolean, "'exists' needs a field and a single true or false.", item.Position);
                return ConstantMatcher.False;
            }

            var expected = existsValue switch
            {
                SigmaBoolean b => b.Value,
                SigmaString s when bool.TryParse(s.Original, out var parsed) => parsed,
                _ => (bool?)null,
            };
            if (expected is null)
            {
                Fail(SigmaDiagnosticCodes.ExistsNeedsBoolean, "'exists' takes true or false. Write 'Field|exists: true'.", existsValue.Position);
                return ConstantMatcher.False;
            }

            return new ExistsMatcher(slot, expected.Value);
        }

        var tests = new List<ValueTest>();
        var nullMatchers = new List<Matcher>();
        foreach (var value in item.Values)
        {
            if (value is SigmaNull)
            {
                if (slot < 0)
                {
                    Fail(SigmaDiagnosticCodes.ValueTypeNotAllowed, "A keyword cannot be null. Remove the null.", value.Position);
                    continue;
                }

                nullMatchers.Add(new NullMatcher(slot));
                continue;
            }

            if (CompileValue(item, value, modifiers, cased) is { } test)
            {
                tests.Add(test);
            }
        }

        if (tests.Count == 0 && nullMatchers.Count == 0)
        {
            return ConstantMatcher.False;
        }

        Matcher? valueMatcher = tests.Count == 0 ? null
            : slot < 0 ? new KeywordMatcher([.. tests], all)
            : new FieldMatcher(slot, [.. tests], all, Has(SigmaModifier.Neq));
        if (nullMatchers.Count == 0)
        {
            return valueMatcher!;
        }

        return valueMatcher is null ? nullMatchers[0] : new OrMatcher([nullMatchers[0], valueMatcher]);
    }

    private ValueTest? CompileValue(SigmaDetectionItem item, SigmaValue value, List<SigmaModifier> modifiers, bool cased)
    {
        bool Has(SigmaModifier m) => modifiers.Contains(m);
        var text = value switch
        {
            SigmaString s => s.Original,
            SigmaNumber n => n.Raw,
            SigmaBoolean b => b.Value ? "true" : "false",
            _ => string.Empty,
        };

        if (Has(SigmaModifier.FieldRef))
        {
            var kind = Has(SigmaModifier.StartsWith) ? StringTestKind.StartsWith
                : Has(SigmaModifier.EndsWith) ? StringTestKind.EndsWith
                : Has(SigmaModifier.Contains) ? StringTestKind.Contains
                : StringTestKind.Equals;
            return new FieldRefTest(fields.Slot(text), kind, cased);
        }

        if (Has(SigmaModifier.Re))
        {
            var (ignoreCase, multiline, dotAll) = (Has(SigmaModifier.ReIgnoreCase), Has(SigmaModifier.ReMultiline), Has(SigmaModifier.ReDotAll));
            var regex = SigmaRegex.Check(text, ignoreCase, multiline, dotAll);
            if (regex.Regex is null)
            {
                Fail(SigmaDiagnosticCodes.InvalidRegex, $"The regular expression is not valid: {regex.Error}. Fix the pattern.", value.Position);
                return null;
            }

            if (!regex.Linear)
            {
                _diagnostics.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.RegexNeedsTimeout, SigmaRegex.BacktrackingWarning(regex), value.Position));
                if (++BacktrackingPatterns > options.MaxBacktrackingPatterns)
                {
                    Fail(SigmaDiagnosticCodes.TooManyBacktrackingPatterns,
                        SigmaRegex.TooManyBacktrackingPatterns(BacktrackingPatterns, options.MaxBacktrackingPatterns.Value), value.Position);
                    return null;
                }
            }

            // Validated now; built again, and kept, only if an event reaches it.
            return new RegexTest(() => SigmaRegex.Create(text, ignoreCase, multiline, dotAll).Regex!, RegexLiterals.Longest(text), regex.Linear);
        }

        if (Has(SigmaModifier.Cidr))
        {
            if (!Cidr.TryParse(text, out var network, out var prefix))
            {
                Fail(SigmaDiagnosticCodes.InvalidCidr, $"'{text}' is not a CIDR network. Write e.g. '10.0.0.0/8' or 'fe80::/10'.", value.Position);
                return null;
            }

            return new CidrTest(network, prefix);
        }

        var comparison = modifiers.Select(ToComparison).FirstOrDefault(c => c is not null);
        var timePart = modifiers.FirstOrDefault(SigmaModifiers.IsTimePart);
        if (comparison is not null || SigmaModifiers.IsTimePart(timePart))
        {
            if (value is not SigmaNumber number || double.IsNaN(number.Value))
            {
                Fail(SigmaDiagnosticCodes.ValueTypeNotAllowed, $"'{text}' is not a number; lt, lte, gt, gte and the time modifiers compare numbers.", value.Position);
                return null;
            }

            return SigmaModifiers.IsTimePart(timePart)
                ? new TimePartTest(timePart, comparison ?? Comparison.Eq, number.Value)
                : new CompareTest(comparison!.Value, number.Value);
        }

        var transforms = modifiers.Any(m => SigmaModifiers.IsStringMatch(m) || SigmaModifiers.IsBase64(m) || SigmaModifiers.IsEncoding(m)
            || m is SigmaModifier.Windash or SigmaModifier.Expand);
        switch (value)
        {
            case SigmaNumber number when !transforms && item.Field is not null:
                return new NumberTest(number);
            case SigmaBoolean boolean when !transforms && item.Field is not null:
                return new BooleanTest(boolean.Value);
        }

        var sigmaString = value as SigmaString ?? SigmaString.FromLiteral(text, value.Position);
        var alternatives = new List<ValueTransforms.Alternative> { new(sigmaString.Parts, false) };
        foreach (var modifier in modifiers)
        {
            List<ValueTransforms.Alternative>? next = modifier switch
            {
                SigmaModifier.Expand => ValueTransforms.Expand(alternatives, options.Placeholders, name => Fail(SigmaDiagnosticCodes.UnresolvedPlaceholder,
                    $"The placeholder '%{name}%' has no values. Configure its values (placeholders) or remove 'expand'.", value.Position)),
                SigmaModifier.Utf16Le or SigmaModifier.Wide or SigmaModifier.Utf16Be or SigmaModifier.Utf16 => ValueTransforms.Encode(alternatives, modifier),
                SigmaModifier.Base64 or SigmaModifier.Base64Offset => ValueTransforms.Base64(alternatives, modifier == SigmaModifier.Base64Offset,
                    message => Fail(SigmaDiagnosticCodes.MisplacedModifier, message, value.Position)),
                SigmaModifier.Windash => ValueTransforms.Windash(alternatives, message => Fail(SigmaDiagnosticCodes.WindashTooManyVariants, message, value.Position)),
                SigmaModifier.Contains => ValueTransforms.Wrap(alternatives, true, true),
                SigmaModifier.StartsWith => ValueTransforms.Wrap(alternatives, false, true),
                SigmaModifier.EndsWith => ValueTransforms.Wrap(alternatives, true, false),
                _ => alternatives,
            };
            if (next is null)
            {
                return null;
            }

            alternatives = next;
        }

        if (item.Field is null)
        {
            alternatives = ValueTransforms.Wrap(alternatives, true, true);
        }

        var tests = alternatives.Select(a => ToStringTest(a.Parts, cased)).Distinct().ToArray();
        return tests.Length == 1 ? tests[0] : new AnyOfTest(tests);
    }

    private static ValueTest ToStringTest(IReadOnlyList<SigmaStringPart> parts, bool cased)
    {
        var leading = parts.Count > 0 && parts[0].Kind == SigmaStringPartKind.AnyChars;
        var trailing = parts.Count > 1 && parts[^1].Kind == SigmaStringPartKind.AnyChars;
        var middle = parts.Skip(leading ? 1 : 0).Take(parts.Count - (leading ? 1 : 0) - (trailing ? 1 : 0)).ToList();
        if (middle.Count == 0)
        {
            return leading ? new StringTest(StringTestKind.Any, string.Empty, cased) : new StringTest(StringTestKind.Equals, string.Empty, cased);
        }

        if (middle.Count == 1 && middle[0].Kind == SigmaStringPartKind.Literal)
        {
            var kind = (leading, trailing) switch
            {
                (true, true) => StringTestKind.Contains,
                (true, false) => StringTestKind.EndsWith,
                (false, true) => StringTestKind.StartsWith,
                _ => StringTestKind.Equals,
            };
            return new StringTest(kind, middle[0].Text, cased);
        }

        return new GlobTest(parts, cased);
    }

    private static Comparison? ToComparison(SigmaModifier modifier) => modifier switch
    {
        SigmaModifier.Lt => Comparison.Lt,
        SigmaModifier.Lte => Comparison.Lte,
        SigmaModifier.Gt => Comparison.Gt,
        SigmaModifier.Gte => Comparison.Gte,
        _ => null,
    };

    private void Fail(string code, string message, SourcePosition position)
    {
        _failed = true;
        _diagnostics.Add(SigmaDiagnostic.Error(code, message, position));
    }
}

/// <summary>Settings of the matching engine.</summary>
public sealed record SigmaEngineOptions
{
    public static SigmaEngineOptions Default { get; } = new();

    /// <summary>Values for <c>%name%</c> placeholders used with the <c>expand</c> modifier.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Placeholders { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Routes events to the rules of their log source; rules with an unmapped log source see every event.</summary>
    public LogSourceMap LogSourceMap { get; init; } = LogSourceMap.BuiltIn;

    /// <summary>
    /// Skip rules whose required substrings are absent from the event (see <c>RulePrefilter</c>). Results are the same
    /// either way; false evaluates every routed rule, for comparison.
    /// </summary>
    public bool Prefilter { get; init; } = true;

    /// <summary>
    /// The most regexes a rule may have that need the backtracking engine; a rule with more does not compile
    /// (<see cref="SigmaDiagnosticCodes.TooManyBacktrackingPatterns"/>). Null, the default, sets no limit.
    /// </summary>
    public int? MaxBacktrackingPatterns { get; init; }
}
