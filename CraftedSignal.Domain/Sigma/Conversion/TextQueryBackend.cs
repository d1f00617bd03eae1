using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CraftedSignal.Domain.Sigma.Conversion;

/// <summary>A query part that is appended after the main query (e.g. Splunk's <c>| regex</c>), negatable.</summary>
public abstract class DeferredExpression
{
    public bool Negated { get; set; }

    public abstract string Finalize();
}

/// <summary>What a backend needs while converting one condition: deferred parts and the pipeline state.</summary>
public sealed class ConversionState(IReadOnlyDictionary<string, string> processingState)
{
    public List<DeferredExpression> Deferred { get; } = [];

    public IReadOnlyDictionary<string, string> ProcessingState { get; } = processingState;

    /// <summary>The rule's <c>fields</c>, for backends whose output lists them (Splunk's <c>| table</c>).</summary>
    public IReadOnlyList<string> Fields { get; init; } = [];

    /// <summary>How many OR nodes enclose the node being converted.</summary>
    public int OrDepth { get; set; }

    /// <summary>How many negated groups (NOT of an AND/OR) enclose the node: deferred parts can't be negated there.</summary>
    public int NegatedGroupDepth { get; set; }

    /// <summary>Per-query counters a backend may keep (e.g. numbering generated field names).</summary>
    public Dictionary<string, int> Counters { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Walks the condition tree into query text like pySigma's TextQueryBackend: tokens, precedence, grouping, quoting
/// and escaping are per backend; the walk is shared. A converted node is a string or a <see cref="DeferredExpression"/>.
/// </summary>
public abstract class TextQueryBackend
{
    public abstract string Target { get; }

    // Precedence: index in (NOT, AND, OR) order by default; lower binds tighter.
    protected virtual bool OrBindsTighterThanAnd => false;

    protected virtual bool Parenthesize => false;

    protected virtual string GroupExpression => "({expr})";

    protected virtual string TokenSeparator => " ";

    protected abstract string OrToken { get; }

    protected abstract string AndToken { get; }

    protected abstract string NotToken { get; }

    protected abstract string EqToken { get; }

    protected virtual string? FieldQuote => null;

    protected virtual Regex? FieldQuotePattern => null;

    protected virtual bool FieldQuotePatternNegation => true;

    protected virtual string? FieldEscape => null;

    protected virtual Regex? FieldEscapePattern => null;

    protected virtual bool FieldEscapeQuote => true;

    protected virtual string StrQuote => "\"";

    protected virtual Regex? StrQuotePattern => null;

    protected virtual bool StrQuotePatternNegation => false;

    protected virtual string EscapeChar => "\\";

    protected virtual string WildcardMulti => "*";

    protected virtual string WildcardSingle => "?";

    protected virtual string AddEscaped => string.Empty;

    protected virtual string FilterChars => string.Empty;

    protected virtual string BoolTrue => "true";

    protected virtual string BoolFalse => "false";

    protected virtual string? StartsWithExpression => null;

    protected virtual string? EndsWithExpression => null;

    protected virtual string? ContainsExpression => null;

    protected virtual string? WildcardMatchExpression => null;

    protected virtual string? CaseSensitiveMatchExpression => null;

    protected virtual string? ReExpression => null;

    protected virtual string ReEscapeChar => "\\";

    protected virtual IReadOnlyList<string> ReEscape => [];

    protected virtual bool ReEscapeEscapeChar => true;

    protected virtual bool ReFlagPrefix => true;

    protected virtual string? CidrExpression => null;

    protected virtual string? CompareOpExpression => null;

    protected virtual string? FieldNullExpression => null;

    protected virtual string? FieldExistsExpression => null;

    protected virtual string? FieldNotExistsExpression => null;

    protected virtual string? FieldEqualsFieldExpression => null;

    protected virtual bool ConvertOrAsIn => false;

    protected virtual bool ConvertAndAsIn => false;

    protected virtual bool InExpressionsAllowWildcards => false;

    protected virtual string? FieldInListExpression => null;

    protected virtual string? OrInOperator => null;

    protected virtual string? AndInOperator => null;

    protected virtual string ListSeparator => ", ";

    protected virtual string? UnboundValueStrExpression => null;

    protected virtual string? UnboundValueNumExpression => null;

    protected virtual string? UnboundValueReExpression => null;

    protected virtual string DeferredStart => "\n| ";

    protected virtual string DeferredSeparator => "\n| ";

    protected virtual string DeferredOnlyQuery => "*";

    /// <summary>Converts one condition tree into the final query text.</summary>
    public virtual string ConvertQuery(QueryNode node, ConversionState state)
    {
        var converted = Convert(node, state, null);
        var query = converted as string ?? string.Empty;
        return FinalizeQuery(query, state);
    }

    /// <summary>The search expression of a rule without the backend's query frame (used inside correlations).</summary>
    public virtual string ConvertSearch(QueryNode node, ConversionState state)
    {
        var query = Convert(node, state, null) as string ?? string.Empty;
        return state.Deferred.Count > 0 ? throw new ConversionException(new FeatureNotSupported(
            $"Rules whose query needs piped parts can't be correlated by the {Target} backend.")) : query;
    }

    protected virtual string FinalizeQuery(string query, ConversionState state)
    {
        if (state.Deferred.Count > 0)
        {
            var deferred = string.Join(DeferredSeparator, state.Deferred.Select(d => d.Finalize()));
            return (query.Length == 0 ? DeferredOnlyQuery : query) + DeferredStart + deferred;
        }

        return query;
    }

    protected object? Convert(QueryNode node, ConversionState state, QueryNode? parent) => node switch
    {
        QueryOr or => ConvertOr(or, state),
        QueryAnd and => ConvertAnd(and, state),
        QueryNot not => ConvertNot(not, state),
        QueryFieldValue fv => ConvertFieldValue(fv, state, parent),
        QueryKeyword kw => ConvertKeyword(kw, state),
        _ => throw new ConversionException(new InvalidRule("Unexpected condition node.")),
    };

    /// <summary>
    /// A one-armed AND/OR (from <c>1 of</c>/<c>all of</c> selecting one identifier) renders as its argument but still
    /// counts as an enclosing OR, as in pySigma.
    /// </summary>
    protected static QueryNode Unwrap(QueryNode node)
    {
        while (node is QueryOr { Args.Count: 1 } or QueryAnd { Args.Count: 1 })
        {
            node = node is QueryOr or ? or.Args[0] : ((QueryAnd)node).Args[0];
        }

        return node;
    }

    private int PrecedenceIndex(QueryNode node) => Unwrap(node) switch
    {
        QueryNot => 0,
        QueryAnd => OrBindsTighterThanAnd ? 2 : 1,
        QueryOr => OrBindsTighterThanAnd ? 1 : 2,
        _ => -1,
    };

    /// <summary>True when <paramref name="inner"/> needs no parentheses inside <paramref name="outer"/>.</summary>
    protected virtual bool ComparePrecedence(QueryNode outer, QueryNode inner)
    {
        inner = Unwrap(inner);
        var innerIndex = PrecedenceIndex(inner);
        if (Parenthesize)
        {
            return innerIndex < 0;
        }

        return innerIndex <= PrecedenceIndex(outer);
    }

    protected object? ConvertGroup(QueryNode node, ConversionState state)
    {
        var converted = Convert(node, state, null);
        return converted is string text ? Format(GroupExpression, ("expr", text)) : converted;
    }

    protected virtual object? ConvertOr(QueryOr node, ConversionState state)
    {
        if (node.Args.Count == 1)
        {
            state.OrDepth++;
            var single = Convert(node.Args[0], state, node);
            state.OrDepth--;
            return single;
        }

        if (DecideIn(node.Args, true))
        {
            return ConvertAsIn(node.Args, true, state);
        }

        return Join(node, node.Args, TokenSeparator + OrToken + TokenSeparator, state);
    }

    protected virtual object? ConvertAnd(QueryAnd node, ConversionState state)
    {
        if (node.Args.Count == 1)
        {
            return Convert(node.Args[0], state, node);
        }

        if (DecideIn(node.Args, false))
        {
            return ConvertAsIn(node.Args, false, state);
        }

        var joiner = TokenSeparator == AndToken ? AndToken : TokenSeparator + AndToken + TokenSeparator;
        return Join(node, node.Args, joiner, state);
    }

    protected object? Join(QueryNode node, IReadOnlyList<QueryNode> args, string joiner, ConversionState state)
    {
        var parts = new List<string>(args.Count);
        var or = node is QueryOr ? 1 : 0;
        state.OrDepth += or;
        foreach (var arg in args)
        {
            var converted = ComparePrecedence(node, arg) ? Convert(arg, state, node) : ConvertGroup(arg, state);
            if (converted is string text)
            {
                parts.Add(text);
            }
        }

        state.OrDepth -= or;
        return string.Join(joiner, parts);
    }

    protected virtual object? ConvertNot(QueryNot node, ConversionState state)
    {
        var arg = node.Arg;
        if (PrecedenceIndex(arg) >= 0)
        {
            state.NegatedGroupDepth++;
            var group = ConvertGroup(arg, state);
            state.NegatedGroupDepth--;
            return group is string text ? NotToken + TokenSeparator + text : group;
        }

        var converted = Convert(arg, state, node);
        if (converted is DeferredExpression deferred)
        {
            deferred.Negated = !deferred.Negated;
            return deferred;
        }

        return NotToken + TokenSeparator + (string?)converted;
    }

    protected bool DecideIn(IReadOnlyList<QueryNode> args, bool or)
    {
        if (or ? !ConvertOrAsIn : !ConvertAndAsIn)
        {
            return false;
        }

        if (!args.All(a => a is QueryFieldValue))
        {
            return false;
        }

        var values = args.Cast<QueryFieldValue>().ToList();
        if (values.Select(v => v.Field).Distinct(StringComparer.Ordinal).Count() != 1)
        {
            return false;
        }

        if (!values.All(v => v.Value is QueryString { Cased: false } or QueryNumber))
        {
            return false;
        }

        return InExpressionsAllowWildcards || !values.Any(v => v.Value is QueryString { ContainsSpecial: true });
    }

    protected virtual object? ConvertAsIn(IReadOnlyList<QueryNode> args, bool or, ConversionState state)
    {
        var values = args.Cast<QueryFieldValue>().ToList();
        var list = string.Join(ListSeparator, values.Select(v => v.Value is QueryString s ? ConvertValueStr(s) : ((QueryNumber)v.Value).Text));
        return Format(FieldInListExpression ?? throw NotSupported("In-expressions"),
            ("field", EscapeAndQuoteField(values[0].Field)), ("op", (or ? OrInOperator : AndInOperator) ?? string.Empty), ("list", list));
    }

    protected virtual object? ConvertFieldValue(QueryFieldValue node, ConversionState state, QueryNode? parent) => node.Value switch
    {
        QueryString { Cased: true } => ConvertFieldEqStrCased(node, state),
        QueryString => ConvertFieldEqStr(node, state),
        QueryNumber => ConvertFieldEqNum(node, state),
        QueryBoolean b => EscapeAndQuoteField(node.Field) + EqToken + (b.Value ? BoolTrue : BoolFalse),
        QueryRegex => ConvertFieldEqRegex(node, state),
        QueryCidr => ConvertFieldEqCidr(node, state),
        QueryCompare => ConvertCompare(node, state),
        QueryNull => ConvertFieldEqNull(node, state),
        QueryExists e => ConvertExists(node, e, state),
        QueryFieldRef => ConvertFieldRef(node, state),
        QueryExpansion => ConvertExpansion(node, state, parent),
        _ => throw new ConversionException(new InvalidRule("Unexpected value.")),
    };

    protected virtual object? ConvertFieldEqStr(QueryFieldValue node, ConversionState state)
    {
        var value = (QueryString)node.Value;
        string template;
        if (StartsWithExpression is not null && value.EndsWithAny && !value.Slice(0, value.Parts.Count - 1).ContainsSpecial)
        {
            template = StartsWithExpression;
            value = value.Slice(0, value.Parts.Count - 1);
        }
        else if (EndsWithExpression is not null && value.StartsWithAny && !value.Slice(1, value.Parts.Count).ContainsSpecial)
        {
            template = EndsWithExpression;
            value = value.Slice(1, value.Parts.Count);
        }
        else if (ContainsExpression is not null && value.StartsWithAny && value.EndsWithAny && value.Parts.Count >= 2
            && !value.Slice(1, value.Parts.Count - 1).ContainsSpecial)
        {
            template = ContainsExpression;
            value = value.Slice(1, value.Parts.Count - 1);
        }
        else if (WildcardMatchExpression is not null && value.ContainsSpecial)
        {
            template = WildcardMatchExpression;
        }
        else
        {
            template = "{field}" + EqToken + "{value}";
        }

        return Format(template, ("field", EscapeAndQuoteField(node.Field)), ("value", ConvertValueStr(value)));
    }

    protected virtual object? ConvertFieldEqStrCased(QueryFieldValue node, ConversionState state) =>
        CaseSensitiveMatchExpression is { } template
            ? Format(template, ("field", EscapeAndQuoteField(node.Field)), ("value", ConvertValueStr((QueryString)node.Value)))
            : throw new ConversionException(new NotImplemented("Case-sensitive string matching is not supported by backend."));

    protected virtual object? ConvertFieldEqNum(QueryFieldValue node, ConversionState state) =>
        EscapeAndQuoteField(node.Field) + EqToken + ((QueryNumber)node.Value).Text;

    protected virtual object? ConvertFieldEqRegex(QueryFieldValue node, ConversionState state) =>
        Format(ReExpression ?? throw NotSupported("Regular expressions"),
            ("field", EscapeAndQuoteField(node.Field)), ("regex", ConvertValueRegex((QueryRegex)node.Value)));

    protected virtual object? ConvertFieldEqCidr(QueryFieldValue node, ConversionState state)
    {
        var cidr = (QueryCidr)node.Value;
        return Format(CidrExpression ?? throw NotSupported("CIDR expressions"),
            ("field", node.Field), ("value", cidr.Text), ("network", cidr.Network),
            ("prefixlen", cidr.PrefixLength.ToString(CultureInfo.InvariantCulture)));
    }

    protected virtual object? ConvertCompare(QueryFieldValue node, ConversionState state)
    {
        var compare = (QueryCompare)node.Value;
        var op = compare.Operator switch
        {
            QueryCompareOperator.Lt => "<",
            QueryCompareOperator.Lte => "<=",
            QueryCompareOperator.Gt => ">",
            _ => ">=",
        };
        return Format(CompareOpExpression ?? throw NotSupported("Comparisons"),
            ("field", EscapeAndQuoteField(node.Field)), ("operator", op), ("value", compare.Number.Text));
    }

    protected virtual object? ConvertFieldEqNull(QueryFieldValue node, ConversionState state) =>
        Format(FieldNullExpression ?? throw NotSupported("Null values"), ("field", EscapeAndQuoteField(node.Field)));

    protected virtual object? ConvertExists(QueryFieldValue node, QueryExists exists, ConversionState state)
    {
        var field = EscapeAndQuoteField(node.Field);
        if (exists.Exists)
        {
            return Format(FieldExistsExpression ?? throw NotSupported("Field existence"), ("field", field));
        }

        return FieldNotExistsExpression is { } notExists
            ? Format(notExists, ("field", field))
            : NotToken + TokenSeparator + Format(FieldExistsExpression ?? throw NotSupported("Field existence"), ("field", field));
    }

    protected virtual object? ConvertFieldRef(QueryFieldValue node, ConversionState state) =>
        Format(FieldEqualsFieldExpression ?? throw new ConversionException(new NotImplemented("Field reference expression is not supported by backend.")),
            ("field1", EscapeAndQuoteField(node.Field)), ("field2", EscapeAndQuoteField(((QueryFieldRef)node.Value).Field)));

    /// <summary>The alternatives of an expansion, OR-ed (never as an in-list), grouped when the parent needs it.</summary>
    protected virtual object? ConvertExpansion(QueryFieldValue node, ConversionState state, QueryNode? parent)
    {
        var or = ExpansionOr(node);
        var joined = Join(or, or.Args, TokenSeparator + OrToken + TokenSeparator, state);
        return parent is null or QueryOr || ComparePrecedence(parent, or) || joined is not string text ? joined : Format(GroupExpression, ("expr", text));
    }

    protected static QueryOr ExpansionOr(QueryFieldValue node) =>
        new([.. ((QueryExpansion)node.Value).Values.Select(v => (QueryNode)new QueryFieldValue(node.Field, v))]);

    protected virtual object? ConvertKeyword(QueryKeyword node, ConversionState state) => node.Value switch
    {
        QueryString s => Format(UnboundValueStrExpression ?? throw new ConversionException(new NotImplemented("String value expressions are not supported by the backend.")),
            ("value", ConvertValueStr(s))),
        QueryNumber n => Format(UnboundValueNumExpression ?? throw new ConversionException(new NotImplemented("Number value expressions are not supported by the backend.")),
            ("value", n.Text)),
        QueryRegex r => Format(UnboundValueReExpression ?? throw new ConversionException(new NotImplemented("Regular expression value expressions are not supported by the backend.")),
            ("value", ConvertValueRegex(r))),
        QueryExpansion e => ConvertOr(new QueryOr([.. e.Values.Select(v => (QueryNode)new QueryKeyword(v))]), state),
        _ => throw new ConversionException(new InvalidValue("This kind of value can't appear as a standalone value without a field name.")),
    };

    /// <summary>pySigma's SigmaString.convert plus quoting.</summary>
    protected virtual string ConvertValueStr(QueryString value)
    {
        var escaped = WildcardMulti + WildcardSingle + StrQuote + AddEscaped;
        var text = new StringBuilder();
        foreach (var part in value.Parts)
        {
            switch (part.Kind)
            {
                case SigmaStringPartKind.Literal:
                    foreach (var c in part.Text)
                    {
                        if (FilterChars.Contains(c, StringComparison.Ordinal))
                        {
                            continue;
                        }

                        if (escaped.Contains(c, StringComparison.Ordinal))
                        {
                            text.Append(EscapeChar);
                        }

                        text.Append(c);
                    }

                    break;
                case SigmaStringPartKind.AnyChars:
                    text.Append(WildcardMulti);
                    break;
                case SigmaStringPartKind.SingleChar:
                    text.Append(WildcardSingle);
                    break;
                default:
                    throw new ConversionException(new InvalidValue($"Attempt to convert unhandled placeholder '{part.Text}' into query."));
            }
        }

        var converted = text.ToString();
        return DecideStringQuoting(value) ? StrQuote + converted + StrQuote : converted;
    }

    protected virtual bool DecideStringQuoting(QueryString value)
    {
        if (StrQuote.Length == 0)
        {
            return false;
        }

        if (StrQuotePattern is null)
        {
            return true;
        }

        return StrQuotePattern.IsMatch(value.Plain) ^ StrQuotePatternNegation;
    }

    /// <summary>pySigma's SigmaRegularExpression.escape: an escape character before every escaped string, flags as a prefix.</summary>
    protected virtual string ConvertValueRegex(QueryRegex regex)
    {
        var escaped = ReEscape.Concat(ReEscapeEscapeChar ? [ReEscapeChar] : []).Where(e => e.Length > 0).ToList();
        var text = new StringBuilder();
        if (ReFlagPrefix && regex.Flags.Length > 0)
        {
            text.Append("(?").Append(string.Concat(regex.Flags.Order())).Append(')');
        }

        var pattern = regex.Pattern;
        for (var i = 0; i < pattern.Length; i++)
        {
            if (escaped.Any(e => string.CompareOrdinal(pattern, i, e, 0, e.Length) == 0))
            {
                text.Append(ReEscapeChar);
            }

            text.Append(pattern[i]);
        }

        return text.ToString();
    }

    /// <summary>Raw line breaks and tabs as the <c>\n</c>, <c>\r</c>, <c>\t</c> escapes of C-like string literals.</summary>
    protected static string EscapeControlCharacters(string text) => text.AsSpan().IndexOfAny('\n', '\r', '\t') < 0
        ? text
        : text.Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\t", "\\t", StringComparison.Ordinal);

    protected virtual string EscapeAndQuoteField(string field)
    {
        if (FieldEscape is not null)
        {
            if (FieldEscapePattern is not null)
            {
                field = FieldEscapePattern.Replace(field, m => FieldEscape + m.Value);
            }

            if (FieldEscapeQuote && FieldQuote is not null)
            {
                field = field.Replace(FieldQuote, FieldEscape + FieldQuote, StringComparison.Ordinal);
            }
        }

        if (FieldQuote is not null && (FieldQuotePattern is null || (FieldQuotePattern.IsMatch(field) ^ FieldQuotePatternNegation)))
        {
            return FieldQuote + field + FieldQuote;
        }

        return field;
    }

    /// <summary>A field name quoted and escaped as this backend writes it in queries.</summary>
    internal string QuoteField(string field) => EscapeAndQuoteField(field);

    private protected static ConversionException NotSupported(string what) =>
        new(new FeatureNotSupported($"{what} are not supported by this backend."));

    /// <summary>Fills <c>{name}</c> placeholders in one pass, so values containing braces are never re-expanded.</summary>
    protected static string Format(string template, params (string Name, string Value)[] values)
    {
        var text = new StringBuilder(template.Length + 32);
        var i = 0;
        while (i < template.Length)
        {
            if (template[i] == '{')
            {
                var end = template.IndexOf('}', i + 1);
                if (end > i)
                {
                    var name = template.AsSpan(i + 1, end - i - 1);
                    var found = false;
                    foreach (var (key, value) in values)
                    {
                        if (name.SequenceEqual(key))
                        {
                            text.Append(value);
                            found = true;
                            break;
                        }
                    }

                    if (found)
                    {
                        i = end + 1;
                        continue;
                    }
                }
            }

            text.Append(template[i]);
            i++;
        }

        return text.ToString();
    }
}
