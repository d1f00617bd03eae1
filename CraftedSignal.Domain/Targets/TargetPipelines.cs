using System.Collections.Concurrent;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Sigma.Conversion.Pipelines;

namespace CraftedSignal.Domain.Targets;

/// <summary>
/// The processing pipelines a target converts rules with: a built-in one by name, or a pasted pipeline's YAML parsed.
/// Never a path: a pipeline file named in stored settings would let settings read the server's files.
/// </summary>
public static class TargetPipelines
{
    private static readonly ConcurrentDictionary<string, ProcessingPipeline> Builtins = new(StringComparer.Ordinal);

    /// <summary>A built-in pipeline, parsed once; a name that is not built in throws (only code names built-ins).</summary>
    public static ProcessingPipeline Builtin(string name) => Builtins.GetOrAdd(name, n =>
        ProcessingPipeline.BuiltinNames.Contains(n, StringComparer.Ordinal) && ProcessingPipeline.Resolve(n) is { Succeeded: true } resolved
            ? resolved.Value
            : throw new ArgumentException($"There is no built-in pipeline '{n}'.", nameof(name)));

    /// <summary>A target's pipelines: none, its built-in one (<c>Pipeline</c>) or its pasted one (<c>PipelineYaml</c>); the error names that field.</summary>
    public static Result<IReadOnlyList<ProcessingPipeline>> Of(string? name, string? yaml)
    {
        name = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        yaml = string.IsNullOrWhiteSpace(yaml) ? null : yaml;
        if (name is not null && yaml is not null)
            return new Invalid("Pipeline", "Choose a built-in pipeline or paste one, not both.");
        if (name is not null)
        {
            return ProcessingPipeline.BuiltinNames.Contains(name, StringComparer.Ordinal)
                ? new[] { Builtin(name) }
                : new Invalid("Pipeline", $"There is no built-in pipeline '{name}'. Available: {string.Join(", ", ProcessingPipeline.BuiltinNames)}.");
        }

        if (yaml is null)
            return Array.Empty<ProcessingPipeline>();
        var parsed = ProcessingPipeline.Parse(yaml, "pipeline");
        return parsed.Succeeded
            ? new[] { parsed.Value }
            : new Invalid("PipelineYaml", $"The pipeline does not parse, and a target whose pipeline does not parse cannot be saved: {parsed.Error.Message}");
    }
}
