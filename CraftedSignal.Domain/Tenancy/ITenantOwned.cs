namespace CraftedSignal.Domain.Tenancy;

/// <summary>A row that belongs to one company. The DbContext filters these by the current company.</summary>
public interface ITenantOwned
{
    Guid CompanyId { get; }
}
