using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Tenancy;

/// <summary>The acting user's membership, read from the database (never trusted from a cookie).</summary>
public sealed record ActingMember(Guid CompanyId, string UserId, CompanyRole Role);

public static class Access
{
    /// <summary>Checks, in the database, that the current user holds <paramref name="permission"/> in the current company.</summary>
    public static async Task<Result<ActingMember>> RequireAsync(
        AppDbContext db, CurrentTenant tenant, Permission permission, CancellationToken cancellationToken)
    {
        if (tenant.CompanyId is not { } companyId || tenant.UserId is not { } userId)
            return new NoCurrentCompany();

        var role = await db.Memberships.IgnoreQueryFilters()
            .Where(m => m.CompanyId == companyId && m.UserId == userId)
            .Select(m => (CompanyRole?)m.Role)
            .FirstOrDefaultAsync(cancellationToken);
        if (role is null)
            return new NoCurrentCompany();
        if (!role.Value.Allows(permission))
            return new NotPermitted(permission);
        return new ActingMember(companyId, userId, role.Value);
    }
}
