namespace CraftedSignal.Domain.Targets.Http;

/// <summary>The transport settings every connection has: TLS trust, timeouts, retries and the body limit.</summary>
public interface ITargetTransportSettings
{
    /// <summary>PEM of CA certificates trusted in addition to the system's.</summary>
    string? TrustedCaPem { get; }

    /// <summary>SHA-256 fingerprint of the one certificate accepted, whatever its chain and name.</summary>
    string? PinnedCertificateSha256 { get; }

    TimeSpan ConnectTimeout { get; }

    /// <summary>One HTTP request, response body included; a retry after 429/503 gets a fresh one.</summary>
    TimeSpan RequestTimeout { get; }

    /// <summary>Retries within one call when the service answers 429 or 503.</summary>
    int MaxRetries { get; }

    /// <summary>A Retry-After longer than this is not waited out: the call ends as throttled and the job system retries later.</summary>
    TimeSpan MaxRetryDelay { get; }

    /// <summary>A response body longer than this is not read: the call fails.</summary>
    long MaxResponseBytes { get; }
}
