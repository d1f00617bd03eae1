namespace CraftedSignal.Domain.Sigma.Evaluation;

/// <summary>
/// How long an evaluation may take, measured with a <see cref="TimeProvider"/>'s timestamps so that tests control the
/// clock. The engine checks it before every match of a backtracking pattern, the rule tester at every event.
/// </summary>
public sealed class EvaluationBudget
{
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly CancellationToken _cancellationToken;

    /// <param name="description">Which budget this is, as the person who hits it reads it: "the run's time budget is 30 s".</param>
    public EvaluationBudget(TimeProvider time, TimeSpan limit, string description, CancellationToken cancellationToken = default)
        : this(time, time.GetTimestamp(), limit, description, cancellationToken)
    {
    }

    private EvaluationBudget(TimeProvider time, long started, TimeSpan limit, string description, CancellationToken cancellationToken)
    {
        _time = time;
        _started = started;
        Limit = limit;
        Description = description;
        _cancellationToken = cancellationToken;
    }

    public TimeSpan Limit { get; }

    public string Description { get; }

    public TimeSpan Elapsed => _time.GetElapsedTime(_started);

    public TimeSpan Remaining => Limit - Elapsed is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;

    public bool IsSpent => Elapsed >= Limit;

    /// <summary>
    /// A budget for part of this one (a case of a run) of at most <paramref name="limit"/>, starting now: this budget
    /// itself when less than that is left, so that hitting it names the budget that ran out.
    /// </summary>
    public EvaluationBudget Within(TimeSpan limit, string description) =>
        Remaining <= limit ? this : new EvaluationBudget(_time, limit, description, _cancellationToken);

    /// <summary>Stops the evaluation (see <see cref="EvaluationBudgetSpentException"/>) once the budget is spent or the work is cancelled.</summary>
    public void ThrowIfSpent()
    {
        _cancellationToken.ThrowIfCancellationRequested();
        if (IsSpent)
        {
            throw new EvaluationBudgetSpentException();
        }
    }
}

/// <summary>
/// Thrown from inside the matchers when the budget is spent: the only way out of a deep matcher tree without a check on
/// every return. <c>RuleTester</c> catches it and reports where the evaluation stopped; it never leaves the engine's callers.
/// </summary>
public sealed class EvaluationBudgetSpentException() : Exception("The evaluation's time budget is spent.");
