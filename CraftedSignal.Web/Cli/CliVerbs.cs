using System.CommandLine;

namespace CraftedSignal.Web.Cli;

/// <summary>The verbs of the product's binary. With no verb the binary serves the web app.</summary>
internal static class CliVerbs
{
    private static readonly HashSet<string> Verbs = ["db", "keys", "rules", "setup-token", "sigma", "--help", "-h", "-?", "--version"];

    public static bool IsVerb(string[] args) => args.Length > 0 && Verbs.Contains(args[0]);

    public static RootCommand Create()
    {
        var root = new RootCommand("CraftedSignal: the detection-engineering control plane. Run with no verb to serve the web app.");
        root.Add(DbCommand.Create());
        root.Add(KeysCommand.Create());
        root.Add(RulesCommand.Create());
        root.Add(SetupTokenCommand.Create());
        root.Add(SigmaCommand.Create());
        return root;
    }

    public static Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null) =>
        Create().Parse(args).InvokeAsync(new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
        });
}
