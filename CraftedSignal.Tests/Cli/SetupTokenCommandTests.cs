using System.Text;
using CraftedSignal.Domain.Security;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Web.Cli;

namespace CraftedSignal.Tests.Cli;

/// <summary><c>setup-token</c> as an operator runs it on the server: the product binary, configured by its environment.</summary>
public sealed class SetupTokenCommandTests : IAsyncLifetime
{
    private TestDatabase _db = default!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task OnAFreshInstance_PrintsTheTokenDerivedFromTheMasterSecret()
    {
        var (exit, output, error) = await RunAsync(_db.MasterSecret);

        Assert.True(exit == 0, error);
        Assert.Equal(SetupToken.FromMasterSecret(Encoding.UTF8.GetBytes(_db.MasterSecret)).Value, output.Trim());
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
        var owner = await _db.AddUserAsync("olivia@acme.test");
        var company = await _db.AddCompanyAsync("Acme", owner);
        await using (var db = _db.NewContext())
        {
            db.InstanceClaims.Add(new InstanceClaim { ClaimedByUserId = owner, CompanyId = company, ClaimedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        }

        var (exit, output, error) = await RunAsync(_db.MasterSecret);

        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.Contains("already has an Owner, so there is no setup token any more", error, StringComparison.Ordinal);
    }

    /// <summary>The verb on this test's database, with <paramref name="secret"/> as the operator's master secret (or none).</summary>
    private Task<(int Exit, string Output, string Error)> RunAsync(string? secret)
    {
        var folder = Path.GetDirectoryName(_db.FilePath)!;
        var environment = new Dictionary<string, string> { ["Database__FileName"] = Path.GetFileName(_db.FilePath) };
        if (secret is not null)
            environment["Security__MasterSecret"] = secret;
        return ProductProcess.RunAsync(folder, environment, "setup-token", "--data-directory", folder);
    }
}
