namespace CraftedSignal.Domain.Jobs;

/// <summary>A change in a work item's state, for pages that show background work as it happens.</summary>
public sealed record WorkUpdate(Guid WorkItemId, Guid? CompanyId, string Kind, WorkStatus Status);

/// <summary>In-process notifications of background work (a singleton): pages subscribe instead of polling.</summary>
public sealed class WorkNotifier
{
    public event Action<WorkUpdate>? Updated;

    public void Publish(WorkUpdate update) => Updated?.Invoke(update);
}
