using System.Diagnostics;

namespace CraftedSignal.Tests.Infrastructure;

/// <summary>The product binary in a child process of its own, configured only by its environment, as an operator runs it.</summary>
public static class ProductProcess
{
    /// <summary>
    /// Starts <c>CraftedSignal.Web.dll</c> with <paramref name="args"/> in Production, with none of this process's
    /// <c>Security__*</c> or environment-name settings, and <paramref name="environment"/> on top.
    /// </summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CraftedSignal.Web.dll"));
        foreach (var argument in args)
            start.ArgumentList.Add(argument);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("Security__", StringComparison.OrdinalIgnoreCase) || k.EndsWith("_ENVIRONMENT", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {host}.");
    }

    /// <summary>Runs the binary as <see cref="Start"/> does, to its end (at most two minutes), and returns what it said.</summary>
    public static async Task<(int Exit, string Output, string Error)> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var child = Start(workingDirectory, environment, args);
        var output = child.StandardOutput.ReadToEndAsync();
        var error = child.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await child.WaitForExitAsync(timeout.Token);
        return (child.ExitCode, await output, await error);
    }
}
