namespace CraftedSignal.Domain.Sigma.Validation;

/// <summary>Limits the validator enforces beyond the specification, so that what validates also runs on the server.</summary>
public sealed record SigmaValidationOptions
{
    public const int DefaultMaxBacktrackingPatternsPerRule = 5;

    public static SigmaValidationOptions Default { get; } = new();

    /// <summary>The most regexes a rule may have that need the backtracking engine; each one past it is an error (SIG2019).</summary>
    public int MaxBacktrackingPatternsPerRule { get; init; } = DefaultMaxBacktrackingPatternsPerRule;
}
