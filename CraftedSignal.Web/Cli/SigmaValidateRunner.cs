using CraftedSignal.Domain.Sigma;
using CraftedSignal.Domain.Sigma.Parsing;
using CraftedSignal.Domain.Sigma.Validation;

namespace CraftedSignal.Web.Cli;

/// <summary>The <c>sigma validate</c> verb: one line per diagnostic; exit 0 without errors, 1 with, 2 for usage errors.</summary>
internal static class SigmaValidateRunner
{
    public const int Ok = 0;
    public const int Errors = 1;
    public const int Usage = 2;

    public static int Run(IReadOnlyList<string> paths, TextWriter output, TextWriter error)
    {
        if (paths.Count == 0)
        {
            error.WriteLine("sigma validate: give at least one file or folder.");
            return Usage;
        }

        var missing = false;
        var sources = SigmaSources.Find(paths, path =>
        {
            error.WriteLine($"sigma validate: '{path}' does not exist.");
            missing = true;
        });
        if (missing)
        {
            return Usage;
        }

        var files = SigmaSources.ParseAll(sources);
        var results = SigmaValidator.ValidateAll(files);
        var errors = 0;
        var warnings = 0;
        for (var i = 0; i < files.Count; i++)
        {
            foreach (var diagnostic in results[i])
            {
                output.WriteLine(diagnostic.Format(files[i].Path));
                if (diagnostic.IsError)
                {
                    errors++;
                }
                else
                {
                    warnings++;
                }
            }
        }

        error.WriteLine($"{files.Count} files, {errors} errors, {warnings} warnings");
        return errors > 0 ? Errors : Ok;
    }
}
