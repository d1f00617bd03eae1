using System.Diagnostics;

namespace CraftedSignal.Tests.Targets;

/// <summary>Runs a call and measures how long it took: every fault must end within a bound.</summary>
internal static class Timed
{
    public static async Task<(T Result, TimeSpan Elapsed)> RunAsync<T>(Func<Task<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await call();
        return (result, Stopwatch.GetElapsedTime(started));
    }
}
