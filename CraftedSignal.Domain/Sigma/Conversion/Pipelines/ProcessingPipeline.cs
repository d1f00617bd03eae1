using System.Reflection;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Domain.Sigma.Conversion.Pipelines;

/// <summary>A pipeline that could not be read: the message says where and why.</summary>
public sealed record PipelineNotReadable(string Problem) : Common.Error(Problem, Common.ErrorKind.Invalid);

/// <summary>
/// A pySigma processing pipeline: named, prioritised processing items applied to a rule before conversion. Several
/// pipelines are applied in ascending priority (stable for equal priorities), like sigma-cli chains them.
/// </summary>
public sealed class ProcessingPipeline(string name, int priority, IReadOnlyList<ProcessingItem> items, IReadOnlyList<string> allowedBackends)
{
    public string Name { get; } = name;

    public int Priority { get; } = priority;

    public IReadOnlyList<ProcessingItem> Items { get; } = items;

    /// <summary>Targets the pipeline applies to; empty means all.</summary>
    public IReadOnlyList<string> AllowedBackends { get; } = allowedBackends;

    /// <summary>Names of the built-in pipelines (embedded YAML resources), usable wherever a pipeline file is expected.</summary>
    public static IReadOnlyList<string> BuiltinNames { get; } = [.. typeof(ProcessingPipeline).Assembly.GetManifestResourceNames()
        .Where(n => n.Contains(".Pipelines.Builtin.", StringComparison.Ordinal) && n.EndsWith(".yml", StringComparison.Ordinal))
        .Select(n => n[(n.IndexOf(".Pipelines.Builtin.", StringComparison.Ordinal) + ".Pipelines.Builtin.".Length)..^4])
        .Order(StringComparer.Ordinal)];

    /// <summary>A built-in pipeline by name, else a YAML file by path.</summary>
    public static Common.Result<ProcessingPipeline> Resolve(string nameOrPath)
    {
        if (BuiltinNames.Contains(nameOrPath, StringComparer.Ordinal))
        {
            var resource = typeof(ProcessingPipeline).Assembly.GetManifestResourceNames()
                .Single(n => n.EndsWith(".Pipelines.Builtin." + nameOrPath + ".yml", StringComparison.Ordinal));
            using var stream = typeof(ProcessingPipeline).Assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            return Parse(reader.ReadToEnd(), nameOrPath);
        }

        if (!File.Exists(nameOrPath))
        {
            return new PipelineNotReadable($"no such file and no built-in pipeline of that name (built-in: {string.Join(", ", BuiltinNames)}).");
        }

        try
        {
            return Parse(File.ReadAllText(nameOrPath), nameOrPath);
        }
        catch (IOException ex)
        {
            return new PipelineNotReadable(ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            return new PipelineNotReadable(ex.Message);
        }
    }

    /// <summary>Reads pySigma's pipeline YAML (name, priority, allowed_backends, transformations).</summary>
    public static Common.Result<ProcessingPipeline> Parse(string yaml, string source = "<pipeline>")
    {
        var read = SigmaYamlReader.Read(yaml);
        if (read.Diagnostics.FirstOrDefault(d => d.IsError) is { } yamlError)
        {
            return new PipelineNotReadable($"{yamlError.Position.Line}:{yamlError.Position.Column}: {yamlError.Message}");
        }

        if (read.Documents.Count != 1 || read.Documents[0] is not YamlMapping map)
        {
            return new PipelineNotReadable("a pipeline must be one YAML mapping with 'transformations'.");
        }

        try
        {
            return PipelineYaml.Read(map, source);
        }
        catch (PipelineYamlException ex)
        {
            return new PipelineNotReadable(ex.Message);
        }
    }

    internal static void Apply(IReadOnlyList<ProcessingPipeline> pipelines, ConversionRule rule, string target)
    {
        foreach (var pipeline in pipelines.OrderBy(p => p.Priority))
        {
            if (pipeline.AllowedBackends.Count > 0 && !pipeline.AllowedBackends.Contains(target, StringComparer.Ordinal))
            {
                continue;
            }

            foreach (var item in pipeline.Items)
            {
                item.Apply(rule);
            }
        }
    }

    internal static Assembly ResourceAssembly => typeof(ProcessingPipeline).Assembly;
}
