using System.CommandLine;
using CraftedSignal.Domain.Rules;

namespace CraftedSignal.Web.Cli;

/// <summary>The <c>rules</c> verbs of the product binary: <c>rules bench</c>. The logic lives in <see cref="RuleBenchRunner"/>.</summary>
internal static class RulesCommand
{
    public static Command Create()
    {
        var rules = new Command("rules", "The rule library.");
        rules.Subcommands.Add(CreateBench());
        return rules;
    }

    private static Command CreateBench()
    {
        var count = new Option<int>("--rules") { Description = "Library size to grow to (copies of the corpus with new ids).", DefaultValueFactory = _ => 10_000 };
        var corpus = new Option<string?>("--corpus") { Description = "Sigma rule folder (default: ../shared/sigma/rules found above the current folder)." };
        var runs = new Option<int>("--runs") { Description = "Timed runs per figure, after warm-up.", DefaultValueFactory = _ => 20 };
        var command = new Command("bench", "Benchmark: import the corpus into a temporary database, then time the library's page queries, a page's render and a 300-line rule's validation.")
        {
            count,
            corpus,
            runs,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var folder = parseResult.GetValue(corpus) ?? SigmaCommand.FindCorpus();
            if (folder is null)
            {
                await error.WriteLineAsync("rules bench: no corpus given and ../shared/sigma/rules was not found. Pass --corpus PATH.");
                return SigmaCommand.UsageError;
            }

            if (parseResult.GetValue(count) < 1 || parseResult.GetValue(runs) < 1)
            {
                await error.WriteLineAsync("rules bench: --rules and --runs must be at least 1.");
                return SigmaCommand.UsageError;
            }

            await using var renderer = new RuleGridRenderer();
            var options = new RuleBenchOptions(parseResult.GetValue(count), Path.GetFullPath(folder), parseResult.GetValue(runs));
            return await RuleBenchRunner.RunAsync(options, output, error, renderer.RenderAsync, cancellationToken);
        });
        return command;
    }
}
