using CraftedSignal.Domain.Sigma.Conversion.Pipelines;
using CraftedSignal.Domain.Sigma.Correlation;

namespace CraftedSignal.Domain.Sigma.Conversion;

/// <summary>Converts correlation rules (placeholder).</summary>
internal static class CorrelationConverter
{
    public static ConversionResult Convert(SigmaCorrelationRule correlation, IReadOnlyList<SigmaRule> rules, TextQueryBackend backend, IReadOnlyList<ProcessingPipeline> pipelines) =>
        ConversionResult.Failed(new FeatureNotSupported(
            $"Correlation rules ({correlation.Type}, {rules.Count} rules, {pipelines.Count} pipelines) are not supported by the {backend.Target} backend yet."));
}
