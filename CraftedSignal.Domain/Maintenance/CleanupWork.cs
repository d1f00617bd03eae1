using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Persistence;

namespace CraftedSignal.Domain.Maintenance;

/// <summary>One step of the clean-up job. Steps run in order; each is idempotent.</summary>
public interface ICleanupStep
{
    string Name { get; }

    /// <summary>Removes what is stale and returns how many rows it removed.</summary>
    Task<int> RunAsync(DateTime now, CancellationToken cancellationToken);
}

/// <summary>The recurring clean-up: expired invitations and stale records.</summary>
public sealed class CleanupWork(IEnumerable<ICleanupStep> steps, TimeProvider time) : IWorkHandler
{
    public const string WorkKind = "maintenance.cleanup";

    public string Kind => WorkKind;

    public async Task<Result<string>> ExecuteAsync(WorkItem item, AppDbContext db, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var parts = new List<string>();
        foreach (var step in steps)
        {
            var removed = await step.RunAsync(now, cancellationToken);
            parts.Add($"{step.Name}: {removed}");
        }

        return string.Join(", ", parts);
    }
}
