using System.Data.Common;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using CraftedSignal.Domain;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Security;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace CraftedSignal.Tests.Security;

public sealed class CredentialProtectorTests(ITestOutputHelper output)
{
    private const string Purpose = "target:0198f6a2-3c4d-7e5f-8a9b-0c1d2e3f4a5b:token";

    private static CredentialProtector Protector(TestDatabase db) =>
        db.As(null, null).ServiceProvider.GetRequiredService<CredentialProtector>();

    private static async Task<(TestDatabase Db, Guid A, Guid B)> TwoCompaniesAsync(Action<IServiceCollection>? configure = null)
    {
        var db = await TestDatabase.CreateAsync(configure);
        var owner = await db.AddUserAsync("owner@example.com");
        return (db, await db.AddCompanyAsync("Acme", owner), await db.AddCompanyAsync("Globex", owner));
    }

    private static string Distinctive(string label) => $"{label}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";

    private static async Task<byte[]> ProtectAsync(CredentialProtector protector, Guid companyId, string plaintext, string purpose = Purpose)
    {
        var result = await protector.ProtectAsync(companyId, purpose, plaintext);
        Assert.True(result.Succeeded, result.Error?.Message);
        return result.Value;
    }

    private static byte[] TenantKeyOf(TestDatabase db, Guid companyId)
    {
        using var context = db.NewContext();
        var row = context.TenantKeys.IgnoreQueryFilters().Single(k => k.CompanyId == companyId);
        return db.Services.GetRequiredService<CredentialKeyring>().Unwrap(companyId, row.WrappedKey)!;
    }

    [Fact]
    public async Task Protect_ThenUnprotect_ReturnsTheSecret()
    {
        var (db, a, _) = await TwoCompaniesAsync();
        await using var _ = db;
        var protector = Protector(db);

        foreach (var secret in new[] { "hec-token-3f9a", "", "ünïcødé 🔑 secret", new string('k', CredentialProtector.MaxPlaintextLength) })
        {
            var ciphertext = await ProtectAsync(protector, a, secret);

            var opened = await protector.UnprotectAsync(a, Purpose, ciphertext);

            Assert.True(opened.Succeeded, opened.Error?.Message);
            Assert.Equal(secret, opened.Value);
            Assert.Equal(1 + 16 + 12 + Encoding.UTF8.GetByteCount(secret) + 16, ciphertext.Length);
            Assert.Equal(1, ciphertext[0]);
        }
    }

    [Fact]
    public async Task Protect_TheSameSecretTwice_UsesAFreshSaltAndNonce()
    {
        var (db, a, _) = await TwoCompaniesAsync();
        await using var _ = db;
        var protector = Protector(db);

        var first = await ProtectAsync(protector, a, "same secret");
        var second = await ProtectAsync(protector, a, "same secret");

        Assert.NotEqual(first[1..17], second[1..17]);
        Assert.NotEqual(first[17..29], second[17..29]);
        Assert.NotEqual(first[29..], second[29..]);
    }

    [Theory]
    [InlineData("version", 0, 1)]
    [InlineData("salt", 1, 16)]
    [InlineData("nonce", 17, 12)]
    [InlineData("body", 29, 20)]
    [InlineData("tag", 49, 16)]
    public async Task Unprotect_WithAnyByteOfARegionAltered_IsRefused(string region, int start, int length)
    {
        var (db, a, _) = await TwoCompaniesAsync();
        await using var _ = db;
        var protector = Protector(db);
        var ciphertext = await ProtectAsync(protector, a, "twenty bytes secret!");
        Assert.Equal(65, ciphertext.Length);

        for (var i = start; i < start + length; i++)
        {
            var altered = (byte[])ciphertext.Clone();
            altered[i] ^= 0x01;

            var opened = await protector.UnprotectAsync(a, Purpose, altered);

            Assert.False(opened.Succeeded, $"{region} byte {i} altered, yet it decrypted");
            Assert.IsType(region == "version" ? typeof(CredentialMalformed) : typeof(CredentialNotAuthentic), opened.Error);
        }

        Assert.Equal("twenty bytes secret!", (await protector.UnprotectAsync(a, Purpose, ciphertext)).Value);
    }

    [Fact]
    public async Task Unprotect_CutOffOrExtended_IsRefused()
    {
        var (db, a, _) = await TwoCompaniesAsync();
        await using var _ = db;
        var protector = Protector(db);
        var ciphertext = await ProtectAsync(protector, a, "secret");

        for (var length = 0; length < ciphertext.Length; length++)
        {
            var opened = await protector.UnprotectAsync(a, Purpose, ciphertext[..length]);

            Assert.False(opened.Succeeded);
            Assert.IsType(length < CredentialCiphertext.MinimumBytes ? typeof(CredentialMalformed) : typeof(CredentialNotAuthentic), opened.Error);
        }

        Assert.IsType<CredentialNotAuthentic>((await protector.UnprotectAsync(a, Purpose, [.. ciphertext, 0])).Error);
    }

    [Fact]
    public async Task Unprotect_OfAnotherVersion_IsRefusedNamingTheVersion()
    {
        var (db, a, _) = await TwoCompaniesAsync();
        await using var _ = db;
        var protector = Protector(db);
        var ciphertext = await ProtectAsync(protector, a, "secret");
        ciphertext[0] = 2;

        var opened = await protector.UnprotectAsync(a, Purpose, ciphertext);

        var error = Assert.IsType<CredentialMalformed>(opened.Error);
        Assert.Contains("version is 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unprotect_ForAnotherCompanyOrPurpose_IsRefused()
    {
        var (db, a, b) = await TwoCompaniesAsync();
        await using var _ = db;
        var owner = await db.AddUserAsync("other@example.com");
        var withoutKey = await db.AddCompanyAsync("Initech", owner);
        var protector = Protector(db);
        await ProtectAsync(protector, b, "b's own secret");
        var ciphertext = await ProtectAsync(protector, a, "a's secret");

        Assert.IsType<CredentialNotAuthentic>((await protector.UnprotectAsync(b, Purpose, ciphertext)).Error);
        Assert.IsType<TenantKeyUnavailable>((await protector.UnprotectAsync(withoutKey, Purpose, ciphertext)).Error);
        Assert.IsType<CredentialNotAuthentic>((await protector.UnprotectAsync(a, Purpose + "x", ciphertext)).Error);
        Assert.IsType<CredentialNotAuthentic>((await protector.UnprotectAsync(a, CredentialProtector.TargetPurpose(Guid.NewGuid(), "token"), ciphertext)).Error);
        Assert.Equal("a's secret", (await protector.UnprotectAsync(a, Purpose, ciphertext)).Value);
    }

    [Fact]
    public async Task OneCompanysTenantKey_CannotDecryptAnothersSecret()
    {
        var (db, a, b) = await TwoCompaniesAsync();
        await using var _ = db;
        var protector = Protector(db);
        var ofB = await ProtectAsync(protector, b, "b's secret");
        await ProtectAsync(protector, a, "a's secret");
        var (keyA, keyB) = (TenantKeyOf(db, a), TenantKeyOf(db, b));

        Assert.NotEqual(keyA, keyB);
        Assert.IsType<CredentialNotAuthentic>(CredentialCiphertext.Open(keyA, b, Purpose, ofB).Error);
        Assert.Equal("b's secret", CredentialCiphertext.Open(keyB, b, Purpose, ofB).Value);
    }

    [Fact]
    public async Task UnknownCompany_GetsNoKey()
    {
        await using var db = await TestDatabase.CreateAsync();

        var result = await Protector(db).ProtectAsync(Guid.NewGuid(), Purpose, "secret");

        Assert.IsType<NotFound>(result.Error);
        await using var context = db.NewContext();
        Assert.Equal(0, await context.TenantKeys.IgnoreQueryFilters().CountAsync());
    }

    [Fact]
    public async Task BadArguments_AreBugsOfTheCaller()
    {
        var (db, a, _) = await TwoCompaniesAsync();
        await using var _ = db;
        var protector = Protector(db);

        await Assert.ThrowsAsync<ArgumentException>(() => protector.ProtectAsync(a, " ", "secret"));
        await Assert.ThrowsAsync<ArgumentException>(() => protector.ProtectAsync(a, "target:x\n", "secret"));
        await Assert.ThrowsAsync<ArgumentNullException>(() => protector.UnprotectAsync(a, Purpose, null!));
        Assert.IsType<Invalid>((await protector.ProtectAsync(a, Purpose, new string('k', CredentialProtector.MaxPlaintextLength + 1))).Error);
    }

    [Fact]
    public async Task TenantKey_IsCreatedOnFirstUse_ForACompanyThatExistedBeforeTheFeature()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using (var context = db.NewContext())
        {
            var migrations = context.Database.GetMigrations().ToList();
            var before = migrations[migrations.FindIndex(m => m.EndsWith("_TenantKeys", StringComparison.Ordinal)) - 1];
            await context.GetService<IMigrator>().MigrateAsync(before);
        }

        // The company row as the version before tenant keys wrote it: only the columns its schema had (today's model has more).
        var company = Guid.CreateVersion7();
        await using (var context = db.NewContext())
        {
            var columns = await context.Database.SqlQueryRaw<string>("SELECT name AS Value FROM pragma_table_info('Companies')").ToListAsync();
            var known = new Dictionary<string, string>
            {
                ["Id"] = company.ToString().ToUpperInvariant(),
                ["Name"] = "Old Corp",
                ["CreatedAt"] = db.Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture),
                ["InvitationLifetimeDays"] = "7",
                ["RequiredApprovals"] = "1",
                ["ReviewLifetimeDays"] = "14",
                ["RequireTestsForReview"] = "1",
            };
            var present = columns.Where(known.ContainsKey).ToList();
            Assert.Equal(columns.Order(), present.Order());
            // Column names come from the schema itself, matched against the list above; the values are parameters.
            var sql = "INSERT INTO Companies (" + string.Join(", ", present) + ") VALUES (" + string.Join(", ", present.Select((_, i) => "{" + i + "}")) + ")";
            await context.Database.ExecuteSqlRawAsync(sql, present.Select(c => (object)known[c]).ToArray());
        }

        await db.AddMemberAsync(company, await db.AddUserAsync("old@example.com"), Domain.Tenancy.CompanyRole.Owner);
        await using (var context = db.NewContext())
        {
            Assert.Empty(await context.Database.SqlQueryRaw<string>("SELECT name AS Value FROM sqlite_master WHERE name = 'TenantKeys'").ToListAsync());
            await DatabaseSetup.MigrateAsync(context);
            Assert.Equal(0, await context.TenantKeys.IgnoreQueryFilters().CountAsync());
        }

        var protector = Protector(db);
        var ciphertext = await ProtectAsync(protector, company, "old corp's token");
        var again = await ProtectAsync(protector, company, "old corp's other token", Purpose + "2");

        await using (var context = db.NewContext())
        {
            var key = Assert.Single(await context.TenantKeys.IgnoreQueryFilters().ToListAsync());
            Assert.Equal(company, key.CompanyId);
            Assert.Equal(db.Services.GetRequiredService<CredentialKeyring>().KeyId, key.MasterKeyId);
            Assert.Equal(db.Clock.GetUtcNow().UtcDateTime, key.CreatedAt);
            Assert.Null(key.RewrappedAt);
            var created = Assert.Single(await context.AuditEntries.IgnoreQueryFilters().Where(e => e.Action == AuditActions.TenantKeyCreated).ToListAsync());
            Assert.Equal(company, created.CompanyId);
        }

        Assert.Equal("old corp's token", (await protector.UnprotectAsync(company, Purpose, ciphertext)).Value);
        Assert.Equal("old corp's other token", (await protector.UnprotectAsync(company, Purpose + "2", again)).Value);
        Assert.True((await db.As(null, null).ServiceProvider.GetRequiredService<AuditVerificationService>().VerifyAsync(company)).IsIntact);
    }

    [Fact]
    public async Task TwoFirstUsesAtOnce_EndWithOneTenantKey_ThatOpensBoth()
    {
        var gate = new HoldFirstUsesAfterTheirLookup(participants: 2);
        var (db, a, _) = await TwoCompaniesAsync(services => services.ConfigureDbContext<AppDbContext>(o => o.AddInterceptors(gate)));
        await using var _ = db;
        var (first, second) = (Protector(db), Protector(db));

        var results = await Task.WhenAll(
            Task.Run(() => first.ProtectAsync(a, Purpose, "first writer's secret")),
            Task.Run(() => second.ProtectAsync(a, Purpose, "second writer's secret")));

        Assert.True(gate.Arrived == 2, "both first uses must have found no key and gone on to create one, or there was no race");
        Assert.All(results, r => Assert.True(r.Succeeded, r.Error?.Message));
        Assert.Equal("first writer's secret", (await first.UnprotectAsync(a, Purpose, results[0].Value!)).Value);
        Assert.Equal("second writer's secret", (await first.UnprotectAsync(a, Purpose, results[1].Value!)).Value);
        await using var context = db.NewContext();
        Assert.Single(await context.TenantKeys.IgnoreQueryFilters().ToListAsync());
        Assert.Single(await context.AuditEntries.IgnoreQueryFilters().Where(e => e.Action == AuditActions.TenantKeyCreated).ToListAsync());
        Assert.True((await db.As(null, null).ServiceProvider.GetRequiredService<AuditVerificationService>().VerifyAsync(a)).IsIntact);
    }

    [Fact]
    public async Task AnotherMasterSecret_OpensNothing_EvenOnAFullCopyOfTheDatabase()
    {
        var (db, a, _) = await TwoCompaniesAsync();
        await using var _ = db;
        var ciphertext = await ProtectAsync(Protector(db), a, "splunk token");
        var copy = Path.Combine(Path.GetTempPath(), $"craftedsignal-copy-{Guid.NewGuid():N}.db");
        await CheckpointAsync(db.ConnectionString);
        File.Copy(db.FilePath, copy);
        try
        {
            await using (var thief = CopyServices(copy, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))))
            {
                var protector = thief.CreateScope().ServiceProvider.GetRequiredService<CredentialProtector>();
                var opened = await protector.UnprotectAsync(a, Purpose, ciphertext);
                var error = Assert.IsType<TenantKeyUnavailable>(opened.Error);
                Assert.Contains("wrapped under the master secret with key id", error.Message, StringComparison.Ordinal);
                Assert.IsType<TenantKeyUnavailable>((await protector.ProtectAsync(a, Purpose, "new secret")).Error);
            }

            // Forging the key id on the row does not help: the wrapped key does not open under another master key.
            await using (var thief = CopyServices(copy, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))))
            {
                await using (var context = thief.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext())
                    await context.TenantKeys.IgnoreQueryFilters().ExecuteUpdateAsync(s => s.SetProperty(k => k.MasterKeyId, thief.GetRequiredService<CredentialKeyring>().KeyId));
                var opened = await thief.CreateScope().ServiceProvider.GetRequiredService<CredentialProtector>().UnprotectAsync(a, Purpose, ciphertext);
                Assert.Contains("does not open under the configured master secret", Assert.IsType<TenantKeyUnavailable>(opened.Error).Message, StringComparison.Ordinal);
            }

            // The copy is complete: with the right secret it opens.
            await using (var owner = CopyServices(copy, db.MasterSecret))
            {
                await using (var context = owner.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContext())
                    await context.TenantKeys.IgnoreQueryFilters().ExecuteUpdateAsync(s => s.SetProperty(k => k.MasterKeyId, owner.GetRequiredService<CredentialKeyring>().KeyId));
                var opened = await owner.CreateScope().ServiceProvider.GetRequiredService<CredentialProtector>().UnprotectAsync(a, Purpose, ciphertext);
                Assert.Equal("splunk token", opened.Value);
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(copy);
        }
    }

    [Fact]
    public async Task AlteredWrappedKey_IsRefused()
    {
        var (db, a, _) = await TwoCompaniesAsync();
        await using var _ = db;
        var protector = Protector(db);
        var ciphertext = await ProtectAsync(protector, a, "secret");
        await using (var context = db.NewContext())
        {
            var row = await context.TenantKeys.IgnoreQueryFilters().SingleAsync();
            row.WrappedKey = [.. row.WrappedKey.Select((b, i) => i == 20 ? (byte)(b ^ 0x80) : b)];
            await context.SaveChangesAsync();
        }

        Assert.IsType<TenantKeyUnavailable>((await protector.UnprotectAsync(a, Purpose, ciphertext)).Error);
        Assert.IsType<TenantKeyUnavailable>((await protector.ProtectAsync(a, Purpose, "another")).Error);
    }

    [Fact]
    public async Task TheDatabaseFiles_HoldNoSecretAndNoKey()
    {
        var (db, a, b) = await TwoCompaniesAsync();
        await using var _ = db;
        var protector = Protector(db);
        var secrets = new[] { Distinctive("splunk-hec-token"), Distinctive("entra client secret ~Qx9."), Distinctive("elastic ApiKey"), Distinctive("kennwort-für-ünïcode") };
        var stored = new List<byte[]>();
        foreach (var (secret, i) in secrets.Select((s, i) => (s, i)))
            stored.Add(await ProtectAsync(protector, i % 2 == 0 ? a : b, secret, $"target:{i}:token"));
        await using (var connection = new SqliteConnection(db.ConnectionString))
        {
            // Where the targets will keep them: one ciphertext column per secret field.
            await connection.OpenAsync();
            await using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE \"TestCredentials\" (\"Id\" INTEGER PRIMARY KEY, \"Value\" BLOB NOT NULL);";
            await create.ExecuteNonQueryAsync();
            foreach (var value in stored)
            {
                await using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO \"TestCredentials\" (\"Value\") VALUES ($value);";
                insert.Parameters.AddWithValue("$value", value);
                await insert.ExecuteNonQueryAsync();
            }
        }

        var keys = new[] { TenantKeyOf(db, a), TenantKeyOf(db, b) };
        await CheckpointAsync(db.ConnectionString);
        var files = new[] { db.FilePath, db.FilePath + "-wal" }.Where(File.Exists).Select(File.ReadAllBytes).ToList();
        var contents = files.SelectMany(f => f).ToArray();

        Assert.All(stored, value => Assert.True(Contains(contents, value), "the ciphertexts must be in the files searched"));
        foreach (var secret in secrets.Append(db.MasterSecret))
        {
            foreach (var encoding in new Encoding[] { Encoding.UTF8, Encoding.Unicode, Encoding.BigEndianUnicode })
                Assert.False(Contains(contents, encoding.GetBytes(secret)), $"'{secret}' is in the database files as {encoding.WebName}");
        }

        var masterCredentialKey = KeyDerivation.MasterCredentialKey(Encoding.UTF8.GetBytes(db.MasterSecret));
        foreach (var key in keys.Append(masterCredentialKey))
        {
            Assert.False(Contains(contents, key), "a key is in the database files");
            Assert.False(Contains(contents, Encoding.ASCII.GetBytes(Convert.ToHexStringLower(key))), "a key is in the database files as hex");
            Assert.False(Contains(contents, Encoding.ASCII.GetBytes(Convert.ToBase64String(key))), "a key is in the database files as base64");
        }
    }

    [Fact]
    public async Task Secrets_NeverReachTheLogs()
    {
        var logs = new CapturedLogs();
        var (db, a, b) = await TwoCompaniesAsync(services => services.AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace)));
        await using var _ = db;
        var protector = Protector(db);
        var secret = Distinctive("splunk-token");

        var ciphertext = await ProtectAsync(protector, a, secret);
        Assert.Equal(secret, (await protector.UnprotectAsync(a, Purpose, ciphertext)).Value);
        var altered = (byte[])ciphertext.Clone();
        altered[^1] ^= 1;
        Assert.False((await protector.UnprotectAsync(a, Purpose, altered)).Succeeded);
        Assert.False((await protector.UnprotectAsync(b, Purpose, ciphertext)).Succeeded);
        Assert.False((await protector.UnprotectAsync(a, "target:other:token", ciphertext)).Succeeded);
        Assert.False((await protector.ProtectAsync(Guid.NewGuid(), Purpose, secret)).Succeeded);

        var all = logs.All;
        Assert.Contains("Executed DbCommand", all, StringComparison.Ordinal);
        Assert.Equal(3, logs.Entries.Count(e => e.Level == LogLevel.Warning && e.Text.Contains("was refused", StringComparison.Ordinal)));
        var key = TenantKeyOf(db, a);
        foreach (var forbidden in new[]
            {
                secret, Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), Convert.ToHexString(Encoding.UTF8.GetBytes(secret)),
                db.MasterSecret, Convert.ToBase64String(key), Convert.ToHexString(key), Convert.ToBase64String(ciphertext[29..^16]),
            })
            Assert.DoesNotContain(forbidden, all, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Unprotect_IsFastEnoughForAConnectorCall()
    {
        var (db, a, _) = await TwoCompaniesAsync();
        await using var _ = db;
        var protector = Protector(db);
        var ciphertext = await ProtectAsync(protector, a, "token");
        var times = new List<double>();
        for (var i = 0; i < 21; i++)
        {
            var watch = Stopwatch.StartNew();
            Assert.True((await protector.UnprotectAsync(a, Purpose, ciphertext)).Succeeded);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        var median = times.Order().ElementAt(times.Count / 2);
        output.WriteLine($"UnprotectAsync: median {median:F2} ms, min {times.Min():F2} ms, max {times.Max():F2} ms over {times.Count} calls");
        Assert.InRange(median, 0, 100);
    }

    private static ServiceProvider CopyServices(string file, string masterSecret)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCraftedSignalDomain($"Data Source={file}");
        services.Configure<MasterSecretOptions>(o => o.MasterSecret = masterSecret);
        return services.BuildServiceProvider();
    }

    /// <summary>Moves everything in the write-ahead log into the main file, as a backup tool would before copying it.</summary>
    private static async Task CheckpointAsync(string connectionString)
    {
        SqliteConnection.ClearAllPools();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var checkpoint = connection.CreateCommand();
        checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
        await checkpoint.ExecuteNonQueryAsync();
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    /// <summary>
    /// Holds each first use after it found no tenant key (at its next query, whether the company exists) until all
    /// <c>participants</c> have found none, so that they all go on to create one. Holding the inserts themselves would
    /// deadlock on SQLite, whose transactions take the write lock when they begin.
    /// </summary>
    private sealed class HoldFirstUsesAfterTheirLookup(int participants) : DbCommandInterceptor
    {
        private readonly TaskCompletionSource _allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _arrived;

        public int Arrived => Volatile.Read(ref _arrived);

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            await HoldAsync(command, cancellationToken);
            return result;
        }

        private async Task HoldAsync(DbCommand command, CancellationToken cancellationToken)
        {
            if (!command.CommandText.Contains("FROM \"Companies\"", StringComparison.Ordinal))
                return;
            var arrived = Interlocked.Increment(ref _arrived);
            if (arrived > participants)
                return;
            if (arrived == participants)
                _allArrived.TrySetResult();
            await _allArrived.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }
    }
}
