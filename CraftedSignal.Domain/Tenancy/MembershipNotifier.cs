namespace CraftedSignal.Domain.Tenancy;

/// <summary>A member's role changed or they were removed: their open sessions in that company must not go on as before.</summary>
public sealed record MembershipChange(string UserId, Guid CompanyId, CompanyRole? NewRole);

/// <summary>In-process notifications of membership changes (a singleton), so open circuits of the member can be closed at once.</summary>
public sealed class MembershipNotifier
{
    public event Action<MembershipChange>? Changed;

    public void Publish(MembershipChange change) => Changed?.Invoke(change);
}
