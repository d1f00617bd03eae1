namespace CraftedSignal.Domain.Targets.Http;

/// <summary>How <see cref="TargetHttp"/> talks to one service of one target: its name in messages, TLS trust, timeouts and limits.</summary>
public sealed record TargetHttpOptions
{
    /// <summary>The party named in errors and logs, e.g. "Splunk" or "Azure Resource Manager".</summary>
    public required string Service { get; init; }

    public required string UserAgent { get; init; }

    /// <summary>PEM of CA certificates trusted in addition to the system's.</summary>
    public string? TrustedCaPem { get; init; }

    /// <summary>SHA-256 fingerprint of the one certificate accepted, whatever its chain and name.</summary>
    public string? PinnedCertificateSha256 { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>One HTTP request, response body included; a retry after 429/503 gets a fresh one.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries within one call when the service answers 429 or 503.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>A Retry-After longer than this is not waited out: the call ends as throttled.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A response body longer than this is not read: the call fails.</summary>
    public long MaxResponseBytes { get; init; } = 10 * 1024 * 1024;
}
