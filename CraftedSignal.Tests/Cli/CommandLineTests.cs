using CraftedSignal.Web.Cli;
using Microsoft.Data.Sqlite;

namespace CraftedSignal.Tests.Cli;

public sealed class CommandLineTests
{
    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "--urls", "http://localhost:5001" }, false)]
    [InlineData(new[] { "db", "migrate" }, true)]
    [InlineData(new[] { "--help" }, true)]
    [InlineData(new[] { "sigma", "validate", "x.yml" }, true)]
    [InlineData(new[] { "rules", "bench" }, true)]
    [InlineData(new[] { "keys", "rotate-master-secret", "--new-secret-file", "new.secret" }, true)]
    public void IsVerb_TellsVerbsFromHostArguments(string[] args, bool expected) =>
        Assert.Equal(expected, CliVerbs.IsVerb(args));

    [Fact]
    public async Task Help_ListsTheVerbs()
    {
        var output = new StringWriter();

        var exit = await CliVerbs.RunAsync(["--help"], output, new StringWriter());

        Assert.Equal(0, exit);
        Assert.Contains("db", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("serve the web app", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownVerbOption_IsAUsageError()
    {
        var error = new StringWriter();

        var exit = await CliVerbs.RunAsync(["db", "migrate", "--no-such-option"], new StringWriter(), error);

        Assert.NotEqual(0, exit);
        Assert.Contains("--no-such-option", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DbMigrate_CreatesAndThenKeepsAnUpToDateDatabase()
    {
        var folder = Path.Combine(Path.GetTempPath(), "craftedsignal-cli-" + Guid.NewGuid().ToString("N"));
        try
        {
            var first = new StringWriter();
            Assert.Equal(0, await CliVerbs.RunAsync(["db", "migrate", "--data-directory", folder], first, new StringWriter()));
            Assert.Matches("Applied [0-9]+ migration\\(s\\): .*Foundation", first.ToString());

            var second = new StringWriter();
            Assert.Equal(0, await CliVerbs.RunAsync(["db", "migrate", "--data-directory", folder], second, new StringWriter()));
            Assert.Contains("up to date", second.ToString(), StringComparison.Ordinal);

            await using var connection = new SqliteConnection($"Data Source={Path.Combine(folder, "craftedsignal.db")}");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode;";
            Assert.Equal("wal", (string?)await command.ExecuteScalarAsync());
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }
}
