namespace CraftedSignal.Domain.Targets;

/// <summary>Tests one kind of target's stored connection settings step by step (for Settings → Targets' "Test connection").</summary>
public interface ITargetConnectionTester
{
    TargetKind Kind { get; }

    /// <summary>Each step in order with its exact finding; never throws for an expected failure, never reports a secret.</summary>
    Task<TargetConnectionReport> TestAsync(SiemTarget target, CancellationToken cancellationToken);
}
