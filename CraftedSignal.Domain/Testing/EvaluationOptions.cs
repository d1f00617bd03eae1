using CraftedSignal.Domain.Sigma.Validation;

namespace CraftedSignal.Domain.Testing;

/// <summary>
/// Bounds on evaluating user-written rules on the server (configuration section <c>Evaluation</c>): rules are written by
/// users and run in the server process, so nothing a rule does may stall it.
/// </summary>
public sealed class EvaluationOptions
{
    public const string Section = "Evaluation";

    /// <summary>The most a whole test run (every case) may take; the case in progress then fails saying where it stopped.</summary>
    public double TestRunBudgetSeconds { get; set; } = 30;

    /// <summary>The most one evaluation (a case's events through the rule) may take, within what is left of the run's.</summary>
    public double CaseBudgetSeconds { get; set; } = 10;

    /// <summary>The most regexes a rule may have that need the backtracking engine (lookarounds, backreferences).</summary>
    public int MaxBacktrackingPatternsPerRule { get; set; } = SigmaValidationOptions.DefaultMaxBacktrackingPatternsPerRule;

    /// <summary>How many evaluations of rules with such patterns the process runs at once; others wait, within their budget.</summary>
    public int MaxConcurrentBacktracking { get; set; } = Math.Max(1, Environment.ProcessorCount / 2);

    public TimeSpan TestRunBudget => TimeSpan.FromSeconds(TestRunBudgetSeconds);

    public TimeSpan CaseBudget => TimeSpan.FromSeconds(CaseBudgetSeconds);

    public SigmaValidationOptions Validation => new() { MaxBacktrackingPatternsPerRule = MaxBacktrackingPatternsPerRule };

    /// <summary>Null when the settings can be used; else what to fix.</summary>
    public string? Problem() =>
        TestRunBudgetSeconds <= 0 || CaseBudgetSeconds <= 0 ? "Evaluation:TestRunBudgetSeconds and Evaluation:CaseBudgetSeconds must be above 0."
        : MaxBacktrackingPatternsPerRule < 0 ? "Evaluation:MaxBacktrackingPatternsPerRule cannot be negative."
        : MaxConcurrentBacktracking < 1 ? "Evaluation:MaxConcurrentBacktracking must be at least 1."
        : null;
}
