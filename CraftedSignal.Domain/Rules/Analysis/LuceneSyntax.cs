using System.Text.RegularExpressions;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Index;
using Lucene.Net.QueryParsers.Classic;
using Lucene.Net.Search;
using Lucene.Net.Util;

namespace CraftedSignal.Domain.Rules;

/// <summary>Checks a native Lucene rule with Lucene.Net's own query parser, and says where it fails.</summary>
internal static partial class LuceneSyntax
{
    public static RuleDiagnostic? Check(string query)
    {
        try
        {
            new SyntaxOnlyParser().Parse(query);
            return null;
        }
        catch (ParseException ex)
        {
            var position = PositionPattern().Match(ex.Message);
            var line = position.Success ? int.Parse(position.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
            var column = position.Success ? int.Parse(position.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) : 1;
            var reason = ex.Message.Split('\n')[0];
            var colon = reason.IndexOf("': ", StringComparison.Ordinal);
            return new RuleDiagnostic("RULE030", true, $"Lucene cannot parse the query: {(colon >= 0 ? reason[(colon + 3)..] : reason)}", line, column);
        }
        catch (BooleanQuery.TooManyClausesException)
        {
            // A limit of the index that runs the query, not a syntax error.
            return null;
        }
    }

    [GeneratedRegex(@"at line (\d+), column (\d+)")]
    private static partial Regex PositionPattern();

    /// <summary>The classic parser with cheap leaves: wildcards, prefixes and regexes are not compiled into automata.</summary>
    private sealed class SyntaxOnlyParser() : QueryParser(LuceneVersion.LUCENE_48, "message", new WhitespaceAnalyzer(LuceneVersion.LUCENE_48))
    {
        protected override Query GetWildcardQuery(string field, string termStr) => new TermQuery(new Term(field, termStr));

        protected override Query GetPrefixQuery(string field, string termStr) => new TermQuery(new Term(field, termStr));

        protected override Query GetRegexpQuery(string field, string termStr) => new TermQuery(new Term(field, termStr));
    }
}
