using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Testing;

namespace CraftedSignal.Domain.Approvals;

public enum RiskLevel
{
    Low,
    Medium,
    High,
}

/// <summary>How risky a change is for the SOC, with the reasons a reviewer can check one by one.</summary>
public sealed record ReviewRisk(RiskLevel Level, IReadOnlyList<string> Reasons)
{
    /// <summary>Each reason weighs 1 or 2; 4 and more is high, 2 and more medium.</summary>
    public static ReviewRisk Assess(DetectionRule rule, RuleAnalysis analysis, bool neverApproved, IReadOnlyList<SemanticChange> changes, int testCases, TestRunView? tests)
    {
        var reasons = new List<(int Weight, string Reason)>();
        if (RuleLifecycleTransitions.IsLive(rule.Lifecycle))
            reasons.Add((2, $"The rule is live ({rule.Lifecycle}): the change reaches the SIEMs it runs in."));
        if (analysis.Level is "high" or "critical")
            reasons.Add((1, $"Level {analysis.Level}: its alerts page people."));
        if (testCases == 0)
            reasons.Add((2, "No tests: nothing shows the rule catches what it should, or stays quiet otherwise."));
        else if (tests is null || tests.Status is TestRunStatus.Queued or TestRunStatus.Running)
            reasons.Add((1, "The tests have not finished for this version."));
        else if (tests.Status != TestRunStatus.Passed)
            reasons.Add((2, $"The tests of this version did not pass ({tests.Passed} passed, {tests.Failed} failed)."));
        if (neverApproved)
            reasons.Add((1, "No version of this rule was approved before."));
        if (changes.Any(c => c.What == "condition"))
            reasons.Add((1, "The condition changed."));
        if (changes.Any(c => c.Kind == ChangeKind.Removed && (c.Area == "detection" || c.Area.StartsWith("selection", StringComparison.Ordinal))))
            reasons.Add((1, "Selections, fields or values were removed: the rule may miss what it used to catch."));
        if (rule.NoiseMaxPerDay is null)
            reasons.Add((1, "No noise budget: nobody has said how many alerts a day are acceptable."));
        if (analysis.WarningCount > 0)
            reasons.Add((1, $"{analysis.WarningCount} validation warning(s)."));

        var score = reasons.Sum(r => r.Weight);
        var level = score >= 4 ? RiskLevel.High : score >= 2 ? RiskLevel.Medium : RiskLevel.Low;
        return new ReviewRisk(level, reasons.Select(r => r.Reason).ToList());
    }
}
