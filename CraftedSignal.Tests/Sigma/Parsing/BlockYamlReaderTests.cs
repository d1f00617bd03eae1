using System.Text;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Tests.Sigma.Parsing;

/// <summary>
/// The fast block reader builds exactly the nodes the full YAML reader builds (text, quoting, kind, position), or leaves
/// the text to it: for every SigmaHQ rule and regression file, and for the shapes a user may type.
/// </summary>
public sealed class BlockYamlReaderTests
{
    [Fact]
    public void EveryCorpusAndRegressionFile_ReadsToTheSameNodes_AndMostTakeTheFastPath()
    {
        var files = Directory.EnumerateFiles(SigmaData.Rules, "*.yml", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(SigmaData.Regression, "*.yml", SearchOption.AllDirectories)).ToList();
        var fast = 0;
        var differences = new List<string>();
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var full = SigmaYamlReader.Read(text, blockReader: false);
            var either = SigmaYamlReader.Read(text);
            if (Describe(full) != Describe(either))
                differences.Add($"{Path.GetRelativePath(SigmaData.Root, file)}:\n{FirstDifference(Describe(full), Describe(either))}");
            fast += BlockYamlReader.TryRead(text, new SigmaYamlReader.NodeSink([], [])) ? 1 : 0;
        }

        Assert.True(differences.Count == 0, $"{differences.Count} of {files.Count} files read differently, first: {differences.FirstOrDefault()}");
        Assert.True(fast > files.Count * 9 / 10, $"Only {fast} of {files.Count} files took the fast path.");
    }

    [Theory]
    [InlineData("title: x\ndescription: one\n  two\n\n  three\nlevel: high\n")]
    [InlineData("a: 'it''s'\nb: \"tab\\there \\\\ \\\"q\\\"\"\nc: plain # comment\nd:\ne: ~\nf: 12\ng: 1.5\nh: yes\n")]
    [InlineData("list:\n- a\n- b: c\n  d: e\n-   'f'\nafter: 1\n")]
    [InlineData("nested:\n    list:\n        - x\n        - y\n    map:\n        k: v\n")]
    [InlineData("text: |\n    line one\n      indented\n\n    line three\n\nkeep: |-\n    no newline\nfold: >\n    folded\n    lines\n\n    para\nnext: 1\n")]
    [InlineData("title: a\n---\ntitle: b\n---\ntitle: c\n")]
    [InlineData("---\ntitle: a\n...\n")]
    [InlineData("flow: [a, b]\nmap: {a: 1}\n")]
    [InlineData("anchor: &x 1\nalias: *x\n")]
    [InlineData("a: b: c\n")]
    [InlineData("a:\n\tb: 1\n")]
    [InlineData("key: value\n  bad: indent\n")]
    [InlineData("dup: 1\ndup: 2\n")]
    [InlineData("'quoted key': 1\n\"other\": 2\n")]
    [InlineData("CommandLine|contains|all:\n    - ' -enc '\n    - '-nop'\nImage|endswith: '\\powershell.exe'\n")]
    [InlineData("a: 'unclosed\n")]
    [InlineData("- top\n- level\n")]
    [InlineData("just a scalar\n")]
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("a: 1\r\nb:\r\n  - 2\r\n")]
    [InlineData("a: -1\nb: -enc\nc: :x\nd: x:y\ne: 'a' # c\n")]
    [InlineData("t: >-\n  a\n  b\n")]
    [InlineData("f: >\n  a\n\n\n\n  b\n  c\n\n  d\nl: |\n  a\n\n\n\n  b\n")]
    [InlineData("t: \"\\u00e9\"\n")]
    public void TypedShapes_ReadToTheSameNodes(string text) =>
        Assert.Equal(Describe(SigmaYamlReader.Read(text, blockReader: false)), Describe(SigmaYamlReader.Read(text)));

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var left = i < e.Length ? e[i] : "(end)";
            var right = i < a.Length ? a[i] : "(end)";
            if (left != right)
                return $"  line {i}: full reader {left}\n  line {i}: block reader {right}";
        }

        return "";
    }

    private static string Describe(YamlReadResult result)
    {
        var text = new StringBuilder();
        foreach (var document in result.Documents)
        {
            text.Append("--- document\n");
            Describe(document, 0, text);
        }

        foreach (var diagnostic in result.Diagnostics)
            text.Append($"! {diagnostic.Code} {diagnostic.Position.Line}:{diagnostic.Position.Column} {diagnostic.Message}\n");
        return text.ToString();
    }

    private static void Describe(YamlNode? node, int depth, StringBuilder text)
    {
        var pad = new string(' ', depth * 2);
        switch (node)
        {
            case null:
                text.Append(pad).Append("(none)\n");
                break;
            case YamlScalar scalar:
                text.Append(pad).Append($"scalar {scalar.Position.Line}:{scalar.Position.Column} {scalar.Kind} quoted={scalar.Quoted} [{scalar.Text.Replace("\n", "\\n", StringComparison.Ordinal)}]\n");
                break;
            case YamlSequence sequence:
                text.Append(pad).Append($"sequence {sequence.Position.Line}:{sequence.Position.Column}\n");
                foreach (var item in sequence.Items)
                    Describe(item, depth + 1, text);
                break;
            case YamlMapping mapping:
                text.Append(pad).Append($"mapping {mapping.Position.Line}:{mapping.Position.Column}\n");
                foreach (var entry in mapping.Entries)
                {
                    Describe(entry.Key, depth + 1, text);
                    Describe(entry.Value, depth + 2, text);
                }

                break;
        }
    }
}
