using System.Runtime.CompilerServices;
using CraftedSignal.Domain.Sigma.Events;

namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>A compiled piece of a rule: decides for one event.</summary>
internal abstract class Matcher
{
    public abstract bool Matches(EventContext context);

    /// <summary>A necessary condition for a match, used to skip rules that cannot match (see <see cref="RulePrefilter"/>).</summary>
    public virtual Requirement Require() => Requirement.Unknown;
}

internal sealed class AndMatcher(Matcher[] items) : Matcher
{
    public Matcher[] Items { get; } = items;

    public override Requirement Require() => Requirement.All(Items.Select(i => i.Require()));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Matches(EventContext context)
    {
        foreach (var item in Items)
        {
            if (!item.Matches(context))
            {
                return false;
            }
        }

        return true;
    }
}

internal sealed class OrMatcher(Matcher[] items) : Matcher
{
    public Matcher[] Items { get; } = items;

    public override Requirement Require() => Requirement.Any(Items.Select(i => i.Require()));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Matches(EventContext context)
    {
        foreach (var item in Items)
        {
            if (item.Matches(context))
            {
                return true;
            }
        }

        return false;
    }
}

internal sealed class NotMatcher(Matcher operand) : Matcher
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Matches(EventContext context) => !operand.Matches(context);
}

/// <summary>At least <c>count</c> of the items match (<c>N of pattern</c>).</summary>
internal sealed class AtLeastMatcher(Matcher[] items, int count) : Matcher
{
    public override Requirement Require() => count >= 1 ? Requirement.Any(items.Select(i => i.Require())) : Requirement.Unknown;
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Matches(EventContext context)
    {
        var hits = 0;
        foreach (var item in items)
        {
            if (item.Matches(context) && ++hits >= count)
            {
                return true;
            }
        }

        return false;
    }
}

internal sealed class ConstantMatcher(bool value) : Matcher
{
    public static ConstantMatcher False { get; } = new(false);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Matches(EventContext context) => value;

    public override Requirement Require() => value ? Requirement.Unknown : Requirement.Never;
}

/// <summary><c>Field: null</c>: the field is absent or null.</summary>
internal sealed class NullMatcher(int slot) : Matcher
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Matches(EventContext context) => context.Get(slot) is null or { Kind: EventValueKind.Null };
}

/// <summary><c>Field|exists: true|false</c>.</summary>
internal sealed class ExistsMatcher(int slot, bool expected) : Matcher
{
    public override Requirement Require() => expected ? Requirement.Present(slot) : Requirement.Unknown;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Matches(EventContext context) => context.Get(slot) is not null == expected;
}

/// <summary>
/// Tests one field against values: any value (OR) or every value (<c>all</c>); <c>neq</c> negates. An absent or null
/// field never matches. For array fields a value matches when any element matches.
/// </summary>
internal sealed class FieldMatcher(int slot, ValueTest[] tests, bool all, bool negate) : Matcher
{
    // An absent or null field never matches, not even with neq.
    public override Requirement Require() => negate ? Requirement.Present(slot) : ValueTest.Require(slot, tests, all);
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Matches(EventContext context)
    {
        var value = context.Get(slot);
        if (value is null || value.Kind is EventValueKind.Null or EventValueKind.Object)
        {
            return false;
        }

        var result = value.Kind == EventValueKind.Array ? MatchesArray(value.Items!, context) : MatchesScalar(value, context);
        return result != negate;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool MatchesScalar(EventValue value, EventContext context)
    {
        if (all)
        {
            foreach (var test in tests)
            {
                if (!test.Test(value, context))
                {
                    return false;
                }
            }

            return true;
        }

        foreach (var test in tests)
        {
            if (test.Test(value, context))
            {
                return true;
            }
        }

        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool MatchesArray(EventValue[] items, EventContext context)
    {
        foreach (var test in tests)
        {
            var hit = false;
            foreach (var item in items)
            {
                if (test.Test(item, context))
                {
                    hit = true;
                    break;
                }
            }

            if (hit && !all)
            {
                return true;
            }

            if (!hit && all)
            {
                return false;
            }
        }

        return all;
    }
}

/// <summary>Keywords: values searched in every field of the event.</summary>
internal sealed class KeywordMatcher(ValueTest[] tests, bool all) : Matcher
{
    // Needles are looked for in each value on its own: one spanning two values (a newline in AllTextLower) is not.
    public override Requirement Require() => ValueTest.Require(-1, tests, all, n => !n.Contains('\n', StringComparison.Ordinal));
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool Matches(EventContext context)
    {
        foreach (var test in tests)
        {
            var hit = AnyField(test, context);
            if (hit && !all)
            {
                return true;
            }

            if (!hit && all)
            {
                return false;
            }
        }

        return all;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool ContainsLowercased(EventValue value, string needle) =>
        value.Text.Length >= needle.Length && (System.Text.Ascii.IsValid(value.Text) && System.Text.Ascii.IsValid(needle)
            ? value.Text.Contains(needle, StringComparison.OrdinalIgnoreCase)
            : value.Lower.Contains(needle, StringComparison.Ordinal));

    private static bool AnyField(ValueTest test, EventContext context)
    {
        if (test is StringTest { Kind: StringTestKind.Contains, Cased: false } contains)
        {
            // The prefilter's one pass over the values has already looked for every keyword of every rule: search
            // only when it may have found this one.
            var needle = contains.Needle;
            if (context.Scanned?.MayContainKeyword(needle) == false)
            {
                return false;
            }

            if (needle.Length == 0 || needle.Contains('\n', StringComparison.Ordinal))
            {
                return context.AllTextLower.Contains(needle, StringComparison.Ordinal);
            }

            // Value by value, as a needle without a newline is in the joined text only within one value: ASCII text
            // ignoring ASCII case (what lowercasing it would give), other text lowercased as the joined text is.
            foreach (var value in context.Event.FieldMap.Values)
            {
                if (value.Items is { } values)
                {
                    foreach (var item in values)
                    {
                        if (ContainsLowercased(item, needle))
                        {
                            return true;
                        }
                    }
                }
                else if (ContainsLowercased(value, needle))
                {
                    return true;
                }
            }

            return false;
        }

        foreach (var value in context.Event.Fields.Values)
        {
            if (value.IsScalar && test.Test(value, context))
            {
                return true;
            }

            if (value.Items is { } items)
            {
                foreach (var item in items)
                {
                    if (test.Test(item, context))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }
}
