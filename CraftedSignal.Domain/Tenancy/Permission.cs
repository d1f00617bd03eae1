namespace CraftedSignal.Domain.Tenancy;

/// <summary>What a role may do. <see cref="RolePermissions"/> is the single source of the matrix.</summary>
public enum Permission
{
    /// <summary>View dashboards and rules.</summary>
    View,

    /// <summary>Create and edit rules, run tests, deploy.</summary>
    Author,

    /// <summary>Decide reviews of other people's changes (never one's own).</summary>
    Approve,

    /// <summary>API keys, audit logs, users, SSO and company settings.</summary>
    Administer,
}

public static class RolePermissions
{
    public static bool Allows(this CompanyRole role, Permission permission) => permission switch
    {
        Permission.View => true,
        Permission.Author => role >= CompanyRole.User,
        Permission.Approve => role >= CompanyRole.User,
        Permission.Administer => role >= CompanyRole.Admin,
        _ => false,
    };

    public static IReadOnlyList<CompanyRole> RolesAllowed(Permission permission) =>
        Enum.GetValues<CompanyRole>().Where(r => r.Allows(permission)).ToArray();
}
