using CraftedSignal.Domain.Audit;

namespace CraftedSignal.Domain.Tenancy;

/// <summary>
/// Who is acting and in which company, for one request, circuit or job (a scoped service).
/// The DbContext filters tenant-owned rows by <see cref="CompanyId"/>; with no company nothing is visible.
/// Services re-check the role in the database before they change anything.
/// </summary>
public sealed class CurrentTenant
{
    public Guid? CompanyId { get; private set; }

    public string? UserId { get; private set; }

    public string UserName { get; private set; } = "anonymous";

    public CompanyRole? Role { get; private set; }

    public string? IpAddress { get; private set; }

    public void Set(Guid? companyId, string? userId, string? userName, CompanyRole? role, string? ipAddress)
    {
        CompanyId = companyId;
        UserId = userId;
        UserName = userName ?? "anonymous";
        Role = role;
        IpAddress = ipAddress;
    }

    public Actor ToActor() => new(UserId, UserName, IpAddress);
}
