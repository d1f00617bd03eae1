using CraftedSignal.Domain.Sigma.Evaluation;

namespace CraftedSignal.Domain.Sigma.Validation;

/// <summary>Which modifiers may be combined, in which order, and with which values.</summary>
internal static class ModifierRules
{
    public static void Check(SigmaDetectionItem item, List<SigmaDiagnostic> output)
    {
        var uses = item.Modifiers;
        var kinds = uses.Select(u => u.Modifier).ToList();
        bool Has(SigmaModifier m) => kinds.Contains(m);
        SourcePosition At(SigmaModifier m) => uses.First(u => u.Modifier == m).Position;
        void Incompatible(SigmaModifier at, string message) =>
            output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.IncompatibleModifiers, message, At(at)));
        void Misplaced(SigmaModifier at, string message) =>
            output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.MisplacedModifier, message, At(at)));

        foreach (var duplicate in uses.GroupBy(u => u.Modifier).Where(g => g.Count() > 1))
        {
            output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.IncompatibleModifiers,
                $"The modifier '{duplicate.First().Name}' is used twice. Remove the repetition.", duplicate.Skip(1).First().Position));
        }

        var stringMatch = kinds.Where(SigmaModifiers.IsStringMatch).ToList();
        if (stringMatch.Count > 1)
        {
            Incompatible(stringMatch[1], "Use only one of startswith, endswith and contains.");
        }

        var comparisons = kinds.Where(SigmaModifiers.IsNumeric).ToList();
        if (comparisons.Count > 1)
        {
            Incompatible(comparisons[1], "Use only one of lt, lte, gt and gte; express ranges as two selections.");
        }

        var timeParts = kinds.Where(SigmaModifiers.IsTimePart).ToList();
        if (timeParts.Count > 1)
        {
            Incompatible(timeParts[1], "Use only one of minute, hour, day, week, month and year.");
        }

        if (Has(SigmaModifier.Base64) && Has(SigmaModifier.Base64Offset))
        {
            Incompatible(SigmaModifier.Base64Offset, "Use either base64 or base64offset, not both.");
        }

        if (kinds.Count(SigmaModifiers.IsEncoding) > 1)
        {
            Incompatible(kinds.Where(SigmaModifiers.IsEncoding).Skip(1).First(), "Use only one of utf16le, utf16be, utf16 and wide.");
        }

        var base64Index = kinds.FindIndex(SigmaModifiers.IsBase64);
        foreach (var (kind, index) in kinds.Select((k, i) => (k, i)))
        {
            if (SigmaModifiers.IsEncoding(kind) && base64Index >= 0 && index > base64Index)
            {
                Misplaced(kind, $"'{Name(uses, kind)}' must come before base64/base64offset: the text is encoded first, then base64-encoded.");
            }

            if (SigmaModifiers.IsStringMatch(kind) && base64Index >= 0 && index < base64Index)
            {
                Misplaced(kind, $"'{Name(uses, kind)}' before base64 would base64-encode wildcards. Write it after: '|base64offset|contains'.");
            }
        }

        foreach (var flag in kinds.Where(SigmaModifiers.IsRegexFlag))
        {
            var reIndex = kinds.IndexOf(SigmaModifier.Re);
            if (reIndex < 0 || kinds.IndexOf(flag) < reIndex)
            {
                Misplaced(flag, $"'{Name(uses, flag)}' is a flag of the 're' modifier. Write it after re, e.g. '|re|i'.");
            }
        }

        if (Has(SigmaModifier.Exists) && kinds.Count > 1)
        {
            Incompatible(kinds.First(k => k != SigmaModifier.Exists), "'exists' cannot be combined with other modifiers.");
        }

        if (Has(SigmaModifier.Re))
        {
            foreach (var other in kinds.Where(k => k is not (SigmaModifier.Re or SigmaModifier.All or SigmaModifier.Neq or SigmaModifier.Cased) && !SigmaModifiers.IsRegexFlag(k)))
            {
                Incompatible(other, $"'{Name(uses, other)}' cannot be combined with 're'. Put the logic into the regular expression.");
            }

            if (Has(SigmaModifier.Cased))
            {
                output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.CasedWithRegex, "Regular expressions are case-sensitive already; 'cased' has no effect. Remove it.", At(SigmaModifier.Cased)));
            }
        }

        if (Has(SigmaModifier.Cidr))
        {
            foreach (var other in kinds.Where(k => k is not (SigmaModifier.Cidr or SigmaModifier.All or SigmaModifier.Neq)))
            {
                Incompatible(other, $"'{Name(uses, other)}' cannot be combined with 'cidr'.");
            }
        }

        if (comparisons.Count > 0 || timeParts.Count > 0)
        {
            foreach (var other in kinds.Where(k => !SigmaModifiers.IsNumeric(k) && !SigmaModifiers.IsTimePart(k) && k is not (SigmaModifier.All or SigmaModifier.Neq)))
            {
                Incompatible(other, $"'{Name(uses, other)}' cannot be combined with numeric or time modifiers.");
            }
        }

        if (Has(SigmaModifier.FieldRef))
        {
            foreach (var other in kinds.Where(k => k is not (SigmaModifier.FieldRef or SigmaModifier.All or SigmaModifier.Neq or SigmaModifier.Cased) && !SigmaModifiers.IsStringMatch(k)))
            {
                Incompatible(other, $"'{Name(uses, other)}' cannot be combined with 'fieldref'.");
            }
        }

        if (item.IsKeyword)
        {
            foreach (var other in kinds.Where(k => k is SigmaModifier.Exists or SigmaModifier.FieldRef or SigmaModifier.Cidr or SigmaModifier.Neq
                || SigmaModifiers.IsNumeric(k) || SigmaModifiers.IsTimePart(k)))
            {
                Incompatible(other, $"'{Name(uses, other)}' needs a field; keywords search the whole event.");
            }
        }

        CheckValues(item, kinds, output);
    }

    private static string Name(IReadOnlyList<SigmaModifierUse> uses, SigmaModifier kind) => uses.First(u => u.Modifier == kind).Name;

    private static void CheckValues(SigmaDetectionItem item, List<SigmaModifier> kinds, List<SigmaDiagnostic> output)
    {
        bool Has(SigmaModifier m) => kinds.Contains(m);
        if (Has(SigmaModifier.All) && item.Values.Count < 2)
        {
            output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.AllWithSingleValue,
                "'all' with a single value has no effect. Remove 'all' or list more values.", item.Modifiers.First(m => m.Modifier == SigmaModifier.All).Position));
        }

        if (item.Values.Count > 1 && item.Values.OfType<SigmaNull>().FirstOrDefault() is { } nullInList)
        {
            output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.NullInList,
                "'null' cannot be part of a list of values. Put 'Field: null' in its own selection and combine with 'or'.", nullInList.Position));
        }

        foreach (var value in item.Values)
        {
            if (Has(SigmaModifier.Exists))
            {
                if (value is not SigmaBoolean)
                {
                    output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.ExistsNeedsBoolean, "'exists' takes true or false.", value.Position));
                }

                continue;
            }

            if (value is SigmaNull && item.Modifiers.Count > 0 && !kinds.All(k => k is SigmaModifier.Neq))
            {
                output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.ValueTypeNotAllowed,
                    "Modifiers cannot apply to null. Write 'Field: null' without modifiers.", value.Position));
                continue;
            }

            var text = value switch
            {
                SigmaString s => s.Original,
                SigmaNumber n => n.Raw,
                _ => null,
            };
            if (Has(SigmaModifier.Re) && text is not null)
            {
                var regex = SigmaRegex.Check(text, Has(SigmaModifier.ReIgnoreCase), Has(SigmaModifier.ReMultiline), Has(SigmaModifier.ReDotAll));
                if (regex.Error is not null)
                {
                    output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.InvalidRegex, $"The regular expression is not valid: {regex.Error}. Fix the pattern.", value.Position));
                }
                else if (!regex.Linear)
                {
                    output.Add(SigmaDiagnostic.Warning(SigmaDiagnosticCodes.RegexNeedsTimeout, SigmaRegex.BacktrackingWarning(regex), value.Position));
                }
            }

            if (Has(SigmaModifier.Cidr) && (text is null || !Cidr.TryParse(text, out _, out _)))
            {
                output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.InvalidCidr,
                    $"'{text}' is not a CIDR network. Write e.g. '10.0.0.0/8' or 'fe80::/10'.", value.Position));
            }

            if ((kinds.Any(SigmaModifiers.IsNumeric) || kinds.Any(SigmaModifiers.IsTimePart)) && value is not SigmaNumber)
            {
                output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.ValueTypeNotAllowed,
                    "lt, lte, gt, gte and the time modifiers compare numbers. Write the value as a number without quotes.", value.Position));
            }
            else if (value is SigmaNumber number && kinds.FirstOrDefault(SigmaModifiers.IsTimePart) is var part && SigmaModifiers.IsTimePart(part)
                && !kinds.Any(SigmaModifiers.IsNumeric) && !InRange(part, number.Value))
            {
                output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.TimeValueOutOfRange,
                    $"{number.Raw} is out of range for '{part.ToString().ToLowerInvariant()}' (minute 0-59, hour 0-23, day 1-31, week 1-53, month 1-12).", value.Position));
            }

            if (Has(SigmaModifier.FieldRef) && value is not SigmaString)
            {
                output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.ValueTypeNotAllowed, "'fieldref' takes the name of another field.", value.Position));
            }

            if (value is SigmaString { HasWildcards: true } && kinds.Any(SigmaModifiers.IsBase64))
            {
                output.Add(SigmaDiagnostic.Error(SigmaDiagnosticCodes.MisplacedModifier,
                    "Wildcards cannot be base64-encoded. Escape them (\\* \\?) or remove them.", value.Position));
            }
        }
    }

    private static bool InRange(SigmaModifier part, double value) => part switch
    {
        SigmaModifier.Minute => value is >= 0 and <= 59,
        SigmaModifier.Hour => value is >= 0 and <= 23,
        SigmaModifier.Day => value is >= 1 and <= 31,
        SigmaModifier.Week => value is >= 1 and <= 53,
        SigmaModifier.Month => value is >= 1 and <= 12,
        _ => value is >= 1 and <= 9999,
    };
}
