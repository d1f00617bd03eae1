namespace CraftedSignal.Domain;

/// <summary>Marks the domain assembly for scanning (EF configurations, services).</summary>
public sealed class AssemblyMarker;
