using System.Text;

namespace CraftedSignal.Domain.Targets.Http;

/// <summary>
/// How one connection reaches its target, the same for every kind: certificate trust (a CA PEM, a pin, plain http),
/// timeouts, retries and the body limit. Each connection holds one; <see cref="Problem"/> checks it in one place.
/// </summary>
public sealed record TargetTransport
{
    /// <summary>PEM of CA certificates trusted in addition to the system's (e.g. a self-hosted SIEM's own CA).</summary>
    public string? TrustedCaPem { get; init; }

    /// <summary>
    /// SHA-256 fingerprint of the one certificate accepted, whatever its chain and name say (hex, colons allowed: what
    /// <c>openssl x509 -noout -fingerprint -sha256</c> prints). The pin is the identity.
    /// </summary>
    public string? PinnedCertificateSha256 { get; init; }

    /// <summary>Plain http sends the credentials in clear; refused unless set (a SIEM with TLS turned off, on a trusted network).</summary>
    public bool AllowUnencryptedHttp { get; init; }

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>One HTTP request, response body included; a retry after 429/503 gets a fresh one.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries within one call when the service answers 429 or 503.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>A Retry-After longer than this is not waited out: the call ends as throttled and the job system retries later.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A response body longer than this is not read: the call fails.</summary>
    public long MaxResponseBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>What is wrong with the transport settings, as (field, problem), or null.</summary>
    public (string Field, string Problem)? Problem()
    {
        if (PinnedCertificateSha256 is not null && TargetSettings.PinBytes(PinnedCertificateSha256) is null)
            return (nameof(PinnedCertificateSha256), "The pin must be a SHA-256 fingerprint: 64 hex digits, colons allowed.");
        if (TrustedCaPem is not null && TargetSettings.Certificates(TrustedCaPem) is null)
            return (nameof(TrustedCaPem), "TrustedCaPem must hold one or more PEM certificates (-----BEGIN CERTIFICATE-----).");
        if (ConnectTimeout <= TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero)
            return ("Timeouts", "Timeouts must be positive.");
        if (MaxRetries is < 0 or > 10 || MaxRetryDelay < TimeSpan.Zero)
            return (nameof(MaxRetries), "MaxRetries must be 0 to 10 and MaxRetryDelay not negative.");
        if (MaxResponseBytes < 1024)
            return ("Limits", "MaxResponseBytes must be at least 1 KB.");
        return null;
    }

    /// <summary>What is wrong with an endpoint URL a credential is sent over this transport, or null (http only when <see cref="AllowUnencryptedHttp"/>).</summary>
    public string? UrlProblem(Uri? url, string field, string example) => TargetSettings.UrlProblem(url, field, example, AllowUnencryptedHttp);

    /// <summary>Whether a credential sent over <paramref name="other"/> would be protected in transit as it is here: same CA, pin and http rule.</summary>
    public bool SameTrust(TargetTransport other) =>
        TrustedCaPem == other.TrustedCaPem && AllowUnencryptedHttp == other.AllowUnencryptedHttp
        && string.Equals(PinnedCertificateSha256, other.PinnedCertificateSha256, StringComparison.OrdinalIgnoreCase);

    /// <summary>Prints whether a CA or pin is set, not the PEM: a connection's line stays short.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"TrustedCa = {TrustedCaPem is not null}, Pinned = {PinnedCertificateSha256 is not null}, AllowUnencryptedHttp = {AllowUnencryptedHttp}");
        return true;
    }
}
