namespace CraftedSignal.Domain.Sigma.Conversion;

/// <summary>
/// Builds the condition tree pySigma builds: a detection's items become AND/OR nodes (one item stands alone), an
/// item's values OR (or AND with <c>all</c>) nodes, and the condition text is parsed with chains of the same
/// operator kept n-ary and parentheses kept as nesting.
/// </summary>
internal static class ConditionTree
{
    public static ConversionRule Prepare(SigmaRule rule)
    {
        var detections = rule.Detections
            .Select(d => new KeyValuePair<string, ConversionDetection>(d.Name, ToDetection(d.Body)))
            .ToList();
        return new ConversionRule(rule, detections, [.. rule.Conditions.Select(c => c.Text)]);
    }

    private static ConversionDetection ToDetection(SigmaDetectionNode node) => node switch
    {
        SigmaDetectionGroup group => new ConversionDetection(group.Linking, [.. group.Items.Select(i => i is SigmaDetectionItem item
            ? (object)ModifierApplier.Apply(item)
            : ToDetection(i))]),
        SigmaDetectionItem item => new ConversionDetection(SigmaLinking.And, [ModifierApplier.Apply(item)]),
        _ => throw new ConversionException(new InvalidRule("Unknown detection node.")),
    };

    public static QueryNode Build(ConversionRule rule, string condition)
    {
        var parser = new Parser(rule, Tokenize(condition));
        var node = parser.ParseOr();
        if (!parser.AtEnd)
        {
            throw new ConversionException(new InvalidRule($"The condition '{condition}' could not be parsed."));
        }

        return node;
    }

    public static QueryNode? FromDetection(ConversionDetection detection)
    {
        var nodes = detection.Items
            .Select(i => i is ConversionDetection nested ? FromDetection(nested) : FromItem((ConversionItem)i))
            .OfType<QueryNode>()
            .ToList();
        return nodes.Count switch
        {
            0 => null,
            1 => nodes[0],
            _ => detection.Linking == SigmaLinking.And ? new QueryAnd(nodes) : new QueryOr(nodes),
        };
    }

    private static QueryNode? FromItem(ConversionItem item)
    {
        if (item.Dropped)
        {
            return null;
        }

        var nodes = item.Values
            .Select(v => item.Field is null ? (QueryNode)new QueryKeyword(v) : new QueryFieldValue(item.Field, v))
            .ToList();
        return nodes.Count switch
        {
            0 => item.Field is null ? null : new QueryFieldValue(item.Field, new QueryNull()),
            1 => nodes[0],
            _ => item.AllValues ? new QueryAnd(nodes) : new QueryOr(nodes),
        };
    }

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '(' or ')')
            {
                tokens.Add(c.ToString());
                i++;
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not '(' and not ')')
                {
                    i++;
                }

                tokens.Add(text[start..i]);
            }
        }

        return tokens;
    }

    private sealed class Parser(ConversionRule rule, List<string> tokens)
    {
        private int _position;

        public bool AtEnd => _position >= tokens.Count;

        private string? Peek => _position < tokens.Count ? tokens[_position] : null;

        private bool Is(string keyword) => Peek is { } token && token.Equals(keyword, StringComparison.OrdinalIgnoreCase);

        public QueryNode ParseOr()
        {
            var args = new List<QueryNode> { ParseAnd() };
            while (Is("or"))
            {
                _position++;
                args.Add(ParseAnd());
            }

            return args.Count == 1 ? args[0] : new QueryOr(args);
        }

        private QueryNode ParseAnd()
        {
            var args = new List<QueryNode> { ParseNot() };
            while (Is("and"))
            {
                _position++;
                args.Add(ParseNot());
            }

            return args.Count == 1 ? args[0] : new QueryAnd(args);
        }

        private QueryNode ParseNot()
        {
            if (Is("not"))
            {
                _position++;
                return new QueryNot(ParseNot());
            }

            return ParseAtom();
        }

        private QueryNode ParseAtom()
        {
            var token = Peek ?? throw Error("The condition ends unexpectedly.");
            _position++;
            if (token == "(")
            {
                var inner = ParseOr();
                if (Peek != ")")
                {
                    throw Error("A parenthesis is not closed in the condition.");
                }

                _position++;
                return inner;
            }

            if ((token.Equals("all", StringComparison.OrdinalIgnoreCase) || token.Equals("any", StringComparison.OrdinalIgnoreCase) || int.TryParse(token, out _)) && Is("of"))
            {
                _position++;
                var pattern = Peek ?? throw Error("'of' needs a pattern or 'them'.");
                _position++;
                return Quantified(token, pattern);
            }

            var detection = rule.Find(token) ?? throw Error($"The condition references '{token}', which is not a search identifier of the detection.");
            return FromDetection(detection) ?? throw Error($"The search identifier '{token}' has no detection items left.");
        }

        private QueryNode Quantified(string quantifier, string pattern)
        {
            var them = pattern.Equals("them", StringComparison.OrdinalIgnoreCase);
            var selected = rule.Detections
                .Where(d => them ? !d.Key.StartsWith('_') : Glob.IsMatch(pattern, d.Key))
                .Select(d => FromDetection(d.Value))
                .OfType<QueryNode>()
                .ToList();
            if (selected.Count == 0)
            {
                throw Error($"'{quantifier} of {pattern}' matches no search identifier.");
            }

            // One selected identifier still sits under a one-armed AND/OR, as in pySigma (Splunk checks for enclosing ORs).
            var all = quantifier.Equals("all", StringComparison.OrdinalIgnoreCase);
            return all ? new QueryAnd(selected) : new QueryOr(selected);
        }

        private static ConversionException Error(string message) => new(new InvalidRule(message));
    }
}
