using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

namespace CraftedSignal.Domain.Persistence;

/// <summary>Works out the connection string and brings a database up to date.</summary>
public static class DatabaseSetup
{
    /// <summary>
    /// <c>ConnectionStrings:CraftedSignal</c> when set; otherwise a SQLite file in the data folder under the content root.
    /// </summary>
    public static string ResolveConnectionString(IConfiguration configuration, string contentRoot)
    {
        var options = configuration.GetSection("Database").Get<DatabaseOptions>() ?? new DatabaseOptions();
        var explicitConnection = configuration.GetConnectionString("CraftedSignal");
        var builder = new SqliteConnectionStringBuilder(string.IsNullOrWhiteSpace(explicitConnection)
            ? $"Data Source={Path.Combine(Path.GetFullPath(options.DataDirectory, contentRoot), options.FileName)}"
            : explicitConnection)
        {
            DefaultTimeout = options.BusyTimeoutSeconds,
            Pooling = true,
        };
        return builder.ToString();
    }

    /// <summary>The data folder (<c>Database:DataDirectory</c>, relative to the content root), whatever the connection string says.</summary>
    public static string ResolveDataDirectory(IConfiguration configuration, string contentRoot)
    {
        var options = configuration.GetSection("Database").Get<DatabaseOptions>() ?? new DatabaseOptions();
        return Path.GetFullPath(options.DataDirectory, contentRoot);
    }

    /// <summary>Creates the data folder, applies pending migrations and switches SQLite to write-ahead logging.</summary>
    public static async Task MigrateAsync(AppDbContext db, CancellationToken cancellationToken = default)
    {
        if (db.Database.IsSqlite())
        {
            var dataSource = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            if (Path.GetDirectoryName(Path.GetFullPath(dataSource)) is { Length: > 0 } folder)
                Directory.CreateDirectory(folder);
        }

        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
    }
}
