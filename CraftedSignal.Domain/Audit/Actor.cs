namespace CraftedSignal.Domain.Audit;

/// <summary>Who did something and from where, as recorded in the audit trail.</summary>
public sealed record Actor(string? UserId, string Name, string? IpAddress)
{
    public static Actor System { get; } = new(null, "system", null);
}
