using System.Security.Claims;
using CraftedSignal.Domain.Tenancy;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Web.Security;

/// <summary>Authorization policies, one per <see cref="Permission"/>, built from the single role matrix.</summary>
public static class Policies
{
    public const string View = nameof(Permission.View);
    public const string Author = nameof(Permission.Author);
    public const string Approve = nameof(Permission.Approve);
    public const string Administer = nameof(Permission.Administer);

    /// <summary>The instance itself (the job dashboard, which shows every company's work): see <see cref="InstanceOperatorRequirement"/>.</summary>
    public const string OperateInstance = nameof(OperateInstance);

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

        options.AddPolicy(OperateInstance, policy => policy.RequireAuthenticatedUser().AddRequirements(new InstanceOperatorRequirement()));

        // A page or endpoint without its own policy needs a signed-in user; the public ones say [AllowAnonymous].
        options.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
    }
}

/// <summary>
/// An instance operator: an Owner of the instance's first company (the one its first-run claim created), or a user whose
/// email is listed in <c>Security:InstanceOperators</c>. Checked against the database on every request.
/// </summary>
public sealed class InstanceOperatorRequirement : IAuthorizationRequirement;

internal sealed class InstanceOperatorHandler(OnboardingService onboarding, IOptions<RequestProtectionOptions> options)
    : AuthorizationHandler<InstanceOperatorRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, InstanceOperatorRequirement requirement)
    {
        if (context.User.GetUserId() is { } userId && await onboarding.IsInstanceOperatorAsync(userId, options.Value.InstanceOperators))
            context.Succeed(requirement);
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
