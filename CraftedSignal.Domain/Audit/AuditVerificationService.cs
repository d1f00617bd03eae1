using CraftedSignal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Audit;

/// <summary>The result of re-computing a chain: where it first breaks, if anywhere.</summary>
public sealed record AuditVerification(Guid ChainId, long EntriesChecked, long? FirstBrokenSequence, string? Problem)
{
    public bool IsIntact => FirstBrokenSequence is null;
}

/// <summary>Re-computes every hash of a chain and checks each link to the previous entry.</summary>
public sealed class AuditVerificationService(IDbContextFactory<AppDbContext> dbFactory)
{
    public async Task<AuditVerification> VerifyAsync(Guid chainId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var entries = db.AuditEntries.IgnoreQueryFilters().AsNoTracking()
            .Where(e => e.ChainId == chainId)
            .OrderBy(e => e.Sequence)
            .AsAsyncEnumerable();

        var expectedPrevious = AuditHasher.GenesisHash;
        long expectedSequence = 1;
        await foreach (var entry in entries.WithCancellation(cancellationToken))
        {
            if (entry.Sequence != expectedSequence)
                return new(chainId, expectedSequence - 1, expectedSequence, $"entry {expectedSequence} is missing (found {entry.Sequence} next)");
            if (entry.PreviousHash != expectedPrevious)
                return new(chainId, expectedSequence - 1, entry.Sequence, "the link to the previous entry does not match");
            if (AuditHasher.ComputeHash(entry) != entry.Hash)
                return new(chainId, expectedSequence - 1, entry.Sequence, "the entry's content does not match its hash");
            expectedPrevious = entry.Hash;
            expectedSequence++;
        }

        return new(chainId, expectedSequence - 1, null, null);
    }
}
