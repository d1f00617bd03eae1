namespace CraftedSignal.Domain.Tenancy;

/// <summary>A member's role in one company, from least to most privileged.</summary>
public enum CompanyRole
{
    Viewer = 0,
    User = 1,
    Admin = 2,
    Owner = 3,
}
