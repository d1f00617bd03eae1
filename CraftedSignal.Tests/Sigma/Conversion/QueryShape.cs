namespace CraftedSignal.Tests.Sigma.Conversion;

/// <summary>
/// Checks that a query's quotes close and its parentheses balance outside quoted strings and regex literals, with
/// backslash escapes inside quotes.
/// </summary>
internal static class QueryShape
{
    public static bool IsBalanced(string query, string target)
    {
        var depth = 0;
        char? quote = null;
        for (var i = 0; i < query.Length; i++)
        {
            var c = query[i];
            if (quote is not null)
            {
                if (c == '\\' && quote != '`')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = null;
                }

                continue;
            }

            if (c == '\\' && target == "lucene")
            {
                i++;
            }
            else if (c is '"' or '`' || (c == '\'' && target == "kusto") || (c == '/' && target == "lucene" && i > 0 && query[i - 1] == ':'))
            {
                quote = c;
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')' && --depth < 0)
            {
                return false;
            }
        }

        return depth == 0 && quote is null;
    }
}
