using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using CraftedSignal.Domain.Common;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Domain.Targets.Http;

/// <summary>An HTTP answer whose body was read within the size limit.</summary>
internal sealed record TargetResponse(HttpStatusCode Status, byte[] Body, HttpResponseHeaders Headers)
{
    public int Code => (int)Status;
}

/// <summary>
/// The transport under every connector: one <see cref="HttpClient"/> per connection with its own certificate check (the
/// system's validation, plus an optional trusted CA or a certificate pin; never "accept any"), no redirects, no cookies, a
/// timeout per request, bounded retries after 429/503 honouring Retry-After, and bounded reading. Every failure comes back
/// as a <see cref="TargetTransportError"/> naming <see cref="TargetHttpOptions.Service"/>; only the caller's cancellation
/// (and bugs) throw. Text quoted from answers goes through <see cref="Quote"/>, which removes every secret.
/// </summary>
internal sealed class TargetHttp : IDisposable
{
    private const int MaxQuotedText = 300;
    private readonly TargetHttpOptions _options;
    private readonly TargetSecrets _secrets;
    private readonly HttpClient _client;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly X509Certificate2Collection? _trusted;
    private readonly byte[]? _pin;
    private volatile string? _tlsProblem;

    public TargetHttp(TargetHttpOptions options, TargetSecrets secrets, ILogger logger, TimeProvider time)
    {
        _options = options;
        _secrets = secrets;
        _logger = logger;
        _time = time;
        _trusted = TargetSettings.Certificates(options.Transport.TrustedCaPem);
        _pin = options.Transport.PinnedCertificateSha256 is { } pin ? TargetSettings.PinBytes(pin) : null;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.Transport.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = ValidateCertificate },
        };
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
    }

    public string Service => _options.Service;

    public void Dispose() => _client.Dispose();

    /// <summary>
    /// Sends the request <paramref name="build"/> makes (again for each retry) and reads the answer. 429 and 503 are
    /// retried up to <see cref="TargetTransport.MaxRetries"/> times, waiting what Retry-After says or an exponential
    /// backoff; a redirect is never followed.
    /// </summary>
    public async Task<Result<TargetResponse>> SendAsync(string operation, Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = build();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.Transport.RequestTimeout);
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                var status = (int)response.StatusCode;
                _logger.LogDebug("{Service} {Operation}: {Method} {Path} answered {Status} in {Elapsed} ms",
                    Service, operation, request.Method, request.RequestUri!.AbsolutePath, status, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (status is >= 300 and < 400)
                    return Redirect(response, request.RequestUri!);
                if (status is 429 or 503)
                {
                    var retryAfter = RetryAfter(response);
                    var delay = retryAfter ?? Backoff(attempt);
                    if (attempt > _options.Transport.MaxRetries || delay > _options.Transport.MaxRetryDelay)
                    {
                        _logger.LogWarning("{Service} {Operation}: still {Status} after {Attempts} attempt(s); giving up for now", Service, operation, status, attempt);
                        return new TargetThrottled(Service, status, retryAfter, attempt);
                    }

                    _logger.LogInformation("{Service} {Operation}: {Status}, retry {Attempt} of {Max} in {Delay} ms",
                        Service, operation, status, attempt, _options.Transport.MaxRetries, (long)delay.TotalMilliseconds);
                    response.Dispose();
                    await Task.Delay(delay, _time, cancellationToken);
                    continue;
                }

                var body = await ReadBoundedAsync(response.Content, timeout.Token);
                return body is null ? new TargetResponseTooLarge(Service, _options.Transport.MaxResponseBytes) : new TargetResponse(response.StatusCode, body, response.Headers);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // SocketsHttpHandler reports its ConnectTimeout as a cancellation with a TimeoutException inside.
                return Logged(operation, ex.InnerException is TimeoutException && !timeout.IsCancellationRequested
                    ? new TargetTimeout(Service, $"connecting to {request.RequestUri!.Authority}", _options.Transport.ConnectTimeout)
                    : new TargetTimeout(Service, operation, _options.Transport.RequestTimeout));
            }
            catch (HttpRequestException ex)
            {
                return Logged(operation, Transport(ex, request.RequestUri!, operation));
            }
            catch (IOException)
            {
                // The body stopped half way: the connection was dropped after the answer started.
                return Logged(operation, new TargetConnectionLost(Service, operation));
            }
        }
    }

    /// <summary>The target's text made safe to show: no secrets, no control characters, at most a few hundred characters.</summary>
    public string Quote(string text)
    {
        text = _secrets.Redact(text);
        var clean = new StringBuilder(Math.Min(text.Length, MaxQuotedText + 1));
        foreach (var c in text)
        {
            if (clean.Length > MaxQuotedText)
                break;
            clean.Append(char.IsControl(c) ? ' ' : c);
        }

        var quoted = clean.ToString().Trim();
        return quoted.Length > MaxQuotedText ? quoted[..MaxQuotedText] + "…" : quoted;
    }

    /// <summary>The body as JSON, or null when it is not JSON (or nested deeper than anything a target sends).</summary>
    public static JsonDocument? ParseJson(TargetResponse response)
    {
        try
        {
            return JsonDocument.Parse(response.Body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private TargetTransportError Logged(string operation, TargetTransportError error)
    {
        _logger.LogWarning("{Service} {Operation} failed: {Error}", Service, operation, error.Message);
        return error;
    }

    private TargetRedirectRefused Redirect(HttpResponseMessage response, Uri requested)
    {
        var location = response.Headers.Location;
        var target = location is null ? null : location.IsAbsoluteUri ? location : new Uri(requested, location);
        var otherHost = target is not null && !TargetUris.SameOrigin(target, requested);
        _logger.LogWarning("{Service} answered {Status} redirecting to {Host}; not followed", Service, (int)response.StatusCode, target?.Authority);
        return new TargetRedirectRefused(Service, (int)response.StatusCode, target?.Authority, otherHost);
    }

    private TargetTransportError Transport(HttpRequestException ex, Uri uri, string operation)
    {
        var socket = FindInner<SocketException>(ex);
        return ex.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => new TargetHostNotFound(Service, uri.Host, socket?.SocketErrorCode == SocketError.TryAgain),
            HttpRequestError.SecureConnectionError => new TargetTlsFailure(Service, uri.Host, _tlsProblem ?? "the TLS handshake failed" + (FindInner<AuthenticationException>(ex) is { } auth ? $" ({Quote(auth.Message)})." : ".")),
            HttpRequestError.ConnectionError when socket?.SocketErrorCode == SocketError.ConnectionRefused => new TargetConnectionRefused(Service, uri.Host, uri.Port),
            HttpRequestError.ConnectionError when socket?.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData => new TargetHostNotFound(Service, uri.Host, false),
            HttpRequestError.ConnectionError when socket?.SocketErrorCode is SocketError.NetworkUnreachable or SocketError.HostUnreachable or SocketError.TimedOut
                => new TargetUnreachable(Service, uri.Host, $"{socket.SocketErrorCode} (check the address, firewall and network route)."),
            HttpRequestError.ProxyTunnelError => new TargetUnreachable(Service, uri.Host, "the HTTP proxy refused the tunnel."),
            HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError => new TargetMalformedResponse(Service, "the server's answer is not valid HTTP."),
            _ => new TargetConnectionLost(Service, operation),
        };
    }

    private static T? FindInner<T>(Exception ex) where T : Exception
    {
        for (var e = ex.InnerException; e is not null; e = e.InnerException)
        {
            if (e is T found)
                return found;
        }

        return null;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } header)
            return null;
        if (header.Delta is { } delta)
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private TimeSpan Backoff(int attempt)
    {
        var baseDelay = TimeSpan.FromMilliseconds(500 * Math.Pow(2, attempt - 1));
        var jittered = baseDelay * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return jittered < _options.Transport.MaxRetryDelay ? jittered : _options.Transport.MaxRetryDelay;
    }

    /// <summary>The body, or null when it is longer than the limit (then it is not read further).</summary>
    private async Task<byte[]?> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var limit = _options.Transport.MaxResponseBytes;
        if (content.Headers.ContentLength is { } length && length > limit)
            return null;
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
                return null;
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// A pinned certificate is the only one accepted. Otherwise the system's validation stands, except that a chain which
    /// ends at one of <see cref="TargetTransport.TrustedCaPem"/> is accepted too. A name mismatch is never accepted.
    /// </summary>
    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
            return Refuse($"{Service} sent no certificate.");
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (_pin is not null)
        {
            var actual = SHA256.HashData(leaf.RawData);
            return CryptographicOperations.FixedTimeEquals(actual, _pin)
                || Refuse($"its certificate (SHA-256 {Convert.ToHexString(actual)}) is not the pinned one.");
        }

        if (errors == SslPolicyErrors.None)
            return true;
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            return Refuse($"its certificate is not issued for that host name (subject {leaf.Subject}).");
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return Refuse($"{Service} sent no certificate.");
        if (_trusted is null)
            return Refuse($"its certificate is not trusted ({ChainStatus(chain)}).");

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_trusted);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        }

        return custom.Build(leaf) || Refuse($"its certificate does not chain to the trusted CA ({ChainStatus(custom)}).");
    }

    private bool Refuse(string reason)
    {
        _tlsProblem = reason;
        return false;
    }

    private static string ChainStatus(X509Chain? chain)
    {
        var statuses = chain?.ChainStatus.Select(s => s.Status.ToString()).Distinct().ToList() ?? [];
        return statuses.Count == 0 ? "chain errors" : string.Join(", ", statuses);
    }
}

/// <summary>URL helpers the connectors share.</summary>
internal static class TargetUris
{
    /// <summary>Same scheme, host and port: where a credential meant for one may go.</summary>
    public static bool SameOrigin(Uri a, Uri b) =>
        a.Scheme == b.Scheme && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    /// <summary>The URL with a trailing slash on its path, so relative paths resolve below it.</summary>
    public static Uri WithSlash(Uri uri) => uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.GetLeftPart(UriPartial.Path) + "/");
}
