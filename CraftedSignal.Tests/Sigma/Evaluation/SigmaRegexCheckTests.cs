using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Tests.Sigma.Evaluation;

/// <summary>
/// The cheap check the compiler and the validator use gives the same answer as building the linear-time engine: valid or
/// not, and whether the pattern needs backtracking.
/// </summary>
public sealed class SigmaRegexCheckTests
{
    [Fact]
    public void EveryPatternOfTheCorpusAndTheRegressionRules_IsJudgedAsTheLinearEngineJudgesIt()
    {
        var patterns = Directory.EnumerateFiles(SigmaData.Rules, "*.yml", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(SigmaData.Regression, "*.yml", SearchOption.AllDirectories))
            .SelectMany(file => SigmaYamlReader.Read(File.ReadAllText(file)).Documents)
            .SelectMany(Patterns)
            .Distinct()
            .ToList();
        Assert.True(patterns.Count > 100, $"Only {patterns.Count} patterns were found.");

        var disagreements = patterns.Where(p => Verdict(SigmaRegex.Check(p.Text, p.I, p.M, p.S)) != Verdict(SigmaRegex.Create(p.Text, p.I, p.M, p.S))).ToList();

        Assert.True(disagreements.Count == 0, $"{disagreements.Count} of {patterns.Count} patterns judged differently, first: {disagreements.FirstOrDefault()}");
    }

    [Theory]
    [InlineData(@"^a+$")]
    [InlineData(@"(?i)cmd\.exe\s+/c")]
    [InlineData(@"(?=a)(a+)+$")]
    [InlineData(@"(?<!x)y")]
    [InlineData(@"(a)\1")]
    [InlineData(@"(?P<n>a)(?P=n)")]
    [InlineData(@"(?>a+)b")]
    [InlineData(@"[(?=]x")]
    [InlineData(@"\(?=x")]
    [InlineData(@"(unclosed")]
    [InlineData(@"a{2,1}")]
    [InlineData(@"\G\d")]
    [InlineData(@"(?(a)b|c)")]
    public void TypedPatterns_AreJudgedAsTheLinearEngineJudgesThem(string pattern) =>
        Assert.Equal(Verdict(SigmaRegex.Create(pattern, false, false, false)), Verdict(SigmaRegex.Check(pattern, false, false, false)));

    private static (bool Valid, bool Linear) Verdict(SigmaRegexResult result) => (result.Regex is not null, result.Regex is not null && result.Linear);

    private static IEnumerable<(string Text, bool I, bool M, bool S)> Patterns(YamlNode? node) => node switch
    {
        YamlMapping mapping => mapping.Entries.SelectMany(e => e.Key.Text.Split('|').Contains("re")
            ? Scalars(e.Value).Select(text => (text, Has(e.Key.Text, "i"), Has(e.Key.Text, "m"), Has(e.Key.Text, "s")))
            : Patterns(e.Value)),
        YamlSequence sequence => sequence.Items.SelectMany(Patterns),
        _ => [],
    };

    private static bool Has(string key, string modifier) => key.Split('|').Contains(modifier);

    private static IEnumerable<string> Scalars(YamlNode node) => node switch
    {
        YamlScalar scalar => [scalar.Text],
        YamlSequence sequence => sequence.Items.OfType<YamlScalar>().Select(s => s.Text),
        _ => [],
    };
}
