namespace CraftedSignal.Domain.Rules;

/// <summary>Where a rule stands between authoring and retirement.</summary>
public enum RuleLifecycle
{
    /// <summary>Being written; never deployed.</summary>
    Draft,

    /// <summary>Deployed and alerting.</summary>
    Active,

    /// <summary>Deployed silently: matches are recorded but nobody is paged, to learn its noise.</summary>
    Shadow,

    /// <summary>Alerting under observation while it is tuned.</summary>
    Monitoring,

    /// <summary>Temporarily switched off; keeps its place and history.</summary>
    Paused,

    /// <summary>Retired for good; can only be revived as a new draft.</summary>
    Killed,
}

/// <summary>The transitions the server allows, and the one place they are defined.</summary>
public static class RuleLifecycleTransitions
{
    private static readonly Dictionary<RuleLifecycle, RuleLifecycle[]> Allowed = new()
    {
        [RuleLifecycle.Draft] = [RuleLifecycle.Shadow, RuleLifecycle.Active, RuleLifecycle.Killed],
        [RuleLifecycle.Shadow] = [RuleLifecycle.Active, RuleLifecycle.Monitoring, RuleLifecycle.Paused, RuleLifecycle.Draft, RuleLifecycle.Killed],
        [RuleLifecycle.Active] = [RuleLifecycle.Monitoring, RuleLifecycle.Shadow, RuleLifecycle.Paused, RuleLifecycle.Killed],
        [RuleLifecycle.Monitoring] = [RuleLifecycle.Active, RuleLifecycle.Shadow, RuleLifecycle.Paused, RuleLifecycle.Killed],
        [RuleLifecycle.Paused] = [RuleLifecycle.Active, RuleLifecycle.Shadow, RuleLifecycle.Monitoring, RuleLifecycle.Killed],
        [RuleLifecycle.Killed] = [RuleLifecycle.Draft],
    };

    public static IReadOnlyList<RuleLifecycle> From(RuleLifecycle state) => Allowed[state];

    public static bool IsAllowed(RuleLifecycle from, RuleLifecycle to) => Allowed[from].Contains(to);

    /// <summary>States in which the rule runs in a SIEM, and so must be free of errors.</summary>
    public static bool IsLive(RuleLifecycle state) => state is RuleLifecycle.Active or RuleLifecycle.Shadow or RuleLifecycle.Monitoring;
}
