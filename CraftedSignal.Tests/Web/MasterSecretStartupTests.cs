using System.Runtime.Versioning;
using System.Text;
using CraftedSignal.Domain.Security;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Tests.Web;

/// <summary>The whole app starting without a configured master secret.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class MasterSecretStartupTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "craftedsignal-secretless-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
            Directory.Delete(_dataDirectory, recursive: true);
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public void OutsideDevelopment_WithoutAMasterSecret_TheAppDoesNotStart(string environment)
    {
        using var app = new SecretlessApp(environment, _dataDirectory);

        var error = Assert.ThrowsAny<Exception>(() => app.Services.GetRequiredService<CredentialKeyring>());

        var refusal = Flatten(error).OfType<MasterSecretException>().FirstOrDefault();
        Assert.True(refusal is not null, error.ToString());
        Assert.Contains("Security:MasterSecret", refusal.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dataDirectory, MasterSecretLoader.DevelopmentFileName)));
    }

    [Fact]
    public void InDevelopment_WithoutAMasterSecret_OneIsGeneratedIntoTheDataFolderAtStart_AndKeptAcrossRestarts()
    {
        var secretFile = Path.Combine(_dataDirectory, MasterSecretLoader.DevelopmentFileName);
        string keyId;
        using (var app = new SecretlessApp("Development", _dataDirectory))
        {
            using var client = app.CreateClient();

            Assert.True(File.Exists(secretFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secretFile));
            Assert.Contains(app.Logs.Entries, e => e.Level == LogLevel.Warning && e.Text.Contains("Generated a Development master secret", StringComparison.Ordinal));
            keyId = app.Services.GetRequiredService<CredentialKeyring>().KeyId;
            using var expected = CredentialKeyring.FromMasterSecret(Encoding.UTF8.GetBytes(File.ReadAllText(secretFile).Trim()));
            Assert.Equal(expected.KeyId, keyId);
        }

        using var restarted = new SecretlessApp("Development", _dataDirectory);
        using var _ = restarted.CreateClient();
        Assert.Equal(keyId, restarted.Services.GetRequiredService<CredentialKeyring>().KeyId);
        Assert.Contains(restarted.Logs.Entries, e => e.Level == LogLevel.Warning && e.Text.Contains("Using the Development master secret", StringComparison.Ordinal));
    }

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                    yield return inner;
            }
        }
    }

    private sealed class SecretlessApp(string environment, string dataDirectory) : WebApplicationFactory<Program>
    {
        public CapturedLogs Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("Database:DataDirectory", dataDirectory);
            builder.UseEnvironment(environment);
            builder.ConfigureLogging(l => l.AddProvider(Logs));
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }
}
