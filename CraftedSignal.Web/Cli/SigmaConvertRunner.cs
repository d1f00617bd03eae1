using System.Globalization;
using System.Text;
using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Conversion;
using CraftedSignal.Domain.Sigma.Conversion.Pipelines;
using CraftedSignal.Domain.Sigma.Parsing;

namespace CraftedSignal.Web.Cli;

/// <summary>
/// The <c>sigma convert</c> verb: one JSON line per rule file, <c>{"path", "target", "queries"}</c> or
/// <c>{"path", "target", "error"}</c>, in the layout of the golden files. Exit 0 when all converted, 1 when any failed,
/// 2 for usage errors.
/// </summary>
internal static class SigmaConvertRunner
{
    public const int Ok = 0;
    public const int Failures = 1;
    public const int Usage = 2;

    public static int Run(string target, IReadOnlyList<string> pipelinePaths, IReadOnlyList<string> paths, TextWriter output, TextWriter error)
    {
        if (SigmaConverter.CreateBackend(target) is not { } backend)
        {
            error.WriteLine($"sigma convert: unknown target '{target}'. Use one of: {string.Join(", ", SigmaConverter.Targets)}.");
            return Usage;
        }

        if (paths.Count == 0)
        {
            error.WriteLine("sigma convert: give at least one file or folder.");
            return Usage;
        }

        var pipelines = new List<ProcessingPipeline>();
        foreach (var path in pipelinePaths)
        {
            var loaded = ProcessingPipeline.Resolve(path);
            if (!loaded.Succeeded)
            {
                error.WriteLine($"sigma convert: pipeline '{path}': {loaded.Error.Message}");
                return Usage;
            }

            pipelines.Add(loaded.Value);
        }

        var missing = false;
        var sources = SigmaSources.Find(paths, path =>
        {
            error.WriteLine($"sigma convert: '{path}' does not exist.");
            missing = true;
        });
        if (missing)
        {
            return Usage;
        }

        // Correlations may reference rules of other files, so every file is parsed first.
        var files = SigmaSources.ParseAll(sources);
        var allRules = files.SelectMany(f => f.Documents.OfType<SigmaRule>()).ToList();
        // Each file converts on its own (the backend and pipelines keep no state between rules); the lines keep the files' order.
        var results = new ConversionResult[files.Count];
        Parallel.For(0, files.Count, i => results[i] = SigmaConverter.Convert(files[i], backend, pipelines, allRules));
        var failed = 0;
        for (var i = 0; i < files.Count; i++)
        {
            output.WriteLine(JsonLine(sources[i].DisplayPath, target, results[i]));
            failed += results[i].Succeeded ? 0 : 1;
        }

        error.WriteLine($"{sources.Count} files, {sources.Count - failed} converted, {failed} failed");
        return failed > 0 ? Failures : Ok;
    }

    /// <summary>Formats a result as Python's <c>json.dumps</c> does, so lines compare equal with sigma-cli's.</summary>
    public static string JsonLine(string path, string target, ConversionResult result)
    {
        var line = new StringBuilder("{\"path\": ");
        AppendString(line, path);
        line.Append(", \"target\": ");
        AppendString(line, target);
        if (result.Succeeded)
        {
            line.Append(", \"queries\": [");
            for (var i = 0; i < result.Queries.Count; i++)
            {
                if (i > 0)
                {
                    line.Append(", ");
                }

                AppendString(line, result.Queries[i]);
            }

            line.Append("]}");
        }
        else
        {
            line.Append(", \"error\": ");
            AppendString(line, result.Error!.Message);
            line.Append('}');
        }

        return line.ToString();
    }

    private static void AppendString(StringBuilder line, string text)
    {
        line.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"':
                    line.Append("\\\"");
                    break;
                case '\\':
                    line.Append("\\\\");
                    break;
                case '\n':
                    line.Append("\\n");
                    break;
                case '\r':
                    line.Append("\\r");
                    break;
                case '\t':
                    line.Append("\\t");
                    break;
                case '\b':
                    line.Append("\\b");
                    break;
                case '\f':
                    line.Append("\\f");
                    break;
                default:
                    if (c < 0x20 || c > 0x7e)
                    {
                        line.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        line.Append(c);
                    }

                    break;
            }
        }

        line.Append('"');
    }
}
