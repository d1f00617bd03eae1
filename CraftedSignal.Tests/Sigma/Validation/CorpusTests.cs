using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Parsing;
using CraftedSignal.Domain.Sigma.Validation;

namespace CraftedSignal.Tests.Sigma.Validation;

public class CorpusTests
{
    private static readonly Lazy<IReadOnlyList<SigmaFile>> Corpus = new(() =>
        [.. SigmaSources.Find([SigmaData.Rules], _ => { }).Select(s => SigmaParser.ParseFile(s.FullPath, s.DisplayPath))]);

    [Fact]
    public void Corpus_EveryRule_ValidatesWithoutError()
    {
        Assert.Equal(3141, Corpus.Value.Count);
        var results = SigmaValidator.ValidateAll(Corpus.Value);
        var errors = Corpus.Value.Zip(results).SelectMany(x => x.Second.Where(d => d.IsError).Select(d => d.Format(x.First.Path))).ToList();
        Assert.True(errors.Count == 0, string.Join('\n', errors.Take(40)));
    }

    [Fact]
    public void Corpus_EveryRule_Compiles()
    {
        var engine = SigmaEngine.Create(Corpus.Value);
        Assert.Empty(engine.Diagnostics.Where(d => d.IsError).Select(d => d.Format(d.Path!)));
        Assert.Equal(3141, engine.Rules.Count);
    }
}
