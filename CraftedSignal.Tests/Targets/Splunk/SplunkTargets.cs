using CraftedSignal.Domain.Targets;
using CraftedSignal.Domain.Targets.Settings;

namespace CraftedSignal.Tests.Targets.Splunk;

public static class SplunkTargets
{
    /// <summary>A Splunk target as an Admin enters it for this loopback server: its URL, its CA, the admin token.</summary>
    public static TargetInput TargetInput(this SplunkTestServer server, string name = "Production Splunk") => new(name, TargetKind.Splunk)
    {
        Settings = new SplunkTargetSettings { ManagementUrl = server.ManagementUrl.ToString(), TrustedCaPem = SplunkTestServer.CaPem },
        Secrets = new Dictionary<string, string> { [SplunkTargetSettings.TokenField] = SplunkTestServer.AdminToken },
    };
}
