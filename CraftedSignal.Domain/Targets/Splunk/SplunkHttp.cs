using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CraftedSignal.Domain.Common;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Domain.Targets.Splunk;

/// <summary>An HTTP answer whose body was read within the size limit.</summary>
internal sealed record SplunkResponse(HttpStatusCode Status, byte[] Body)
{
    public int Code => (int)Status;
}

/// <summary>
/// The transport under <see cref="SplunkClient"/>: one <see cref="HttpClient"/> per connection with its own certificate
/// check, no redirects, no cookies, a timeout per request, bounded retries after 429/503 and bounded reading. Every
/// failure comes back as a <see cref="SplunkError"/>; only the caller's cancellation (and bugs) throw.
/// </summary>
internal sealed partial class SplunkHttp : IDisposable
{
    private const int MaxQuotedText = 300;
    private readonly SplunkConnection _connection;
    private readonly HttpClient _client;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly X509Certificate2Collection? _trusted;
    private readonly byte[]? _pin;
    private readonly string[] _secrets;
    private volatile string? _tlsProblem;

    public SplunkHttp(SplunkConnection connection, ILogger logger, TimeProvider time)
    {
        _connection = connection;
        _logger = logger;
        _time = time;
        _trusted = connection.TrustedCertificates();
        _pin = connection.PinnedCertificateSha256 is { } pin ? SplunkConnection.PinBytes(pin) : null;
        _secrets = new[] { connection.Token, connection.HecToken }.OfType<string>().Where(s => s.Length > 0).ToArray();
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = connection.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = ValidateCertificate },
        };
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.ParseAdd("CraftedSignal-SplunkConnector/1.0");
    }

    public void Dispose() => _client.Dispose();

    /// <summary>
    /// Sends the request <paramref name="build"/> makes (again for each retry) and reads the answer. 429 and 503 are
    /// retried up to <see cref="SplunkConnection.MaxRetries"/> times, waiting what Retry-After says or an exponential
    /// backoff; a redirect is never followed.
    /// </summary>
    public async Task<Result<SplunkResponse>> SendAsync(string operation, Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = build();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_connection.RequestTimeout);
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                var status = (int)response.StatusCode;
                _logger.LogDebug("Splunk {Operation}: {Method} {Path} answered {Status} in {Elapsed} ms",
                    operation, request.Method, request.RequestUri!.AbsolutePath, status, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (status is >= 300 and < 400)
                    return Redirect(response, request.RequestUri!);
                if (status is 429 or 503)
                {
                    var retryAfter = RetryAfter(response);
                    var delay = retryAfter ?? Backoff(attempt);
                    if (attempt > _connection.MaxRetries || delay > _connection.MaxRetryDelay)
                    {
                        _logger.LogWarning("Splunk {Operation}: still {Status} after {Attempts} attempt(s); giving up for now", operation, status, attempt);
                        return new SplunkThrottled(status, retryAfter, attempt);
                    }

                    _logger.LogInformation("Splunk {Operation}: {Status}, retry {Attempt} of {Max} in {Delay} ms",
                        operation, status, attempt, _connection.MaxRetries, (long)delay.TotalMilliseconds);
                    response.Dispose();
                    await Task.Delay(delay, _time, cancellationToken);
                    continue;
                }

                var body = await ReadBoundedAsync(response.Content, timeout.Token);
                return body is null ? new SplunkResponseTooLarge(_connection.MaxResponseBytes) : new SplunkResponse(response.StatusCode, body);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // SocketsHttpHandler reports its ConnectTimeout as a cancellation with a TimeoutException inside.
                return Logged(operation, ex.InnerException is TimeoutException && !timeout.IsCancellationRequested
                    ? new SplunkTimeout($"connecting to {request.RequestUri!.Authority}", _connection.ConnectTimeout)
                    : new SplunkTimeout(operation, _connection.RequestTimeout));
            }
            catch (HttpRequestException ex)
            {
                return Logged(operation, Transport(ex, request.RequestUri!, operation));
            }
            catch (IOException)
            {
                // The body stopped half way: the connection was dropped after the answer started.
                return Logged(operation, new SplunkConnectionLost(operation));
            }
        }
    }

    /// <summary>Splunk's <c>messages[].text</c> of an answer (trimmed, tokens removed), or null when it has none.</summary>
    public string? MessagesOf(SplunkResponse response)
    {
        try
        {
            using var json = JsonDocument.Parse(response.Body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
            {
                var texts = messages.EnumerateArray()
                    .Select(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null)
                    .OfType<string>().Where(t => t.Length > 0).ToList();
                return texts.Count == 0 ? null : Quote(string.Join("; ", texts));
            }

            // HEC answers {"text": ..., "code": n}.
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
                ? Quote(text.GetString()!)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The error for an answer that is not what the call expected (401, 403, other 4xx, 5xx).</summary>
    public SplunkError StatusError(SplunkResponse response)
    {
        var text = MessagesOf(response);
        return response.Code switch
        {
            401 => new SplunkUnauthorized(text),
            403 => new SplunkForbidden(text is null ? null : CapabilityPattern().Match(text) is { Success: true } m ? m.Groups[1].Value : null, text),
            >= 500 => new SplunkServerError(response.Code, text),
            _ => new SplunkRejected(response.Code, text),
        };
    }

    /// <summary>Splunk's text made safe to show: no tokens, no control characters, at most a few hundred characters.</summary>
    public string Quote(string text)
    {
        foreach (var secret in _secrets)
            text = text.Replace(secret, "[redacted]", StringComparison.Ordinal);
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

    public static JsonDocument? ParseJson(SplunkResponse response)
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

    private SplunkError Logged(string operation, SplunkError error)
    {
        _logger.LogWarning("Splunk {Operation} failed: {Error}", operation, error.Message);
        return error;
    }

    private SplunkRedirectRefused Redirect(HttpResponseMessage response, Uri requested)
    {
        var location = response.Headers.Location;
        var target = location is null ? null : location.IsAbsoluteUri ? location : new Uri(requested, location);
        var otherHost = target is not null && (target.Scheme != requested.Scheme || !string.Equals(target.Host, requested.Host, StringComparison.OrdinalIgnoreCase) || target.Port != requested.Port);
        _logger.LogWarning("Splunk answered {Status} redirecting to {Host}; not followed", (int)response.StatusCode, target?.Authority);
        return new SplunkRedirectRefused((int)response.StatusCode, target?.Authority, otherHost);
    }

    private SplunkError Transport(HttpRequestException ex, Uri uri, string operation)
    {
        var socket = FindInner<SocketException>(ex);
        return ex.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => new SplunkHostNotFound(uri.Host, socket?.SocketErrorCode == SocketError.TryAgain),
            HttpRequestError.SecureConnectionError => new SplunkTlsFailure(uri.Host, _tlsProblem ?? "the TLS handshake failed" + (FindInner<System.Security.Authentication.AuthenticationException>(ex) is { } auth ? $" ({Quote(auth.Message)})." : ".")),
            HttpRequestError.ConnectionError when socket?.SocketErrorCode == SocketError.ConnectionRefused => new SplunkConnectionRefused(uri.Host, uri.Port),
            HttpRequestError.ConnectionError when socket?.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData => new SplunkHostNotFound(uri.Host, false),
            HttpRequestError.ConnectionError when socket?.SocketErrorCode is SocketError.NetworkUnreachable or SocketError.HostUnreachable or SocketError.TimedOut
                => new SplunkUnreachable(uri.Host, $"{socket.SocketErrorCode} (check the address, firewall and network route)."),
            HttpRequestError.ProxyTunnelError => new SplunkUnreachable(uri.Host, "the HTTP proxy refused the tunnel."),
            HttpRequestError.InvalidResponse or HttpRequestError.HttpProtocolError => new SplunkMalformedResponse("the server's answer is not valid HTTP."),
            _ => new SplunkConnectionLost(operation),
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
        return jittered < _connection.MaxRetryDelay ? jittered : _connection.MaxRetryDelay;
    }

    /// <summary>The body, or null when it is longer than the limit (then it is not read further).</summary>
    private async Task<byte[]?> ReadBoundedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var limit = _connection.MaxResponseBytes;
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
    /// ends at one of <see cref="SplunkConnection.TrustedCaPem"/> is accepted too. A name mismatch is never accepted.
    /// </summary>
    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
            return Refuse("Splunk sent no certificate.");
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
            return Refuse("Splunk sent no certificate.");
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

    [GeneratedRegex(@"requires capability:\s*([A-Za-z0-9_]+(?:\s+(?:OR|AND)\s+[A-Za-z0-9_]+)*)", RegexOptions.CultureInvariant)]
    private static partial Regex CapabilityPattern();

    public static AuthenticationHeaderValue Authorization(SplunkAuthScheme scheme, string token) =>
        new(scheme == SplunkAuthScheme.Bearer ? "Bearer" : "Splunk", token);
}
