using System.CommandLine;
using CraftedSignal.Domain;
using CraftedSignal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Web.Cli;

/// <summary><c>db migrate</c>: brings the configured database up to date, as the web app does on start.</summary>
internal static class DbCommand
{
    public static Command Create()
    {
        var dataDirectory = new Option<string?>("--data-directory")
        {
            Description = "Folder of the embedded SQLite database (default: the Database:DataDirectory setting, else data/ under the current folder).",
        };
        var migrate = new Command("migrate", "Apply pending database migrations to the configured database.") { dataDirectory };
        migrate.SetAction(async (parseResult, cancellationToken) =>
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
            if (parseResult.GetValue(dataDirectory) is { Length: > 0 } folder)
                builder.Configuration["Database:DataDirectory"] = Path.GetFullPath(folder);
            builder.AddCraftedSignalDomain();
            using var host = builder.Build();
            await using var scope = host.Services.CreateAsyncScope();
            await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync(cancellationToken);
            var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await DatabaseSetup.MigrateAsync(db, cancellationToken);
            var output = parseResult.InvocationConfiguration.Output;
            await output.WriteLineAsync(pending.Count == 0
                ? "The database is up to date."
                : $"Applied {pending.Count} migration(s): {string.Join(", ", pending)}");
            return 0;
        });

        var db = new Command("db", "Database maintenance.");
        db.Add(migrate);
        return db;
    }
}
