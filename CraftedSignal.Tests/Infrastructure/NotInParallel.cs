namespace CraftedSignal.Tests.Infrastructure;

/// <summary>Tests that time background work across host restarts run alone, after the parallel ones, so load cannot starve them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NotInParallel
{
    public const string Name = "Not in parallel";
}
