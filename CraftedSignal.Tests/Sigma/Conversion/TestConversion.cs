using CraftedSignal.Domain.Sigma.Conversion;
using CraftedSignal.Domain.Sigma.Conversion.Pipelines;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Tests.Sigma.Conversion;

/// <summary>Converts small rules built around a detection section.</summary>
internal static class TestConversion
{
    public static ConversionResult Rule(string detection, string target, string logsource = "product: test", params ProcessingPipeline[] pipelines)
    {
        var yaml = $"""
            title: Test rule
            logsource:
                {logsource.Replace("\n", "\n    ", StringComparison.Ordinal)}
            detection:
            {Indent(detection)}
            """;
        return Text(yaml, target, pipelines);
    }

    public static ConversionResult Text(string yaml, string target, params ProcessingPipeline[] pipelines)
    {
        var file = SigmaParser.Parse(yaml, "rule.yml");
        Assert.False(file.HasErrors, string.Join('\n', file.Diagnostics));
        return SigmaConverter.Convert(file, SigmaConverter.CreateBackend(target)!, pipelines);
    }

    /// <summary>The single query of a rule that must convert.</summary>
    public static string Query(string detection, string target, string logsource = "product: test", params ProcessingPipeline[] pipelines)
    {
        var result = Rule(detection, target, logsource, pipelines);
        Assert.True(result.Succeeded, result.Error?.Message);
        return Assert.Single(result.Queries);
    }

    /// <summary>The error message of a rule that must not convert.</summary>
    public static string Refusal(string detection, string target)
    {
        var result = Rule(detection, target);
        Assert.False(result.Succeeded);
        return result.Error!.Message;
    }

    public static ProcessingPipeline Pipeline(string yaml)
    {
        var loaded = ProcessingPipeline.Parse(yaml);
        Assert.True(loaded.Succeeded, loaded.Error?.Message);
        return loaded.Value;
    }

    private static string Indent(string text) =>
        string.Join('\n', text.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n').Select(line => "    " + line));
}
