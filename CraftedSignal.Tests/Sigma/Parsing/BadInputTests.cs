using System.Text;
using System.Text.RegularExpressions;
using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Events;
using CraftedSignal.Domain.Sigma.Parsing;
using CraftedSignal.Domain.Sigma.Validation;

namespace CraftedSignal.Tests.Sigma.Parsing;

public partial class BadInputTests
{
    private static IReadOnlyList<SigmaDiagnostic> Check(string text) => SigmaValidator.Validate(SigmaParser.Parse(text, "x.yml"));

    [Fact]
    public void MalformedYaml_IsASyntaxDiagnosticWithPosition()
    {
        var diagnostic = Assert.Single(Check("title: x\ndetection: [unclosed\n  foo: : :\n"), d => d.IsError);
        Assert.Equal(SigmaDiagnosticCodes.YamlSyntax, diagnostic.Code);
        Assert.True(diagnostic.Position.Line >= 2);
    }

    [Fact]
    public void HugeFile_IsRejectedWithSizeLimit()
    {
        var text = "title: x\ndescription: '" + new string('a', SigmaYamlReader.MaxBytes) + "'\n";
        var diagnostic = Assert.Single(Check(text));
        Assert.Equal(SigmaDiagnosticCodes.FileTooLarge, diagnostic.Code);
        Assert.Contains("limited to", diagnostic.Message);
    }

    [Fact]
    public void DeepNesting_IsRejected()
    {
        var text = "title: x\ndetection: " + new string('[', 5000) + new string(']', 5000) + "\n";
        Assert.Contains(Check(text), d => d.Code == SigmaDiagnosticCodes.NestingTooDeep);
    }

    [Fact]
    public void BinaryGarbage_IsNotText()
    {
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        bytes[10] = 0;
        var file = SigmaParser.Parse(bytes, "x.yml");
        Assert.Equal(SigmaDiagnosticCodes.NotText, Assert.Single(file.Diagnostics).Code);
    }

    [Fact]
    public void WrongTypes_AreReported()
    {
        var diagnostics = Check("title: [a, b]\nlogsource: windows\ndetection:\n    selection: 5\n    condition: selection\n");
        Assert.Contains(diagnostics, d => d.Code == SigmaDiagnosticCodes.WrongType && d.Position == new SourcePosition(1, 8));
        Assert.Contains(diagnostics, d => d.Code == SigmaDiagnosticCodes.WrongType && d.Position.Line == 2);
        Assert.Contains(diagnostics, d => d.Code == SigmaDiagnosticCodes.InvalidSearch && d.Position.Line == 4);
    }

    [Fact]
    public void RuleWithParseErrors_IsNotEvaluated()
    {
        var file = SigmaParser.Parse(SigmaTestRules.Rule("selection:\n    Image|endwith: x\n    User: bob\ncondition: selection"));
        var engine = SigmaEngine.Create([file]);
        Assert.Empty(engine.Rules);
        Assert.Contains(engine.Diagnostics, d => d.Code == SigmaDiagnosticCodes.DocumentSkipped);
    }

    [Fact]
    public void Fuzz_MutatedCorpusRules_OnlyEverYieldDiagnostics()
    {
        var random = new Random(20260801);
        var sources = SigmaSources.Find([SigmaData.Rules], _ => { });
        var sample = Enumerable.Range(0, 150).Select(_ => File.ReadAllText(sources[random.Next(sources.Count)].FullPath)).ToList();
        string[] fragments = ["|", ":", "- ", "'", "\"", "[", "]", "{", "}", "*", "?", "\\", "\n", "    ", "\t", "|re", "|all", "|base64offset", "|cidr",
            "|windash", " and ", " or ", " not ", "(", ")", "1 of ", "all of ", "null", "~", "&a", "*a", "!!binary ", "%", "|expand", "---\n", "action: global\n"];
        var evt = SigmaEvent.FromJson("""{"EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Image": "C:\\a.exe", "CommandLine": "x -enc y"}""");
        var mutations = 0;
        var withErrors = 0;
        foreach (var original in sample)
        {
            for (var round = 0; round < 20; round++)
            {
                var text = Mutate(original, random, fragments);
                var file = SigmaParser.Parse(text, "fuzz.yml");
                var diagnostics = SigmaValidator.Validate(file);
                Assert.All(diagnostics, d =>
                {
                    Assert.Matches(CodePattern(), d.Code);
                    Assert.False(string.IsNullOrWhiteSpace(d.Message));
                    Assert.True(d.Position.Line >= 1 && d.Position.Column >= 1, d.ToString());
                });
                var engine = SigmaEngine.Create([file]);
                engine.Match(evt);
                withErrors += diagnostics.Any(d => d.IsError) ? 1 : 0;
                mutations++;
            }
        }

        Assert.Equal(3000, mutations);
        Assert.InRange(withErrors, 300, mutations);
    }

    private static string Mutate(string text, Random random, string[] fragments)
    {
        var builder = new StringBuilder(text);
        var steps = random.Next(1, 4);
        for (var i = 0; i < steps && builder.Length > 0; i++)
        {
            var at = random.Next(builder.Length);
            switch (random.Next(6))
            {
                case 0:
                    builder.Remove(at, Math.Min(random.Next(1, 20), builder.Length - at));
                    break;
                case 1:
                    builder.Insert(at, fragments[random.Next(fragments.Length)]);
                    break;
                case 2:
                    builder.Insert(at, (char)random.Next(1, 0x3000));
                    break;
                case 3:
                    builder.Length = at;
                    break;
                case 4:
                    var lines = builder.ToString().Split('\n');
                    var a = random.Next(lines.Length);
                    var b = random.Next(lines.Length);
                    (lines[a], lines[b]) = (lines[b], lines[a]);
                    builder.Clear().Append(string.Join('\n', lines));
                    break;
                default:
                    var all = builder.ToString().Split('\n').ToList();
                    var line = random.Next(all.Count);
                    all.Insert(line, all[line]);
                    builder.Clear().Append(string.Join('\n', all));
                    break;
            }
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"^SIG\d{4}$")]
    private static partial Regex CodePattern();
}
