namespace CraftedSignal.Domain.Sigma.Conversion.Pipelines;

/// <summary>A pySigma processing pipeline (placeholder until the YAML format is implemented).</summary>
public sealed class ProcessingPipeline
{
    internal static void Apply(IReadOnlyList<ProcessingPipeline> pipelines, ConversionRule rule, string target) =>
        rule.State["target"] = target + pipelines.Count;
}
