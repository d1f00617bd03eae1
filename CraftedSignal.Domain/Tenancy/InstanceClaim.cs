namespace CraftedSignal.Domain.Tenancy;

/// <summary>
/// The single row that records who claimed a fresh instance. Its fixed key makes a second, concurrent
/// claim fail in the database rather than create a second Owner.
/// </summary>
public sealed class InstanceClaim
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;

    public required string ClaimedByUserId { get; set; }

    public Guid CompanyId { get; set; }

    public DateTime ClaimedAt { get; set; }
}
