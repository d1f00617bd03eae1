using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Parsing;
using CraftedSignal.Domain.Sigma.Validation;
using CraftedSignal.Domain.Testing;
using static CraftedSignal.Tests.Sigma.SigmaTestRules;

namespace CraftedSignal.Tests.Sigma.Validation;

public sealed class BacktrackingPatternTests
{
    [Theory]
    [InlineData("'(?=a)b'", "a lookahead '(?=' at character 1 of the pattern")]
    [InlineData("'x(\\w)\\1'", "a backreference '\\1' at character 6 of the pattern")]
    [InlineData("'[(?=]a(?<!b)'", "a negative lookbehind '(?<!' at character 7 of the pattern")]
    [InlineData("'(?P<n>a)(?P=n)'", "a backreference '(?P=' at character 9 of the pattern")]
    [InlineData("'a(?>bc|b)c'", "an atomic group '(?>' at character 2 of the pattern")]
    public void Warning_NamesTheConstructAndWhereItIs(string pattern, string expected)
    {
        var warning = Assert.Single(Validate($"selection:\n    CommandLine|re: {pattern}\ncondition: selection"),
            d => d.Code == SigmaDiagnosticCodes.RegexNeedsTimeout);

        Assert.False(warning.IsError);
        Assert.Contains($"This pattern needs backtracking: {expected}.", warning.Message, StringComparison.Ordinal);
        Assert.Equal(7, warning.Position.Line);
    }

    [Fact]
    public void MoreBacktrackingPatternsThanTheCap_IsAnErrorAtThePatternPastIt()
    {
        var values = string.Concat(Enumerable.Range(1, 6).Select(i => $"\n        - '(?=a){i}'"));

        var diagnostics = Validate($"selection:\n    CommandLine|re:{values}\ncondition: selection");

        Assert.Equal(6, diagnostics.Count(d => d.Code == SigmaDiagnosticCodes.RegexNeedsTimeout));
        var error = Assert.Single(diagnostics, d => d.IsError);
        Assert.Equal(SigmaDiagnosticCodes.TooManyBacktrackingPatterns, error.Code);
        Assert.Equal(13, error.Position.Line);
        Assert.Equal("This is the rule's pattern number 6 that needs backtracking (lookaround or backreference); a rule may have at most 5. "
            + "Rewrite some without lookarounds and backreferences, or split the rule.", error.Message);
    }

    [Fact]
    public void TheCap_IsConfigurable_AndCountsEverySelectionOfTheRule()
    {
        var file = SigmaParser.Parse(Rule("first:\n    A|re: '(?=a)'\nsecond:\n    B|re: '(?!b)'\nthird:\n    C|re: '(?<=c)'\ncondition: 1 of them"), "rule.yml");

        var errors = SigmaValidator.Validate(file, new SigmaValidationOptions { MaxBacktrackingPatternsPerRule = 1 }).Where(d => d.IsError).ToList();

        Assert.Equal([SigmaDiagnosticCodes.TooManyBacktrackingPatterns, SigmaDiagnosticCodes.TooManyBacktrackingPatterns], errors.Select(e => e.Code));
        Assert.Equal([9, 11], errors.Select(e => e.Position.Line));
        Assert.DoesNotContain(SigmaValidator.Validate(file, new SigmaValidationOptions { MaxBacktrackingPatternsPerRule = 3 }), d => d.IsError);
    }

    [Fact]
    public void ARulePastTheCap_DoesNotCompileForTheServer()
    {
        var content = Rule("selection:\n    A|re:\n        - '(?=a)'\n        - '(?=b)'\ncondition: selection");

        var engine = SigmaEngine.Create([SigmaParser.Parse(content, "rule.yml")], SigmaEngineOptions.Default with { MaxBacktrackingPatterns = 1 });
        var tested = RuleTester.Compile(content, SigmaEngineOptions.Default with { MaxBacktrackingPatterns = 1 });

        Assert.Empty(engine.Rules);
        Assert.Contains(engine.Diagnostics, d => d.Code == SigmaDiagnosticCodes.TooManyBacktrackingPatterns && d.Position.Line == 9);
        Assert.StartsWith("This is the rule's pattern number 2 that needs backtracking", tested.Error, StringComparison.Ordinal);
        Assert.Equal(2, RuleTester.Compile(content).BacktrackingPatterns);
    }
}
