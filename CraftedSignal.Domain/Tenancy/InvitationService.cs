using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Tenancy;

public sealed record InvitationView(Guid Id, string Email, CompanyRole Role, DateTime CreatedAt, DateTime ExpiresAt, InvitationStatus Status);

/// <summary>A freshly created invitation and its one-time token (shown once, never stored).</summary>
public sealed record IssuedInvitation(Guid Id, string Email, CompanyRole Role, DateTime ExpiresAt, string Token);

/// <summary>What a valid invitation link offers, shown before the person registers or accepts.</summary>
public sealed record InvitationPreview(Guid Id, Guid CompanyId, string CompanyName, string Email, CompanyRole Role, DateTime ExpiresAt);

/// <summary>Invitations into the current company, and resolving a link back to its invitation.</summary>
public sealed class InvitationService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, TimeProvider time)
{
    public const int MaxEmailLength = 256;

    public async Task<Result<IssuedInvitation>> CreateAsync(string email, CompanyRole role, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Administer, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        if (NormalizeEmail(email) is not { } normalized)
            return new Invalid("Email", "Enter a valid email address, such as analyst@example.com.");
        if (!Enum.IsDefined(role))
            return new Invalid("Role", "Choose a role: Owner, Admin, User or Viewer.");
        if (role == CompanyRole.Owner && access.Value.Role != CompanyRole.Owner)
            return new OnlyOwnerMayChangeOwner();

        var companyId = access.Value.CompanyId;
        var alreadyMember = await db.Memberships.AnyAsync(m => m.CompanyId == companyId && m.User!.NormalizedEmail == normalized.ToUpperInvariant(), cancellationToken);
        if (alreadyMember)
            return new AlreadyMember(normalized);

        var lifetime = await db.Companies.Where(c => c.Id == companyId).Select(c => c.InvitationLifetimeDays).FirstAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var invitation = new Invitation
        {
            Id = Guid.CreateVersion7(),
            CompanyId = companyId,
            Email = normalized,
            Role = role,
            TokenHash = HashToken(token),
            CreatedByUserId = access.Value.UserId,
            CreatedAt = now,
            ExpiresAt = now.AddDays(lifetime),
        };
        db.Invitations.Add(invitation);
        db.Audit(tenant.ToActor(), companyId, AuditActions.InvitationCreated, now, "invitation", invitation.Id.ToString(),
            new { email = normalized, role = role.ToString(), expiresAt = invitation.ExpiresAt });
        await db.SaveChangesAsync(cancellationToken);
        return new IssuedInvitation(invitation.Id, normalized, role, invitation.ExpiresAt, token);
    }

    public async Task<Result<IReadOnlyList<InvitationView>>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Administer, cancellationToken);
        if (!access.Succeeded)
            return access.Error;

        var now = time.GetUtcNow().UtcDateTime;
        var rows = await db.Invitations.Where(i => i.CompanyId == access.Value.CompanyId && i.AcceptedAt == null)
            .OrderByDescending(i => i.CreatedAt)
            .ToListAsync(cancellationToken);
        return rows.Select(i => new InvitationView(i.Id, i.Email, i.Role, i.CreatedAt, i.ExpiresAt, i.StatusAt(now))).ToList();
    }

    public async Task<Result> RevokeAsync(Guid invitationId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Administer, cancellationToken);
        if (!access.Succeeded)
            return access.Error;

        var invitation = await db.Invitations.FirstOrDefaultAsync(i => i.Id == invitationId && i.CompanyId == access.Value.CompanyId, cancellationToken);
        if (invitation is null)
            return new NotFound("The invitation");
        var now = time.GetUtcNow().UtcDateTime;
        if (invitation.StatusAt(now) != InvitationStatus.Pending)
            return Result.Ok();

        invitation.RevokedAt = now;
        db.Audit(tenant.ToActor(), invitation.CompanyId, AuditActions.InvitationRevoked, now, "invitation", invitation.Id.ToString(), new { email = invitation.Email });
        await db.SaveChangesAsync(cancellationToken);
        return Result.Ok();
    }

    /// <summary>Resolves a link's token to the invitation it stands for, or says why it cannot be used.</summary>
    public async Task<Result<InvitationPreview>> PreviewAsync(string? token, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var found = await FindAsync(db, token, cancellationToken);
        if (!found.Succeeded)
            return found.Error;
        var i = found.Value;
        return new InvitationPreview(i.Id, i.CompanyId, i.Company!.Name, i.Email, i.Role, i.ExpiresAt);
    }

    internal async Task<Result<Invitation>> FindAsync(AppDbContext db, string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 100)
            return new InvitationInvalid();
        var hash = HashToken(token.Trim());
        var invitation = await db.Invitations.IgnoreQueryFilters().Include(i => i.Company)
            .FirstOrDefaultAsync(i => i.TokenHash == hash, cancellationToken);
        if (invitation is null)
            return new InvitationInvalid();
        return invitation.StatusAt(time.GetUtcNow().UtcDateTime) switch
        {
            InvitationStatus.Accepted => new InvitationAlreadyUsed(),
            InvitationStatus.Revoked => new InvitationRevoked(),
            InvitationStatus.Expired => new InvitationExpired(invitation.ExpiresAt),
            _ => invitation,
        };
    }

    internal static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Lower-cased, trimmed address, or null when it is not a plausible single email address.</summary>
    public static string? NormalizeEmail(string? email)
    {
        var trimmed = email?.Trim() ?? "";
        if (trimmed.Length is 0 or > MaxEmailLength || trimmed.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            return null;
        if (!MailAddress.TryCreate(trimmed, out var address) || address.Address != trimmed || !address.Host.Contains('.', StringComparison.Ordinal))
            return null;
        return trimmed.ToLowerInvariant();
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
