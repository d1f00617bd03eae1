using System.CommandLine;
using CraftedSignal.Domain;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Web.Cli;

/// <summary>
/// <c>keys rotate-master-secret</c>: re-wraps every company's tenant key from the configured master secret to a new one
/// (<see cref="MasterSecretRotation"/>), one company per transaction, so an interrupted run is finished by running it again.
/// </summary>
internal static class KeysCommand
{
    public static Command Create()
    {
        var keys = new Command("keys", "The key hierarchy that protects stored credentials.");
        keys.Subcommands.Add(CreateRotate());
        return keys;
    }

    private static Command CreateRotate()
    {
        var newSecretFile = new Option<string>("--new-secret-file")
        {
            Description = "File holding the new master secret (at least 32 bytes; `openssl rand -base64 32`).",
            Required = true,
        };
        var dataDirectory = new Option<string?>("--data-directory")
        {
            Description = "Folder of the embedded SQLite database (default: the Database:DataDirectory setting, else data/ under the current folder).",
        };
        // Test-only: a pause after each company, so that a test can kill the process in the middle of a rotation.
        var delay = new Option<int>("--delay-per-company-ms") { Hidden = true };
        var command = new Command("rotate-master-secret",
            "Re-wrap every company's credential key under a new master secret. The current one comes from the configuration "
            + "(Security__MasterSecret or Security__MasterSecretFile). Stop the app first; safe to interrupt and run again.")
        {
            newSecretFile,
            dataDirectory,
            delay,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            try
            {
                return await RotateAsync(parseResult.GetValue(newSecretFile)!, parseResult.GetValue(dataDirectory), parseResult.GetValue(delay), output, error, cancellationToken);
            }
            catch (MasterSecretException ex)
            {
                await error.WriteLineAsync($"keys rotate-master-secret: {ex.Message}");
                return SigmaCommand.UsageError;
            }
        });
        return command;
    }

    private static async Task<int> RotateAsync(string newSecretFile, string? dataDirectory, int delayMilliseconds, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        if (dataDirectory is { Length: > 0 })
            builder.Configuration["Database:DataDirectory"] = Path.GetFullPath(dataDirectory);
        builder.AddCraftedSignalDomain();
        // Warnings (a secret file others can read) on stderr; not the database's chatter.
        builder.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        using var host = builder.Build();
        var services = host.Services;
        var logger = services.GetRequiredService<ILogger<CredentialKeyring>>();

        using var next = ReadNewSecret(newSecretFile, logger);
        using var current = CredentialKeyring.Load(services.GetRequiredService<IOptions<MasterSecretOptions>>().Value, generateIfMissing: false, logger);
        if (current.KeyId == next.KeyId)
        {
            await error.WriteLineAsync($"keys rotate-master-secret: the new master secret is the one already configured (key id {current.KeyId}); there is nothing to rotate.");
            return SigmaCommand.UsageError;
        }

        await using var scope = services.CreateAsyncScope();
        await using (var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(cancellationToken))
        {
            if ((await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any())
            {
                await error.WriteLineAsync("keys rotate-master-secret: the database is not up to date. Run `db migrate` first.");
                return SigmaCommand.UsageError;
            }
        }

        await output.WriteLineAsync($"Re-wrapping every company's credential key from master key id {current.KeyId} to {next.KeyId}. Keep the app stopped until the configuration names the new secret.");
        var actor = new Actor(null, $"keys rotate-master-secret (command line, {Environment.UserName})", null);
        var summary = await scope.ServiceProvider.GetRequiredService<MasterSecretRotation>().RotateAsync(current, next, actor, async (step, token) =>
        {
            var line = step.Outcome switch
            {
                RewrapOutcome.Rewrapped => $"re-wrapped {step.CompanyId} {Printable(step.CompanyName)}",
                RewrapOutcome.AlreadyUnderNewSecret => $"already under the new secret {step.CompanyId} {Printable(step.CompanyName)}",
                _ => $"FAILED {step.CompanyId} {Printable(step.CompanyName)}: {step.Problem}",
            };
            await (step.Outcome == RewrapOutcome.Failed ? error : output).WriteLineAsync(line);
            await output.FlushAsync(token);
            if (delayMilliseconds > 0)
                await Task.Delay(delayMilliseconds, token);
        }, cancellationToken);

        await output.WriteLineAsync($"{summary.Rewrapped} key(s) re-wrapped by this run, {summary.AlreadyUnderNewSecret} already under the new secret, {summary.Failures.Count} failed.");
        if (!summary.Complete)
        {
            await error.WriteLineAsync($"keys rotate-master-secret: {summary.Failures.Count} company key(s) could not be re-wrapped (listed above). Keep the current secret configured, fix them, and run the command again with the same --new-secret-file.");
            return 1;
        }

        await output.WriteLineAsync("Every company's key is now under the new master secret. Switch the configuration to it now (Security__MasterSecret or Security__MasterSecretFile), then start the app; the old secret no longer opens anything.");
        return 0;
    }

    private static CredentialKeyring ReadNewSecret(string path, ILogger logger)
    {
        if (!File.Exists(path))
            throw new MasterSecretException($"--new-secret-file: {path} does not exist.");
        var secret = MasterSecretLoader.ReadFile(Path.GetFullPath(path), "--new-secret-file", logger);
        try
        {
            return CredentialKeyring.FromMasterSecret(secret);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>A company name as the operator's terminal should show it: no control characters (escape sequences).</summary>
    private static string Printable(string name) => "'" + new string([.. name.Select(c => char.IsControl(c) ? '?' : c)]) + "'";
}
