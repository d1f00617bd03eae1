namespace CraftedSignal.Domain.Sigma.Parsing;

/// <summary>An error in a condition expression at a 0-based character offset.</summary>
public sealed record ConditionSyntaxError(string Message, int Offset);

/// <summary>
/// Parses Sigma conditions with the spec's precedence (least to most binding): or, and, not, x of, parentheses.
/// </summary>
public static class ConditionParser
{
    public const int MaxLength = 10_000;
    private const int MaxDepth = 100;

    public static (SigmaConditionNode? Root, ConditionSyntaxError? Error) Parse(string text)
    {
        if (text.Length > MaxLength)
        {
            return (null, new ConditionSyntaxError($"The condition is longer than {MaxLength:N0} characters. Shorten it.", 0));
        }

        var tokens = Tokenize(text, out var tokenError);
        if (tokenError is not null)
        {
            return (null, tokenError);
        }

        if (tokens.Count == 0)
        {
            return (null, new ConditionSyntaxError("The condition is empty. Write e.g. 'selection and not filter'.", 0));
        }

        var parser = new State(tokens);
        try
        {
            var root = parser.ParseOr(0);
            if (!parser.AtEnd)
            {
                var token = parser.Peek;
                return (null, new ConditionSyntaxError($"Unexpected '{token.Text}'. Join expressions with 'and' or 'or'.", token.Offset));
            }

            return (root, null);
        }
        catch (ConditionException ex)
        {
            return (null, ex.Error);
        }
    }

    private enum TokenKind
    {
        Word,
        Open,
        Close,
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Offset)
    {
        public bool Is(string keyword) => Kind == TokenKind.Word && Text.Equals(keyword, StringComparison.OrdinalIgnoreCase);
    }

    private static List<Token> Tokenize(string text, out ConditionSyntaxError? error)
    {
        error = null;
        var tokens = new List<Token>();
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
                tokens.Add(new Token(c == '(' ? TokenKind.Open : TokenKind.Close, c.ToString(), i));
                i++;
            }
            else if (c == '|')
            {
                error = new ConditionSyntaxError(
                    "Aggregations after '|' (count(), near) are obsolete in Sigma 2. Express them as a correlation rule.", i);
                return tokens;
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not '(' and not ')' and not '|')
                {
                    i++;
                }

                var word = text[start..i];
                foreach (var ch in word)
                {
                    if (!(char.IsLetterOrDigit(ch) || ch is '_' or '*' or '?' or '-' or '.'))
                    {
                        error = new ConditionSyntaxError(
                            $"'{word}' is not a valid search identifier: use letters, digits, '_', and '*' in patterns.", start);
                        return tokens;
                    }
                }

                tokens.Add(new Token(TokenKind.Word, word, start));
            }
        }

        return tokens;
    }

    private sealed class ConditionException(ConditionSyntaxError error) : Exception(error.Message)
    {
        public ConditionSyntaxError Error { get; } = error;
    }

    private sealed class State(List<Token> tokens)
    {
        private int _index;

        public bool AtEnd => _index >= tokens.Count;

        public Token Peek => tokens[_index];

        private int EndOffset => tokens.Count == 0 ? 0 : tokens[^1].Offset + tokens[^1].Text.Length;

        public SigmaConditionNode ParseOr(int depth)
        {
            var left = ParseAnd(depth);
            while (!AtEnd && Peek.Is("or"))
            {
                var offset = tokens[_index++].Offset;
                left = new ConditionOr(left, ParseAnd(depth), offset);
            }

            return left;
        }

        private SigmaConditionNode ParseAnd(int depth)
        {
            var left = ParseNot(depth);
            while (!AtEnd && Peek.Is("and"))
            {
                var offset = tokens[_index++].Offset;
                left = new ConditionAnd(left, ParseNot(depth), offset);
            }

            return left;
        }

        private SigmaConditionNode ParseNot(int depth)
        {
            if (depth > MaxDepth)
            {
                throw Fail($"The condition nests deeper than {MaxDepth} levels. Simplify it.", AtEnd ? EndOffset : Peek.Offset);
            }

            if (!AtEnd && Peek.Is("not"))
            {
                var offset = tokens[_index++].Offset;
                return new ConditionNot(ParseNot(depth + 1), offset);
            }

            return ParsePrimary(depth);
        }

        private SigmaConditionNode ParsePrimary(int depth)
        {
            if (AtEnd)
            {
                throw Fail("The condition ends too early: an identifier or '(' is missing.", EndOffset);
            }

            var token = tokens[_index++];
            if (token.Kind == TokenKind.Open)
            {
                var inner = ParseOr(depth + 1);
                if (AtEnd || Peek.Kind != TokenKind.Close)
                {
                    throw Fail("A '(' is never closed. Add the matching ')'.", token.Offset);
                }

                _index++;
                return inner;
            }

            if (token.Kind == TokenKind.Close)
            {
                throw Fail("Unexpected ')'. Remove it or add the matching '('.", token.Offset);
            }

            if (token.Is("and") || token.Is("or") || token.Is("of") || token.Is("them"))
            {
                throw Fail($"'{token.Text}' cannot start an expression here. Put a search identifier before it.", token.Offset);
            }

            if (!AtEnd && Peek.Is("of"))
            {
                int? count;
                if (token.Is("all"))
                {
                    count = null;
                }
                else if (token.Is("any"))
                {
                    count = 1;
                }
                else if (int.TryParse(token.Text, out var n) && n > 0)
                {
                    count = n;
                }
                else
                {
                    throw Fail($"'{token.Text} of' is not valid: write '1 of' or 'all of'.", token.Offset);
                }

                _index++;
                if (AtEnd || Peek.Kind != TokenKind.Word || Peek.Is("and") || Peek.Is("or") || Peek.Is("not"))
                {
                    throw Fail("'of' must be followed by 'them' or a search identifier pattern such as 'selection*'.", token.Offset);
                }

                var target = tokens[_index++];
                return new ConditionQuantified(count, target.Is("them") ? null : target.Text, token.Offset);
            }

            if (token.Text.Contains('*') || token.Text.Contains('?'))
            {
                throw Fail($"The pattern '{token.Text}' needs a quantifier: write '1 of {token.Text}' or 'all of {token.Text}'.", token.Offset);
            }

            return new ConditionIdentifier(token.Text, token.Offset);
        }

        private static ConditionException Fail(string message, int offset) => new(new ConditionSyntaxError(message, offset));
    }
}
