namespace CraftedSignal.Tests.Targets;

/// <summary>The Sigma rule the connector tests deploy, and variants of it.</summary>
internal static class TargetTestRules
{
    public const string Whoami = """
        title: Whoami Execution
        id: 0d3c1c9e-8f8e-4a39-9c52-1f6f2b7d0a11
        status: test
        level: high
        description: Someone ran whoami.exe, often the first command after a compromise.
        tags:
          - attack.discovery
          - attack.t1033
          - attack.privilege_escalation
          - attack.t1548.002
          - attack.g0007
          - car.2016-03-001
        logsource:
          category: process_creation
          product: windows
        detection:
          selection:
            Image|endswith: '\whoami.exe'
          condition: selection
        """;

    public static string WhoamiWith(string image, string level = "high", string status = "test") =>
        Whoami.Replace(@"'\whoami.exe'", $"'{image}'", StringComparison.Ordinal)
            .Replace("level: high", $"level: {level}", StringComparison.Ordinal)
            .Replace("status: test", $"status: {status}", StringComparison.Ordinal);
}
