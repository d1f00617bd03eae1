using System.CommandLine;
using System.CommandLine.Invocation;
using CraftedSignal.Domain.Sigma.Conversion;
using CraftedSignal.Domain.Sigma.Evaluation;
using CraftedSignal.Domain.Sigma.Validation;

namespace CraftedSignal.Web.Cli;

/// <summary>The <c>sigma</c> verbs of the product binary: validate, match, convert and the benchmarks. Their bodies are the runners beside it.</summary>
internal static class SigmaCommand
{
    public const int UsageError = 2;

    public static Command Create()
    {
        var sigma = new Command("sigma", "Validate Sigma rules, match them against events, convert them to queries, and benchmark the engine.");
        sigma.Action = new SigmaAction((_, _, error) =>
        {
            error.WriteLine("sigma: choose a verb: validate, match, convert, bench or bench-convert (see 'sigma --help').");
            return UsageError;
        });
        sigma.Subcommands.Add(CreateValidate());
        sigma.Subcommands.Add(CreateMatch());
        sigma.Subcommands.Add(CreateConvert());
        sigma.Subcommands.Add(CreateBench());
        sigma.Subcommands.Add(CreateBenchConvert());
        return sigma;
    }

    private static Command CreateValidate()
    {
        var paths = new Argument<string[]>("PATH") { Description = "Sigma files or folders (searched recursively for .yml/.yaml).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("validate", "Check Sigma rules; prints PATH:LINE:COL: error|warning CODE: message. Exit 0 without errors, 1 with, 2 for usage errors.")
        {
            paths,
        };
        command.Action = new SigmaAction((result, output, error) => SigmaValidateRunner.Run(result.GetValue(paths) ?? [], output, error));
        return command;
    }

    private static Command CreateMatch()
    {
        var rules = new Option<string[]>("--rules") { Description = "Sigma files or folders.", Required = true, AllowMultipleArgumentsPerToken = true };
        var events = new Option<string[]>("--events") { Description = "Event files: JSON Lines, a JSON array, concatenated JSON, evtx_dump JSON.", Required = true, AllowMultipleArgumentsPerToken = true };
        var map = new Option<string?>("--logsource-map") { Description = "YAML log-source mapping (see CraftedSignal.Domain/Sigma/README.md)." };
        var threads = new Option<int>("--threads") { Description = "Threads that parse and match events; the output is the same for any number.", DefaultValueFactory = _ => 1 };
        var command = new Command("match", "Match rules against events; one JSON line per match on stdout, a summary on stderr.")
        {
            rules,
            events,
            map,
            threads,
        };
        command.Action = new SigmaAction((result, output, error) =>
            SigmaMatchRunner.Run(result.GetValue(rules) ?? [], result.GetValue(events) ?? [], result.GetValue(map), output, error, threads: result.GetValue(threads)));
        return command;
    }

    private static Command CreateConvert()
    {
        var target = new Option<string>("--target", "-t")
        {
            Description = $"Query language: {string.Join(", ", SigmaConverter.Targets)}.",
            Required = true,
        };
        var pipelines = new Option<string[]>("--pipeline", "-p")
        {
            Description = "Processing pipeline: a pySigma pipeline YAML file or a built-in name; repeat to chain (applied by priority).",
        };
        var paths = new Argument<string[]>("PATH") { Description = "Sigma files or folders (searched recursively, following symbolic links).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("convert", "Convert rules to queries; one JSON line per rule file. Exit 0 when all converted, 1 when any failed, 2 for usage errors.")
        {
            target,
            pipelines,
            paths,
        };
        command.Action = new SigmaAction((result, output, error) =>
            SigmaConvertRunner.Run(result.GetValue(target) ?? string.Empty, result.GetValue(pipelines) ?? [], result.GetValue(paths) ?? [], output, error));
        return command;
    }

    private static Command CreateBenchConvert()
    {
        var rules = new Option<string?>("--rules") { Description = "Rule folder (default: ../shared/sigma/rules found above the current folder)." };
        var targets = new Option<string[]>("--target", "-t") { Description = "Targets to measure (default: all)." };
        var repeat = new Option<int>("--repeat") { Description = "Conversions per target; the best is reported.", DefaultValueFactory = _ => 5 };
        var command = new Command("bench-convert", "Benchmark: convert the rule corpus to each target on one thread.")
        {
            rules,
            targets,
            repeat,
        };
        command.Action = new SigmaAction((result, output, error) =>
        {
            var folder = result.GetValue(rules) ?? FindCorpus();
            if (folder is null)
            {
                error.WriteLine("sigma bench-convert: no rule folder given and ../shared/sigma/rules was not found. Pass --rules PATH.");
                return UsageError;
            }

            return SigmaConvertBenchRunner.Run([folder], result.GetValue(targets) ?? [], result.GetValue(repeat), output, error);
        });
        return command;
    }

    private static Command CreateBench()
    {
        var rules = new Option<string?>("--rules") { Description = "Rule folder (default: ../shared/sigma/rules found above the current folder)." };
        var events = new Option<int>("--events") { Description = "Number of generated events.", DefaultValueFactory = _ => 100_000 };
        var rounds = new Option<int>("--rounds") { Description = "Passes over the events; the best is reported.", DefaultValueFactory = _ => 5 };
        var eventsFile = new Option<string?>("--events-file") { Description = "Measure over this JSON Lines file instead of generated events." };
        var top = new Option<int>("--top") { Description = "How many of the most expensive rules to list.", DefaultValueFactory = _ => 10 };
        var command = new Command("bench", "Benchmark: the rule corpus over generated Sysmon-shaped events (or --events-file), on one thread.")
        {
            rules,
            events,
            rounds,
            eventsFile,
            top,
        };
        command.Action = new SigmaAction((result, output, error) =>
        {
            var folder = result.GetValue(rules) ?? FindCorpus();
            if (folder is null)
            {
                error.WriteLine("sigma bench: no rule folder given and ../shared/sigma/rules was not found. Pass --rules PATH.");
                return UsageError;
            }

            return SigmaBenchRunner.Run([folder], result.GetValue(events), output, error, result.GetValue(rounds), result.GetValue(eventsFile), result.GetValue(top));
        });
        return command;
    }

    internal static string? FindCorpus()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "sigma", "rules");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Runs a verb with the configured writers; parse errors are usage errors (exit 2), not exit 1.</summary>
    private sealed class SigmaAction(Func<ParseResult, TextWriter, TextWriter, int> run) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            if (parseResult.Errors.Count > 0)
            {
                foreach (var parseError in parseResult.Errors)
                {
                    error.WriteLine($"{parseResult.CommandResult.Command.Name}: {parseError.Message}");
                }

                return UsageError;
            }

            try
            {
                return run(parseResult, output, error);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"{parseResult.CommandResult.Command.Name}: {ex.Message}");
                return 1;
            }
        }
    }
}
