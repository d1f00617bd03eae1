using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Tenancy;

public sealed record MemberView(Guid MembershipId, string UserId, string DisplayName, string Email, CompanyRole Role, DateTime JoinedAt, bool IsYou);

/// <summary>The members of the current company: list, change role, remove. Enforces the Owner rules.</summary>
public sealed class MembershipService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant, TimeProvider time, MembershipNotifier notifier)
{
    public async Task<Result<IReadOnlyList<MemberView>>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Administer, cancellationToken);
        if (!access.Succeeded)
            return access.Error;

        var members = await db.Memberships
            .Where(m => m.CompanyId == access.Value.CompanyId)
            .Select(m => new MemberView(m.Id, m.UserId, m.User!.DisplayName, m.User.Email ?? "", m.Role, m.JoinedAt, m.UserId == access.Value.UserId))
            .ToListAsync(cancellationToken);
        // Roles are stored by name, so rank them here: most privileged first.
        return members.OrderByDescending(m => m.Role).ThenBy(m => m.Email, StringComparer.Ordinal).ToList();
    }

    public Task<Result> ChangeRoleAsync(Guid membershipId, CompanyRole newRole, CancellationToken cancellationToken = default) =>
        ChangeAsync(membershipId, newRole, cancellationToken);

    public Task<Result> RemoveAsync(Guid membershipId, CancellationToken cancellationToken = default) =>
        ChangeAsync(membershipId, null, cancellationToken);

    /// <summary>Changes a member's role, or removes them when <paramref name="newRole"/> is null.</summary>
    private async Task<Result> ChangeAsync(Guid membershipId, CompanyRole? newRole, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.Administer, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var actor = access.Value;

        var target = await db.Memberships.Include(m => m.User)
            .FirstOrDefaultAsync(m => m.Id == membershipId && m.CompanyId == actor.CompanyId, cancellationToken);
        if (target is null)
            return new NotFound("The member");
        if (target.Role == newRole)
            return Result.Ok();
        if ((target.Role == CompanyRole.Owner || newRole == CompanyRole.Owner) && actor.Role != CompanyRole.Owner)
            return new OnlyOwnerMayChangeOwner();

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var email = target.User?.Email;
        if (newRole is { } role)
        {
            db.Audit(tenant.ToActor(), actor.CompanyId, AuditActions.MemberRoleChanged, now, "user", target.UserId,
                new { email, before = target.Role.ToString(), after = role.ToString() });
            target.Role = role;
        }
        else
        {
            db.Audit(tenant.ToActor(), actor.CompanyId, AuditActions.MemberRemoved, now, "user", target.UserId,
                new { email, role = target.Role.ToString() });
            db.Memberships.Remove(target);
            if (target.User is { } user && user.CurrentCompanyId == actor.CompanyId)
                user.CurrentCompanyId = null;
        }

        // A new security stamp ends sessions that still carry what the member was: cookies are re-validated against it.
        if (target.User is { } member)
            member.SecurityStamp = Guid.NewGuid().ToString();
        await db.SaveChangesAsync(cancellationToken);

        // Checked after the write, inside the transaction, so two Owners demoting each other at once cannot both succeed.
        var owners = await db.Memberships.IgnoreQueryFilters().CountAsync(m => m.CompanyId == actor.CompanyId && m.Role == CompanyRole.Owner, cancellationToken);
        if (owners == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return new LastOwnerRequired();
        }

        await transaction.CommitAsync(cancellationToken);
        notifier.Publish(new MembershipChange(target.UserId, actor.CompanyId, newRole));
        return Result.Ok();
    }
}
