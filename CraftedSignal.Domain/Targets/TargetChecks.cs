using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Targets;

/// <summary>One step of a connection test and what it found.</summary>
public sealed record TargetCheck(string Name, bool Passed, string Detail);

/// <summary>The steps of a connection test as they run; the first failure is what to fix first.</summary>
internal sealed class TargetCheckList
{
    private readonly List<TargetCheck> _checks = [];

    public IReadOnlyList<TargetCheck> Checks => _checks;

    public TargetError? FirstFailure { get; private set; }

    /// <summary>Records the step as failed with <paramref name="error"/>, or passed with <paramref name="passed"/>; true when it passed.</summary>
    public bool Add(string name, Error? error, string passed)
    {
        _checks.Add(new TargetCheck(name, error is null, error?.Message ?? passed));
        FirstFailure ??= error as TargetError;
        return error is null;
    }
}
