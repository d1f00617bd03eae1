using CraftedSignal.Domain.Audit;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Tests.Audit;

public sealed class AuditChainTests : IAsyncLifetime
{
    private static readonly Guid CompanyA = Guid.Parse("0199a000-0000-7000-8000-00000000000a");
    private TestDatabase _database = default!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Append_LinksEachEntryToThePreviousHash()
    {
        await AppendAsync(3);

        await using var db = _database.NewContext();
        var entries = await db.AuditEntries.IgnoreQueryFilters().OrderBy(e => e.Sequence).ToListAsync();
        Assert.Equal([1L, 2L, 3L], entries.Select(e => e.Sequence));
        Assert.Equal(AuditHasher.GenesisHash, entries[0].PreviousHash);
        Assert.Equal(entries[0].Hash, entries[1].PreviousHash);
        Assert.Equal(entries[1].Hash, entries[2].PreviousHash);
        Assert.All(entries, e => Assert.Equal(AuditHasher.ComputeHash(e), e.Hash));
        Assert.All(entries, e => Assert.Matches("^[0-9a-f]{64}$", e.Hash));
    }

    [Fact]
    public async Task Verify_UntouchedChain_IsIntact()
    {
        await AppendAsync(5);

        var result = await Verify();

        Assert.True(result.IsIntact);
        Assert.Equal(5, result.EntriesChecked);
    }

    [Fact]
    public async Task Verify_AfterDetailsEditedInTheDatabase_ReportsTheTamperedEntry()
    {
        await AppendAsync(5);
        await using (var db = _database.NewContext())
            await db.Database.ExecuteSqlRawAsync("UPDATE AuditEntries SET Details = '{{\"role\":\"Owner\"}}' WHERE Sequence = 3");

        var result = await Verify();

        Assert.False(result.IsIntact);
        Assert.Equal(3, result.FirstBrokenSequence);
        Assert.Contains("does not match its hash", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_AfterAnEntryIsDeleted_ReportsTheGap()
    {
        await AppendAsync(5);
        await using (var db = _database.NewContext())
            await db.Database.ExecuteSqlRawAsync("DELETE FROM AuditEntries WHERE Sequence = 2");

        var result = await Verify();

        Assert.False(result.IsIntact);
        Assert.Equal(2, result.FirstBrokenSequence);
    }

    [Fact]
    public async Task Verify_AfterHashRecomputedForAnEditedEntry_DetectsTheBrokenLink()
    {
        await AppendAsync(4);
        await using (var db = _database.NewContext())
        {
            var entry = await db.AuditEntries.IgnoreQueryFilters().AsNoTracking().SingleAsync(e => e.Sequence == 2);
            entry.ActorName = "mallory";
            var forged = AuditHasher.ComputeHash(entry);
            await db.Database.ExecuteSqlAsync($"UPDATE AuditEntries SET ActorName = 'mallory', Hash = {forged} WHERE Sequence = 2");
        }

        var result = await Verify();

        Assert.Equal(3, result.FirstBrokenSequence);
        Assert.Contains("link", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveChanges_ModifyingAnEntry_IsRefused()
    {
        await AppendAsync(1);
        await using var db = _database.NewContext();
        var entry = await db.AuditEntries.IgnoreQueryFilters().SingleAsync();
        entry.ActorName = "someone else";

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
        Assert.Contains("append-only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveChanges_DeletingAnEntry_IsRefused()
    {
        await AppendAsync(1);
        await using var db = _database.NewContext();
        db.AuditEntries.Remove(await db.AuditEntries.IgnoreQueryFilters().SingleAsync());

        await Assert.ThrowsAsync<InvalidOperationException>(() => db.SaveChangesAsync());
    }

    [Fact]
    public async Task Append_FromManyWritersAtOnce_KeepsOneUnbrokenChain()
    {
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => AppendAsync(5)));

        var result = await Verify();

        Assert.True(result.IsIntact, result.Problem);
        Assert.Equal(40, result.EntriesChecked);
    }

    [Fact]
    public async Task Chains_OfDifferentCompanies_AreIndependent()
    {
        await AppendAsync(2);
        await using (var db = _database.NewContext())
        {
            db.Audit(Actor.System, null, AuditActions.SignInFailed, _database.Clock.GetUtcNow().UtcDateTime);
            await db.SaveChangesAsync();
        }

        await using var check = _database.NewContext();
        var instance = await check.AuditEntries.IgnoreQueryFilters().SingleAsync(e => e.CompanyId == null);
        Assert.Equal(1, instance.Sequence);
        Assert.Equal(Guid.Empty, instance.ChainId);
        Assert.True((await Verify()).IsIntact);
    }

    [Fact]
    public void Normalize_TruncatesToMicroseconds()
    {
        var precise = new DateTime(2026, 11, 23, 9, 0, 0, DateTimeKind.Utc).AddTicks(1234567);

        Assert.Equal(1234560, AuditHasher.Normalize(precise).Ticks % 10_000_000);
    }

    private async Task AppendAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await using var db = _database.NewContext();
            db.Audit(new Actor("user-1", "olivia@acme.test", "10.0.0.1"), CompanyA, AuditActions.MemberRoleChanged,
                _database.Clock.GetUtcNow().UtcDateTime, "user", "user-2", new { before = "Viewer", after = "User" });
            await db.SaveChangesAsync();
        }
    }

    private async Task<AuditVerification> Verify()
    {
        await using var scope = _database.As(null, null);
        return await Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<AuditVerificationService>(scope.ServiceProvider).VerifyAsync(CompanyA);
    }
}
