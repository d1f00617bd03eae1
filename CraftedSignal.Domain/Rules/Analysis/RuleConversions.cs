using CraftedSignal.Domain.Sigma.Conversion;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Domain.Rules;

/// <summary>A Sigma rule's query for one SIEM language, or why it cannot be converted.</summary>
public sealed record RuleConversion(string Target, string Label, IReadOnlyList<string> Queries, string? Error);

/// <summary>Converts a rule's content to every target the product deploys to (no pipeline: field names as written).</summary>
public static class RuleConversions
{
    private static readonly Dictionary<string, string> Labels = new()
    {
        ["splunk"] = "Splunk SPL",
        ["kusto"] = "Microsoft Sentinel KQL",
        ["lucene"] = "Elastic Lucene",
        ["esql"] = "Elastic ES|QL",
        ["eql"] = "Elastic EQL",
    };

    public static IReadOnlyList<RuleConversion> ConvertAll(string sigmaContent)
    {
        if (sigmaContent.Length > RuleAnalyzer.MaxContentLength)
            return [];
        var file = SigmaParser.Parse(sigmaContent, "rule.yml");
        return SigmaConverter.Targets.Select(target =>
        {
            var result = SigmaConverter.Convert(file, SigmaConverter.CreateBackend(target)!);
            return new RuleConversion(target, Labels[target], result.Queries, result.Error?.Message);
        }).ToList();
    }
}
