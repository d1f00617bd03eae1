using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Conversion;
using CraftedSignal.Domain.Sigma.Conversion.Pipelines;
using CraftedSignal.Domain.Sigma.Correlation;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Domain.Targets;

/// <summary>A Sigma rule converted for one target: its one query, its metadata and the SHA-256 of its content.</summary>
internal sealed record CompiledRule(string Query, SigmaMetadata? Metadata, string ContentSha256);

/// <summary>How a connector words the reasons a rule cannot go to its target, and the error records it uses for them.</summary>
/// <param name="QueryLanguage">e.g. "Splunk SPL".</param>
/// <param name="SeveralQueries">Says why one rule must be one query, given the count, e.g. "3 Splunk searches; a saved search runs exactly one".</param>
internal sealed record RuleRefusals(string QueryLanguage, Func<int, string> SeveralQueries, Func<string, TargetError> NotDeployable);

/// <summary>
/// What every connector does with a rule before it talks to its target: convert it with one backend and the connection's
/// pipelines (parsed already, see <see cref="TargetPipelines"/>: built-in or pasted, never a path), insist on exactly one query, and refuse rules whose Sigma status says they are not meant to run.
/// </summary>
internal static class TargetRules
{
    public static Result<CompiledRule> Compile(string ruleContent, string backend, IReadOnlyList<ProcessingPipeline> pipelines, RuleRefusals refusals)
    {
        var file = SigmaParser.Parse(ruleContent, "rule.yml");
        var converted = SigmaConverter.Convert(file, SigmaConverter.CreateBackend(backend)!, pipelines);
        if (!converted.Succeeded)
            return refusals.NotDeployable($"The rule does not convert to {refusals.QueryLanguage}: {converted.Error!.Message}");
        if (converted.Queries.Count != 1)
            return refusals.NotDeployable($"The rule converts to {refusals.SeveralQueries(converted.Queries.Count)}. Split the rule.");

        SigmaDocument? rule = file.Documents.OfType<SigmaCorrelationRule>().FirstOrDefault() ?? (SigmaDocument?)file.Documents.OfType<SigmaRule>().FirstOrDefault();
        var status = rule?.Metadata.Status?.Trim().ToLowerInvariant();
        if (status is "deprecated" or "unsupported")
            return refusals.NotDeployable($"The rule's Sigma status is '{status}': it is not meant to run. Change its status to deploy it.");
        return new CompiledRule(converted.Queries[0], rule?.Metadata, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ruleContent))));
    }
}

/// <summary>
/// The line that ends the description of everything CraftedSignal deploys, so a rule on a target is recognised as ours
/// (and as which rule and content) even when someone renamed it there.
/// </summary>
public static partial class TargetMarker
{
    public static string For(Guid ruleId, string contentSha256, string targetName) =>
        $"[Managed by CraftedSignal: rule {ruleId:D}, content sha256 {contentSha256}. Edits made in {targetName} are reported as drift and replaced by the next deployment.]";

    public static Guid? RuleIdOf(string? description) =>
        description is not null && MarkerPattern().Match(description) is { Success: true } match && Guid.TryParse(match.Groups[1].Value, out var id) ? id : null;

    /// <summary>The rule's title and description (the description cut at 1,000 characters), then the marker.</summary>
    internal static string Description(SigmaMetadata? metadata, Guid ruleId, string contentSha256, string targetName)
    {
        var text = new StringBuilder();
        if (!string.IsNullOrWhiteSpace(metadata?.Title))
            text.Append(metadata.Title.Trim()).Append("\n\n");
        if (!string.IsNullOrWhiteSpace(metadata?.Description))
        {
            var description = metadata.Description.Trim();
            text.Append(description.Length > 1000 ? description[..1000] + "…" : description).Append("\n\n");
        }

        return text.Append(For(ruleId, contentSha256, targetName)).ToString();
    }

    [GeneratedRegex(@"\[Managed by CraftedSignal: rule ([0-9a-fA-F-]{36})", RegexOptions.CultureInvariant)]
    private static partial Regex MarkerPattern();
}
