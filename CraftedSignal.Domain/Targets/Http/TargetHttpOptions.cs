namespace CraftedSignal.Domain.Targets.Http;

/// <summary>How <see cref="TargetHttp"/> talks to one service of one target: its name in messages, TLS trust, timeouts and limits.</summary>
public sealed record TargetHttpOptions
{
    /// <summary>The party named in errors and logs, e.g. "Splunk" or "Azure Resource Manager".</summary>
    public required string Service { get; init; }

    public required string UserAgent { get; init; }

    public string? TrustedCaPem { get; init; }

    public string? PinnedCertificateSha256 { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxRetries { get; init; } = 3;

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    public long MaxResponseBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>The options for one service of a connection.</summary>
    public static TargetHttpOptions For(string service, string userAgent, ITargetTransportSettings settings) => new()
    {
        Service = service,
        UserAgent = userAgent,
        TrustedCaPem = settings.TrustedCaPem,
        PinnedCertificateSha256 = settings.PinnedCertificateSha256,
        ConnectTimeout = settings.ConnectTimeout,
        RequestTimeout = settings.RequestTimeout,
        MaxRetries = settings.MaxRetries,
        MaxRetryDelay = settings.MaxRetryDelay,
        MaxResponseBytes = settings.MaxResponseBytes,
    };
}
