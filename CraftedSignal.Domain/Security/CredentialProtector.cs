using System.Security.Cryptography;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Domain.Security;

/// <summary>
/// Encrypts and decrypts a company's stored secrets (SIEM tokens, client secrets, API keys) under its tenant key. Callers
/// keep one ciphertext per secret field and name the field with a purpose such as <see cref="TargetPurpose"/>; the value
/// opens only for the same company and purpose. It does no authorization: the caller has already checked the member.
/// </summary>
public sealed class CredentialProtector(
    IDbContextFactory<AppDbContext> dbFactory,
    CredentialKeyring keyring,
    TimeProvider time,
    ILogger<CredentialProtector> logger)
{
    /// <summary>The longest secret accepted, in characters (a PEM certificate and its key fit).</summary>
    public const int MaxPlaintextLength = 16 * 1024;

    /// <summary>The purpose of a target's secret field: <c>target:{targetId}:{field}</c>.</summary>
    public static string TargetPurpose(Guid targetId, string field) => $"target:{targetId:D}:{field}";

    /// <summary>
    /// Encrypts <paramref name="plaintext"/> for <paramref name="companyId"/>'s <paramref name="purpose"/>; a fresh salt and
    /// nonce every time. Creates the company's tenant key on first use, on its own connection: do not call it while this
    /// thread holds an open write transaction on the same SQLite database.
    /// </summary>
    public async Task<Result<byte[]>> ProtectAsync(Guid companyId, string purpose, string plaintext, CancellationToken cancellationToken = default)
    {
        CredentialCiphertext.RequireValidPurpose(purpose);
        ArgumentNullException.ThrowIfNull(plaintext);
        if (plaintext.Length > MaxPlaintextLength)
            return new Invalid("Credential", $"A credential is at most {MaxPlaintextLength:N0} characters.");

        var tenantKey = await GetOrCreateTenantKeyAsync(companyId, cancellationToken);
        if (!tenantKey.Succeeded)
        {
            logger.LogWarning("A credential of company {CompanyId} for {Purpose} was not encrypted: {Problem}", companyId, purpose, tenantKey.Error.Message);
            return tenantKey.Error;
        }

        try
        {
            return CredentialCiphertext.Seal(tenantKey.Value, companyId, purpose, plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(tenantKey.Value);
        }
    }

    /// <summary>
    /// Decrypts what <see cref="ProtectAsync"/> returned for the same company and purpose; anything else (altered, cut off,
    /// another version, company or purpose, another master secret) is an error, never an exception.
    /// </summary>
    public async Task<Result<string>> UnprotectAsync(Guid companyId, string purpose, byte[] ciphertext, CancellationToken cancellationToken = default)
    {
        CredentialCiphertext.RequireValidPurpose(purpose);
        ArgumentNullException.ThrowIfNull(ciphertext);
        var opened = CredentialCiphertext.CheckShape(ciphertext) is { } malformed
            ? malformed
            : await OpenAsync(companyId, purpose, ciphertext, cancellationToken);
        if (!opened.Succeeded)
            logger.LogWarning("A credential of company {CompanyId} for {Purpose} was refused: {Problem}", companyId, purpose, opened.Error.Message);
        return opened;
    }

    private async Task<Result<string>> OpenAsync(Guid companyId, string purpose, byte[] ciphertext, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await FindAsync(db, companyId, cancellationToken);
        if (row is null)
            return new TenantKeyUnavailable(companyId, "the company has no credential key, so nothing was ever encrypted for it.");
        var tenantKey = Unwrap(row);
        if (!tenantKey.Succeeded)
            return tenantKey.Error;
        try
        {
            return CredentialCiphertext.Open(tenantKey.Value, companyId, purpose, ciphertext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(tenantKey.Value);
        }
    }

    /// <summary>
    /// The company's tenant key, created (and audited) on first use. Two first uses at once both insert; the database keeps
    /// one (the company is the key) and the loser reads the winner's, so both encrypt under the same key.
    /// </summary>
    private async Task<Result<byte[]>> GetOrCreateTenantKeyAsync(Guid companyId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var row = await FindAsync(db, companyId, cancellationToken);
        if (row is not null)
            return Unwrap(row);
        if (!await db.Companies.AnyAsync(c => c.Id == companyId, cancellationToken))
            return new NotFound("The company");

        var tenantKey = RandomNumberGenerator.GetBytes(CredentialKeyring.TenantKeyBytes);
        var now = time.GetUtcNow().UtcDateTime;
        db.TenantKeys.Add(new TenantKey { CompanyId = companyId, WrappedKey = keyring.Wrap(companyId, tenantKey), MasterKeyId = keyring.KeyId, CreatedAt = now });
        db.Audit(Actor.System, companyId, AuditActions.TenantKeyCreated, now, "company", companyId.ToString(), new { masterKeyId = keyring.KeyId });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return tenantKey;
        }
        catch (DbUpdateException)
        {
            CryptographicOperations.ZeroMemory(tenantKey);
            db.ChangeTracker.Clear();
            row = await FindAsync(db, companyId, cancellationToken);
            if (row is null)
                throw;
            logger.LogDebug("Company {CompanyId}'s credential key was created by another request at the same time; using that one", companyId);
            return Unwrap(row);
        }
    }

    private static Task<TenantKey?> FindAsync(AppDbContext db, Guid companyId, CancellationToken cancellationToken) =>
        db.TenantKeys.IgnoreQueryFilters().AsNoTracking().FirstOrDefaultAsync(k => k.CompanyId == companyId, cancellationToken);

    private Result<byte[]> Unwrap(TenantKey row)
    {
        if (row.MasterKeyId != keyring.KeyId)
            return new TenantKeyUnavailable(row.CompanyId,
                $"it is wrapped under the master secret with key id {row.MasterKeyId}, and the configured one is {keyring.KeyId}. Configure the secret it was wrapped under, or finish `keys rotate-master-secret`.");
        return keyring.Unwrap(row.CompanyId, row.WrappedKey) is { } tenantKey
            ? tenantKey
            : new TenantKeyUnavailable(row.CompanyId, "it does not open under the configured master secret: the stored key was altered.");
    }
}
