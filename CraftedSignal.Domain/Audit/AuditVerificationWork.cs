using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Domain.Audit;

/// <summary>The recurring verification of every audit chain; each result is stored as the chain's <see cref="AuditChainCheck"/>.</summary>
public sealed class AuditVerificationWork(AuditVerificationService verifier, TimeProvider time, ILogger<AuditVerificationWork> logger)
    : IWorkHandler
{
    public const string WorkKind = "audit.verify";

    public string Kind => WorkKind;

    public async Task<Result<string>> ExecuteAsync(WorkItem item, AppDbContext db, CancellationToken cancellationToken)
    {
        var chains = (await db.AuditEntries.IgnoreQueryFilters().Select(e => new { e.ChainId, e.CompanyId }).Distinct().ToListAsync(cancellationToken))
            .Select(c => (c.ChainId, c.CompanyId)).ToList();

        var broken = 0;
        foreach (var (chainId, companyId) in chains)
        {
            var result = await verifier.VerifyAsync(chainId, cancellationToken);
            var check = await db.AuditChainChecks.IgnoreQueryFilters().FirstOrDefaultAsync(c => c.ChainId == chainId, cancellationToken);
            if (check is null)
            {
                check = new AuditChainCheck { ChainId = chainId, CompanyId = companyId };
                db.AuditChainChecks.Add(check);
            }

            (check.CheckedAt, check.EntriesChecked, check.FirstBrokenSequence, check.Problem) =
                (time.GetUtcNow().UtcDateTime, result.EntriesChecked, result.FirstBrokenSequence, result.Problem);
            await db.SaveChangesAsync(cancellationToken);
            if (!result.IsIntact)
            {
                broken++;
                logger.LogError("The audit chain {ChainId} breaks at entry {Sequence}: {Problem}", chainId, result.FirstBrokenSequence, result.Problem);
            }
        }

        return $"{chains.Count} chain(s) verified, {broken} broken";
    }
}
