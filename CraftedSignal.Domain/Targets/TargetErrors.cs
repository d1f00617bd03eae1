using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Targets.Splunk;

namespace CraftedSignal.Domain.Targets;

public static class TargetErrors
{
    /// <summary>Whether a connector's error may not recur on a later attempt (each connector's errors say so their own way).</summary>
    public static bool IsTransient(Error error) => error is SplunkError { Transient: true };
}
