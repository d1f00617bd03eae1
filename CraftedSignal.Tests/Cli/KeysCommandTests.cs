using System.Diagnostics;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using CraftedSignal.Domain;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Security;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Web.Cli;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Cli;

/// <summary><c>keys rotate-master-secret</c> as an operator runs it: the product binary in a child process of its own.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class KeysCommandTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("craftedsignal-keys-").FullName;
    private readonly string _oldSecret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly string _newSecret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private string ConnectionString => $"Data Source={Path.Combine(_folder, "craftedsignal.db")}";

    private string NewSecretFile => WriteSecretFile("new-secret", _newSecret + "\n");

    public async Task InitializeAsync() =>
        Assert.Equal(0, await CliVerbs.RunAsync(["db", "migrate", "--data-directory", _folder], new StringWriter(), new StringWriter()));

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    private sealed record Credential(Guid CompanyId, string Purpose, string Plaintext, byte[] Ciphertext);

    [Fact]
    public async Task Rotation_KilledInTheMiddle_IsFinishedByARerun_AndEveryCredentialOpensUnderTheNewSecret()
    {
        const int companies = 30;
        var credentials = await SeedAsync(companies, _oldSecret);
        var (oldKeyId, newKeyId) = (KeyId(_oldSecret), KeyId(_newSecret));

        using (var child = Start(_oldSecret, "keys", "rotate-master-secret", "--new-secret-file", NewSecretFile, "--data-directory", _folder, "--delay-per-company-ms", "250"))
        {
            var error = child.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var rewrapped = 0;
            while (await child.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("re-wrapped ", StringComparison.Ordinal) && ++rewrapped == 5)
                {
                    child.Kill();
                    break;
                }
            }

            await child.WaitForExitAsync(timeout.Token);
            Assert.True(rewrapped == 5, $"the rotation ended before it was killed: {await error}");
            Assert.Equal(128 + 9, child.ExitCode);
        }

        // Each company's key and its audit entry landed together, or neither did.
        var (underNew, underOld) = await CountKeysAsync(newKeyId, oldKeyId);
        Assert.InRange(underNew, 5, companies - 1);
        Assert.Equal(companies - underNew, underOld);
        Assert.Equal(underNew, await CountAuditAsync(AuditActions.TenantKeyRewrapped));
        Assert.Equal(0, await CountAuditAsync(AuditActions.MasterSecretRotated));

        var rerun = await RunAsync(_oldSecret, "keys", "rotate-master-secret", "--new-secret-file", NewSecretFile, "--data-directory", _folder);

        Assert.True(rerun.Exit == 0, rerun.Error);
        Assert.Contains($"{companies - underNew} key(s) re-wrapped by this run, {underNew} already under the new secret, 0 failed.", rerun.Output, StringComparison.Ordinal);
        Assert.Contains("Switch the configuration to it now", rerun.Output, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', rerun.Output);
        Assert.Equal((companies, 0), await CountKeysAsync(newKeyId, oldKeyId));

        await using (var services = Services(_newSecret))
        {
            var protector = services.CreateScope().ServiceProvider.GetRequiredService<CredentialProtector>();
            foreach (var credential in credentials)
                Assert.Equal(credential.Plaintext, (await protector.UnprotectAsync(credential.CompanyId, credential.Purpose, credential.Ciphertext)).Value);
            var audit = services.CreateScope().ServiceProvider.GetRequiredService<AuditVerificationService>();
            foreach (var chain in credentials.Select(c => c.CompanyId).Distinct().Append(Guid.Empty))
                Assert.True((await audit.VerifyAsync(chain)).IsIntact, $"the audit chain {chain} is broken");
        }

        await using (var services = Services(_oldSecret))
        {
            var protector = services.CreateScope().ServiceProvider.GetRequiredService<CredentialProtector>();
            Assert.IsType<TenantKeyUnavailable>((await protector.UnprotectAsync(credentials[0].CompanyId, credentials[0].Purpose, credentials[0].Ciphertext)).Error);
        }

        await using (var db = Context())
        {
            var rewraps = await db.AuditEntries.IgnoreQueryFilters().Where(e => e.Action == AuditActions.TenantKeyRewrapped).ToListAsync();
            Assert.Equal(credentials.Select(c => c.CompanyId).Distinct().Order(), rewraps.Select(e => e.CompanyId!.Value).Order());
            Assert.All(rewraps, e => Assert.Equal($$"""{"fromMasterKeyId":"{{oldKeyId}}","toMasterKeyId":"{{newKeyId}}"}""", e.Details));
            Assert.Single(await db.AuditEntries.IgnoreQueryFilters().Where(e => e.Action == AuditActions.MasterSecretRotated && e.CompanyId == null).ToListAsync());
        }

        var third = await RunAsync(_oldSecret, "keys", "rotate-master-secret", "--new-secret-file", NewSecretFile, "--data-directory", _folder);

        Assert.True(third.Exit == 0, third.Error);
        Assert.Contains($"0 key(s) re-wrapped by this run, {companies} already under the new secret, 0 failed.", third.Output, StringComparison.Ordinal);
        Assert.Equal(companies, await CountAuditAsync(AuditActions.TenantKeyRewrapped));
    }

    [Fact]
    public async Task AKeyUnderNeitherSecret_FailsNamingItsCompany_AndTheOthersAreRewrapped()
    {
        await SeedAsync(3, _oldSecret);
        var stray = (await SeedAsync(1, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)))).Select(c => c.CompanyId).Distinct().Single();

        var run = await RunAsync(_oldSecret, "keys", "rotate-master-secret", "--new-secret-file", NewSecretFile, "--data-directory", _folder);

        Assert.Equal(1, run.Exit);
        Assert.Contains($"FAILED {stray}", run.Error, StringComparison.Ordinal);
        Assert.Contains("wrapped under neither the configured secret", run.Error, StringComparison.Ordinal);
        Assert.Contains("3 key(s) re-wrapped by this run, 0 already under the new secret, 1 failed.", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Switch the configuration", run.Output, StringComparison.Ordinal);
        Assert.Equal((3, 0), await CountKeysAsync(KeyId(_newSecret), KeyId(_oldSecret)));
        Assert.Equal(0, await CountAuditAsync(AuditActions.MasterSecretRotated));
        Assert.DoesNotContain(_oldSecret, run.Output + run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_newSecret, run.Output + run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAConfiguredSecret_OrWithTheSameOne_NothingIsRotated()
    {
        await SeedAsync(2, _oldSecret);

        var unconfigured = await RunAsync(null, "keys", "rotate-master-secret", "--new-secret-file", NewSecretFile, "--data-directory", _folder);
        var same = await RunAsync(_oldSecret, "keys", "rotate-master-secret", "--new-secret-file", WriteSecretFile("same", _oldSecret), "--data-directory", _folder);

        Assert.Equal(2, unconfigured.Exit);
        Assert.Contains("Security:MasterSecret", unconfigured.Error, StringComparison.Ordinal);
        Assert.Equal(2, same.Exit);
        Assert.Contains("already configured", same.Error, StringComparison.Ordinal);
        Assert.Equal((0, 2), await CountKeysAsync(KeyId(_newSecret), KeyId(_oldSecret)));
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("short")]
    public async Task AnUnusableNewSecretFile_IsAUsageError(string problem)
    {
        var file = problem == "missing" ? Path.Combine(_folder, "no-such-file") : WriteSecretFile("short", "only-20-characters!!");
        var error = new StringWriter();

        var exit = await CliVerbs.RunAsync(["keys", "rotate-master-secret", "--new-secret-file", file, "--data-directory", _folder], new StringWriter(), error);

        Assert.Equal(2, exit);
        Assert.Contains(problem == "missing" ? "does not exist" : "too short", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("only-20-characters", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Companies that existed before, each with two credentials encrypted under <paramref name="secret"/>.</summary>
    private async Task<List<Credential>> SeedAsync(int companies, string secret)
    {
        var credentials = new List<Credential>();
        await using var services = Services(secret);
        var protector = services.CreateScope().ServiceProvider.GetRequiredService<CredentialProtector>();
        for (var i = 0; i < companies; i++)
        {
            var company = new Company { Id = Guid.CreateVersion7(), Name = $"Company {i:00} \u001b[31m", CreatedAt = DateTime.UtcNow };
            await using (var db = Context())
            {
                db.Companies.Add(company);
                await db.SaveChangesAsync();
            }

            foreach (var field in new[] { "token", "password" })
            {
                var (purpose, plaintext) = (CredentialProtector.TargetPurpose(Guid.NewGuid(), field), $"{field} of {company.Id}: {Guid.NewGuid():N}");
                var ciphertext = await protector.ProtectAsync(company.Id, purpose, plaintext);
                Assert.True(ciphertext.Succeeded, ciphertext.Error?.Message);
                credentials.Add(new Credential(company.Id, purpose, plaintext, ciphertext.Value));
            }
        }

        return credentials;
    }

    private ServiceProvider Services(string secret)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCraftedSignalDomain(ConnectionString);
        services.Configure<MasterSecretOptions>(o => o.MasterSecret = secret);
        return services.BuildServiceProvider();
    }

    private AppDbContext Context() => new(new DbContextOptionsBuilder<AppDbContext>().UseSqlite(ConnectionString).Options);

    private async Task<(int UnderNew, int UnderOld)> CountKeysAsync(string newKeyId, string oldKeyId)
    {
        await using var db = Context();
        var keys = await db.TenantKeys.IgnoreQueryFilters().Select(k => k.MasterKeyId).ToListAsync();
        return (keys.Count(k => k == newKeyId), keys.Count(k => k == oldKeyId));
    }

    private async Task<int> CountAuditAsync(string action)
    {
        await using var db = Context();
        return await db.AuditEntries.IgnoreQueryFilters().CountAsync(e => e.Action == action);
    }

    private static string KeyId(string secret)
    {
        using var keyring = CredentialKeyring.FromMasterSecret(Encoding.UTF8.GetBytes(secret));
        return keyring.KeyId;
    }

    private string WriteSecretFile(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    /// <summary>The product binary, configured only by its environment as an operator would: Production, the current secret or none.</summary>
    private Process Start(string? currentSecret, params string[] args) => ProductProcess.Start(_folder, SecretEnvironment(currentSecret), args);

    private static Dictionary<string, string> SecretEnvironment(string? currentSecret) =>
        currentSecret is null ? [] : new() { ["Security__MasterSecret"] = currentSecret };

    private Task<(int Exit, string Output, string Error)> RunAsync(string? currentSecret, params string[] args) =>
        ProductProcess.RunAsync(_folder, SecretEnvironment(currentSecret), args);
}
