using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace CraftedSignal.Tests.Benchmarks;

/// <summary>
/// Benchmark host: <c>dotnet run -c Release --project CraftedSignal.Tests -- --filter '*Argon2*'</c>.
/// <c>dotnet test</c> ignores this entry point and runs the xunit tests as usual.
/// </summary>
internal static class Program
{
    public static void Main(string[] args)
    {
        // In-process: no separate benchmark project is generated, restored or built (the machine is offline-ish).
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(10)
            .WithId("InProcessShort");
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, DefaultConfig.Instance.AddJob(job));
    }
}
