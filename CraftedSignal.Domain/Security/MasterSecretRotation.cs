using System.Security.Cryptography;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Security;

public enum RewrapOutcome
{
    Rewrapped,
    AlreadyUnderNewSecret,
    Failed,
}

/// <summary>What happened to one company's tenant key; <see cref="Problem"/> says why it failed, naming no secret.</summary>
public sealed record RewrapStep(Guid CompanyId, string CompanyName, RewrapOutcome Outcome, string? Problem = null);

/// <summary>A rotation's end: keys re-wrapped by this run, keys already under the new secret when it started, failures.</summary>
public sealed record RotationSummary(int Rewrapped, int AlreadyUnderNewSecret, IReadOnlyList<RewrapStep> Failures)
{
    public bool Complete => Failures.Count == 0;
}

/// <summary>
/// Re-wraps every company's tenant key from the configured master secret to a new one, one company per transaction with
/// its audit entry, so an interrupted run loses nothing and a re-run with the same new secret finishes the rest. The
/// credentials themselves are untouched: they are encrypted under the tenant keys, which do not change.
/// </summary>
public sealed class MasterSecretRotation(IDbContextFactory<AppDbContext> dbFactory, TimeProvider time)
{
    /// <param name="onStep">Called after each company's transaction committed (or failed), in company id order.</param>
    public async Task<RotationSummary> RotateAsync(
        CredentialKeyring current,
        CredentialKeyring next,
        Actor actor,
        Func<RewrapStep, CancellationToken, Task>? onStep = null,
        CancellationToken cancellationToken = default)
    {
        if (current.KeyId == next.KeyId)
            throw new ArgumentException("The new master secret is the configured one.", nameof(next));

        int alreadyDone;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            alreadyDone = await db.TenantKeys.IgnoreQueryFilters().CountAsync(k => k.MasterKeyId == next.KeyId, cancellationToken);

        var rewrapped = 0;
        var failures = new List<RewrapStep>();
        var failed = new HashSet<Guid>();
        // The next key not yet under the new secret, until none is left: keys created while the rotation runs are included.
        while (await NextAsync(next.KeyId, failed, cancellationToken) is { } companyId)
        {
            var step = await RewrapAsync(companyId, current, next, actor, cancellationToken);
            switch (step.Outcome)
            {
                case RewrapOutcome.Rewrapped:
                    rewrapped++;
                    break;
                case RewrapOutcome.AlreadyUnderNewSecret:
                    alreadyDone++;
                    break;
                default:
                    failures.Add(step);
                    failed.Add(companyId);
                    break;
            }

            if (onStep is not null)
                await onStep(step, cancellationToken);
        }

        var summary = new RotationSummary(rewrapped, alreadyDone, failures);
        if (summary.Complete)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            db.Audit(actor, null, AuditActions.MasterSecretRotated, time.GetUtcNow().UtcDateTime, "master_secret", next.KeyId,
                new { fromMasterKeyId = current.KeyId, toMasterKeyId = next.KeyId, rewrapped, alreadyUnderNewSecret = alreadyDone });
            await db.SaveChangesAsync(cancellationToken);
        }

        return summary;
    }

    private async Task<Guid?> NextAsync(string nextKeyId, HashSet<Guid> failed, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var skip = failed.ToList();
        return await db.TenantKeys.IgnoreQueryFilters()
            .Where(k => k.MasterKeyId != nextKeyId && !skip.Contains(k.CompanyId))
            .OrderBy(k => k.CompanyId)
            .Select(k => (Guid?)k.CompanyId)
            .FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>One company, one transaction: the re-wrapped key and its audit entry land together or not at all.</summary>
    private async Task<RewrapStep> RewrapAsync(Guid companyId, CredentialKeyring current, CredentialKeyring next, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await db.TenantKeys.IgnoreQueryFilters().FirstAsync(k => k.CompanyId == companyId, cancellationToken);
        var name = await db.Companies.Where(c => c.Id == companyId).Select(c => c.Name).FirstOrDefaultAsync(cancellationToken) ?? "(no such company)";

        if (row.MasterKeyId == next.KeyId)
            return next.Unwrap(companyId, row.WrappedKey) is { } check
                ? Done(check, new RewrapStep(companyId, name, RewrapOutcome.AlreadyUnderNewSecret))
                : new RewrapStep(companyId, name, RewrapOutcome.Failed, "its key is marked as wrapped under the new secret but does not open under it: the stored key was altered.");
        if (row.MasterKeyId != current.KeyId)
            return new RewrapStep(companyId, name, RewrapOutcome.Failed,
                $"its key is wrapped under neither the configured secret ({current.KeyId}) nor the new one ({next.KeyId}), but under {row.MasterKeyId}.");
        if (current.Unwrap(companyId, row.WrappedKey) is not { } tenantKey)
            return new RewrapStep(companyId, name, RewrapOutcome.Failed, "its key does not open under the configured secret: the stored key was altered.");

        try
        {
            var from = row.MasterKeyId;
            var now = time.GetUtcNow().UtcDateTime;
            (row.WrappedKey, row.MasterKeyId, row.RewrappedAt) = (next.Wrap(companyId, tenantKey), next.KeyId, now);
            db.Audit(actor, companyId, AuditActions.TenantKeyRewrapped, now, "company", companyId.ToString(), new { fromMasterKeyId = from, toMasterKeyId = next.KeyId });
            await db.SaveChangesAsync(cancellationToken);
            return new RewrapStep(companyId, name, RewrapOutcome.Rewrapped);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another run re-wrapped it between our read and our write (MasterKeyId is the concurrency token): look again.
            return await RewrapAsync(companyId, current, next, actor, cancellationToken);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(tenantKey);
        }
    }

    private static RewrapStep Done(byte[] tenantKey, RewrapStep step)
    {
        CryptographicOperations.ZeroMemory(tenantKey);
        return step;
    }
}
