using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Tenancy;

/// <summary>
/// How people arrive: the first registration claims the instance and becomes Owner of the first company;
/// everyone after that joins through an invitation.
/// </summary>
public sealed class OnboardingService(IDbContextFactory<AppDbContext> dbFactory, InvitationService invitations, TimeProvider time)
{
    public async Task<bool> IsClaimedAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.InstanceClaims.AnyAsync(cancellationToken);
    }

    /// <summary>
    /// Whether <paramref name="userId"/> operates the instance (its job dashboard shows every company's work): an Owner of
    /// the first company, the one the instance's claim created (the earliest created when nobody claimed it), or a user
    /// whose email is one of <paramref name="operatorEmails"/>. Deliberately across companies: the instance has no tenant.
    /// </summary>
    public async Task<bool> IsInstanceOperatorAsync(string userId, IReadOnlyCollection<string> operatorEmails, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var first = await db.InstanceClaims.Select(c => (Guid?)c.CompanyId).FirstOrDefaultAsync(cancellationToken)
            ?? await db.Companies.IgnoreQueryFilters().OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(cancellationToken);
        if (first is { } companyId && await db.Memberships.IgnoreQueryFilters()
                .AnyAsync(m => m.CompanyId == companyId && m.UserId == userId && m.Role == CompanyRole.Owner, cancellationToken))
            return true;
        if (operatorEmails.Count == 0)
            return false;
        var listed = operatorEmails.Select(e => e.Trim().ToUpperInvariant()).ToList();
        return await db.Users.AnyAsync(u => u.Id == userId && listed.Contains(u.NormalizedEmail!), cancellationToken);
    }

    /// <summary>Makes <paramref name="userId"/> the Owner of a new first company. Fails if someone claimed the instance first.</summary>
    public async Task<Result<Guid>> ClaimAsync(string userId, string companyName, Actor actor, CancellationToken cancellationToken = default)
    {
        if (CompanyService.ValidateName(companyName) is { } invalid)
            return invalid;

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.InstanceClaims.AnyAsync(cancellationToken))
            return new InstanceAlreadyClaimed();

        var now = time.GetUtcNow().UtcDateTime;
        var company = CompanyService.NewCompany(db, companyName.Trim(), userId, now);
        db.InstanceClaims.Add(new InstanceClaim { ClaimedByUserId = userId, CompanyId = company.Id, ClaimedAt = now });
        var user = await db.Users.FirstAsync(u => u.Id == userId, cancellationToken);
        user.CurrentCompanyId = company.Id;
        db.Audit(actor, company.Id, AuditActions.Registered, now, "user", userId, new { email = user.Email });
        db.Audit(actor, company.Id, AuditActions.InstanceClaimed, now, "company", company.Id.ToString(), new { name = company.Name });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The singleton InstanceClaim row already exists: a concurrent registration won.
            return new InstanceAlreadyClaimed();
        }

        return company.Id;
    }

    /// <summary>Adds the user to the invitation's company with its role and uses the invitation up.</summary>
    public async Task<Result<Guid>> AcceptInvitationAsync(string userId, string token, Actor actor, bool newAccount, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var found = await invitations.FindAsync(db, token, cancellationToken);
        if (!found.Succeeded)
            return found.Error;
        var invitation = found.Value;

        var user = await db.Users.FirstAsync(u => u.Id == userId, cancellationToken);
        if (!string.Equals(user.Email, invitation.Email, StringComparison.OrdinalIgnoreCase))
            return new InvitationEmailMismatch(invitation.Email);

        var now = time.GetUtcNow().UtcDateTime;
        var membership = await db.Memberships.IgnoreQueryFilters()
            .FirstOrDefaultAsync(m => m.CompanyId == invitation.CompanyId && m.UserId == userId, cancellationToken);
        if (membership is null)
        {
            db.Memberships.Add(new Membership { Id = Guid.CreateVersion7(), CompanyId = invitation.CompanyId, UserId = userId, Role = invitation.Role, JoinedAt = now });
        }

        invitation.AcceptedAt = now;
        invitation.AcceptedByUserId = userId;
        user.CurrentCompanyId = invitation.CompanyId;
        if (newAccount)
            db.Audit(actor, invitation.CompanyId, AuditActions.Registered, now, "user", userId, new { email = user.Email });
        db.Audit(actor, invitation.CompanyId, AuditActions.InvitationAccepted, now, "invitation", invitation.Id.ToString(),
            new { email = user.Email, role = invitation.Role.ToString(), alreadyMember = membership is not null });
        await db.SaveChangesAsync(cancellationToken);
        return invitation.CompanyId;
    }
}
