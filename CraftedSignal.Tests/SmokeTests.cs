namespace CraftedSignal.Tests;

public class SmokeTests
{
    [Fact]
    public void Domain_assembly_loads() => Assert.NotNull(typeof(CraftedSignal.Domain.AssemblyMarker).Assembly);
}
