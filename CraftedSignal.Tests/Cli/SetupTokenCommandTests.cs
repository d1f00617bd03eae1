using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Security;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Web.Cli;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Tests.Cli;

/// <summary><c>setup-token</c> as an operator runs it on the server: the product binary, configured by its environment.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class SetupTokenCommandTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("craftedsignal-setup-").FullName;
    private readonly string _secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public async Task InitializeAsync() =>
        Assert.Equal(0, await CliVerbs.RunAsync(["db", "migrate", "--data-directory", _folder], new StringWriter(), new StringWriter()));

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task OnAFreshInstance_PrintsTheTokenDerivedFromTheMasterSecret()
    {
        var (exit, output, error) = await RunAsync(_secret);

        Assert.True(exit == 0, error);
        Assert.Equal(SetupToken.FromMasterSecret(Encoding.UTF8.GetBytes(_secret)).Value, output.Trim());
    }

    [Fact]
    public async Task WithoutAMasterSecret_SaysWhichSettingIsMissing()
    {
        var (exit, output, error) = await RunAsync(null);

        Assert.Equal(SigmaCommand.UsageError, exit);
        Assert.Empty(output);
        Assert.Contains("setup-token: No master secret is configured", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnceTheInstanceHasAnOwner_ThereIsNoToken()
    {
        await using (var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseSqlite($"Data Source={Path.Combine(_folder, "craftedsignal.db")}").Options, null))
        {
            var user = new ApplicationUser { UserName = "olivia@acme.test", Email = "olivia@acme.test", DisplayName = "Olivia" };
            db.Users.Add(user);
            var company = CompanyService.NewCompany(db, "Acme", user.Id, DateTime.UtcNow);
            db.InstanceClaims.Add(new InstanceClaim { ClaimedByUserId = user.Id, CompanyId = company.Id, ClaimedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        var (exit, output, error) = await RunAsync(_secret);

        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.Contains("already has an Owner, so there is no setup token any more", error, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(string? secret)
    {
        var environment = secret is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Security__MasterSecret"] = secret };
        using var child = ProductProcess.Start(_folder, environment, "setup-token", "--data-directory", _folder);
        var output = child.StandardOutput.ReadToEndAsync();
        var error = child.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await child.WaitForExitAsync(timeout.Token);
        return (child.ExitCode, await output, await error);
    }
}
