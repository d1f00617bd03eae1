namespace CraftedSignal.Domain.Targets.Http;

/// <summary>How <see cref="TargetHttp"/> talks to one service of one target: its name in messages, and the connection's transport.</summary>
public sealed record TargetHttpOptions
{
    /// <summary>The party named in errors and logs, e.g. "Splunk" or "Azure Resource Manager".</summary>
    public required string Service { get; init; }

    public required string UserAgent { get; init; }

    public TargetTransport Transport { get; init; } = new();

    /// <summary>The options for one service of a connection.</summary>
    public static TargetHttpOptions For(string service, string userAgent, TargetTransport transport) => new() { Service = service, UserAgent = userAgent, Transport = transport };
}
