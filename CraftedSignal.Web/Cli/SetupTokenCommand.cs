using System.CommandLine;
using CraftedSignal.Domain;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Security;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Web.Cli;

/// <summary>
/// <c>setup-token</c>: prints the one-time token that claims a fresh instance (<see cref="SetupToken"/>), the same one the
/// app writes to its log, for an operator who no longer has that log. Once the instance has an Owner there is none.
/// </summary>
internal static class SetupTokenCommand
{
    public static Command Create()
    {
        var dataDirectory = new Option<string?>("--data-directory")
        {
            Description = "Folder of the embedded SQLite database (default: the Database:DataDirectory setting, else data/ under the current folder).",
        };
        var command = new Command("setup-token",
            "Print the one-time token that the first account needs to claim this instance when it can be reached from other "
            + "machines. Needs the app's master secret (Security__MasterSecret or Security__MasterSecretFile).")
        {
            dataDirectory,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
            if (parseResult.GetValue(dataDirectory) is { Length: > 0 } folder)
                builder.Configuration["Database:DataDirectory"] = Path.GetFullPath(folder);
            builder.AddCraftedSignalDomain();
            builder.Logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
            using var host = builder.Build();
            await using var scope = host.Services.CreateAsyncScope();
            await using (var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(cancellationToken))
            {
                if ((await db.Database.GetPendingMigrationsAsync(cancellationToken)).Any())
                {
                    await error.WriteLineAsync("setup-token: the database is not up to date. Start the app once (or run `db migrate`) first.");
                    return SigmaCommand.UsageError;
                }
            }

            if (await scope.ServiceProvider.GetRequiredService<OnboardingService>().IsClaimedAsync(cancellationToken))
            {
                await error.WriteLineAsync("setup-token: this instance already has an Owner, so there is no setup token any more. Newcomers join by invitation.");
                return 1;
            }

            try
            {
                var options = host.Services.GetRequiredService<IOptions<MasterSecretOptions>>().Value;
                var token = SetupToken.Load(options, generateIfMissing: false, host.Services.GetRequiredService<ILogger<SetupToken>>());
                await output.WriteLineAsync(token.Value);
                return 0;
            }
            catch (MasterSecretException ex)
            {
                await error.WriteLineAsync($"setup-token: {ex.Message}");
                return SigmaCommand.UsageError;
            }
        });
        return command;
    }
}
