using CraftedSignal.Domain.Sigma.Conversion;
using CraftedSignal.Domain.Sigma.Parsing;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Index;
using Lucene.Net.QueryParsers.Classic;
using Lucene.Net.Search;
using Lucene.Net.Util;
using Lucene.Net.Util.Automaton;

namespace CraftedSignal.Tests.Sigma.Conversion;

/// <summary>Every emitted Lucene query must parse with Lucene.Net's classic query parser (the query_string syntax).</summary>
public sealed class LuceneParseTests
{
    private static void AssertParses(string query, string source)
    {
        if (ParseError(query) is { } error)
        {
            Assert.Fail($"{source}: Lucene.Net can't parse {query}\n{error}");
        }
    }

    private static string? ParseError(string query) => Parse(query).Error;

    /// <summary>Parses the query string; regex leaves are collected, not compiled.</summary>
    private static (string? Error, List<string> Regexes) Parse(string query)
    {
        var parser = new SyntaxOnlyParser { AllowLeadingWildcard = true };
        try
        {
            return (parser.Parse(query) is null ? "no query" : null, parser.Regexes);
        }
        catch (Exception ex) when (ex is ParseException or ArgumentException)
        {
            return (ex.Message, parser.Regexes);
        }
    }

    private static string? RegexError(string regex)
    {
        try
        {
            _ = new RegExp(regex, RegExpSyntax.ALL);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    // Sigma regexes are PCRE; these use syntax Lucene's RegExp lacks ('(?:', '\s', '<' as a literal) and are passed through
    // as pySigma does. Elasticsearch rejects them at search time; see the conversion README.
    private static readonly HashSet<string> PcreOnlyRegexRules =
    [
        "windows/process_creation/proc_creation_win_powershell_run_script_from_input_stream.yml",
        "windows/process_creation/proc_creation_win_hktl_invoke_obfuscation_stdin.yml",
        "windows/process_creation/proc_creation_win_hktl_invoke_obfuscation_var.yml",
        "windows/powershell/powershell_script/posh_ps_invoke_obfuscation_var.yml",
        "windows/powershell/powershell_module/posh_pm_invoke_obfuscation_var.yml",
    ];

    [Fact]
    public void Convert_CorpusRegexesToLucene_CompileWithLuceneRegExpExceptKnownPcreOnlyOnes()
    {
        var backend = SigmaConverter.CreateBackend("lucene")!;
        var failing = new HashSet<string>();
        foreach (var file in Directory.EnumerateFiles(SigmaData.Rules, "*.yml", SearchOption.AllDirectories))
        {
            foreach (var query in SigmaConverter.Convert(SigmaParser.ParseFile(file), backend).Queries)
            {
                if (Parse(query).Regexes.Any(r => RegexError(r) is not null))
                {
                    failing.Add(Path.GetRelativePath(SigmaData.Rules, file).Replace('\\', '/'));
                }
            }
        }

        Assert.Subset(PcreOnlyRegexRules, failing);
    }

    [Fact]
    public void Convert_EveryCorpusRuleToLucene_ParsesWithLuceneNet()
    {
        var backend = SigmaConverter.CreateBackend("lucene")!;
        var parsed = 0;
        var failures = new List<string>();
        foreach (var file in Directory.EnumerateFiles(SigmaData.Rules, "*.yml", SearchOption.AllDirectories))
        {
            var result = SigmaConverter.Convert(SigmaParser.ParseFile(file), backend);
            foreach (var query in result.Queries)
            {
                parsed++;
                if (ParseError(query) is { } error)
                {
                    failures.Add($"{Path.GetRelativePath(SigmaData.Rules, file)}: {error}\n  {query}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {parsed} queries don't parse:\n" + string.Join('\n', failures.Take(20)));
        Assert.True(parsed > 3000, $"only {parsed} queries parsed");
    }

    [Theory]
    [InlineData("""'say "hi"'""")]
    [InlineData("""'C:\Windows\'""")]
    [InlineData("""'a\*b\?c'""")]
    [InlineData("""'(x) OR y:z AND NOT [1 TO 2] {a} ~b ^c !d &&e ||f /g/'""")]
    [InlineData("\"line1\\nline2\\ttab\"")]
    [InlineData("""'ünïcødé ✓ 𝄞'""")]
    [InlineData("''")]
    [InlineData("""'*contains "quoted" \ backslash*'""")]
    public void Convert_HostileValueToLucene_ParsesWithLuceneNet(string value)
    {
        foreach (var detection in new[]
        {
            $"selection:\n    Field: {value}\ncondition: selection",
            $"selection:\n    Field|contains: {value}\ncondition: selection",
            $"keywords:\n    - {value}\ncondition: keywords",
            $"selection:\n    Field:\n        - {value}\n        - other\nfilter:\n    Other: null\ncondition: selection and not filter",
        })
        {
            AssertParses(TestConversion.Query(detection, "lucene"), detection);
        }
    }

    [Fact]
    public void Convert_RegexAndCidrToLucene_ParseWithLuceneNet()
    {
        var regex = TestConversion.Query("selection:\n    Field|re: 'a\"b/c\\\\d[0-9]+'\ncondition: selection", "lucene");
        AssertParses(regex, "regex");
        Assert.Null(RegexError(Assert.Single(Parse(regex).Regexes)));
        AssertParses(TestConversion.Query("selection:\n    Ip|cidr: '10.0.0.0/8'\ncondition: selection", "lucene"), "cidr v4");
        AssertParses(TestConversion.Query("selection:\n    Ip|cidr: 'fe80::/10'\ncondition: selection", "lucene"), "cidr v6");
    }

    /// <summary>
    /// The classic parser with cheap leaves: wildcard and prefix terms are not compiled into automata, regexes are
    /// collected for a separate check, and the clause limit (an index setting, not syntax) is lifted.
    /// </summary>
    private sealed class SyntaxOnlyParser() : QueryParser(LuceneVersion.LUCENE_48, "message", new WhitespaceAnalyzer(LuceneVersion.LUCENE_48))
    {
        static SyntaxOnlyParser() => BooleanQuery.MaxClauseCount = int.MaxValue;

        protected override Query GetWildcardQuery(string field, string termStr) => new TermQuery(new Term(field, termStr));

        protected override Query GetPrefixQuery(string field, string termStr) => new TermQuery(new Term(field, termStr));

        public List<string> Regexes { get; } = [];

        protected override Query GetRegexpQuery(string field, string termStr)
        {
            Regexes.Add(termStr);
            return new TermQuery(new Term(field, termStr));
        }
    }
}
