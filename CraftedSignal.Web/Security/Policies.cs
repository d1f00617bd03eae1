using System.Security.Claims;
using CraftedSignal.Domain.Tenancy;
using Microsoft.AspNetCore.Authorization;

namespace CraftedSignal.Web.Security;

/// <summary>Authorization policies, one per <see cref="Permission"/>, built from the single role matrix.</summary>
public static class Policies
{
    public const string View = nameof(Permission.View);
    public const string Author = nameof(Permission.Author);
    public const string Approve = nameof(Permission.Approve);
    public const string Administer = nameof(Permission.Administer);

    public static void AddCraftedSignalPolicies(this AuthorizationOptions options)
    {
        foreach (var permission in Enum.GetValues<Permission>())
        {
            var roles = RolePermissions.RolesAllowed(permission).Select(r => r.ToString()).ToArray();
            options.AddPolicy(permission.ToString(), policy => policy
                .RequireAuthenticatedUser()
                .RequireClaim(TenantClaims.CompanyId)
                .RequireClaim(TenantClaims.Role, roles));
        }

        options.FallbackPolicy = null;
    }
}

/// <summary>Claims the tenant middleware adds to every authenticated request from the database.</summary>
public static class TenantClaims
{
    public const string CompanyId = "cs:company";
    public const string Role = "cs:role";
    public const string DisplayName = "cs:display_name";

    public static Guid? GetCompanyId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirst(CompanyId)?.Value, out var id) ? id : null;

    public static CompanyRole? GetCompanyRole(this ClaimsPrincipal user) =>
        Enum.TryParse<CompanyRole>(user.FindFirst(Role)?.Value, out var role) ? role : null;

    public static string? GetUserId(this ClaimsPrincipal user) => user.FindFirst(ClaimTypes.NameIdentifier)?.Value;

    public static string GetDisplayName(this ClaimsPrincipal user) =>
        user.FindFirst(DisplayName)?.Value is { Length: > 0 } name ? name : user.Identity?.Name ?? "anonymous";
}
