using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace CraftedSignal.Tests.Targets;

/// <summary>What a loopback target server does instead of (or before) answering. A server throws for a kind it has no notion of.</summary>
public enum TargetFaultKind
{
    /// <summary>429 with Retry-After.</summary>
    TooManyRequests,

    /// <summary>503 with Retry-After.</summary>
    Unavailable,

    ServerError,

    /// <summary>An error that quotes the credentials it was sent: the Authorization header (every header, on ARM), or a token request's form body with the client secret.</summary>
    EchoAuthorization,

    /// <summary>Waits <see cref="TargetFault.Delay"/> before answering normally.</summary>
    Hang,

    /// <summary>200 with a JSON body cut off half way.</summary>
    MalformedJson,

    /// <summary>200 with <see cref="TargetFault.Bytes"/> of body (50 MB by default).</summary>
    HugeBody,

    /// <summary>Closes the connection without doing anything.</summary>
    DropConnection,

    /// <summary>Does the work, then closes the connection instead of answering.</summary>
    DropAfterHandling,

    /// <summary>302 to <see cref="TargetFault.Location"/>.</summary>
    Redirect,

    Unauthorized,

    Forbidden,

    /// <summary>Sentinel: the token presented expires now, so this request and every later one with it get 401 ExpiredAuthenticationToken.</summary>
    ExpireToken,

    /// <summary>Sentinel: the list page's nextLink points to <see cref="TargetFault.Location"/>'s host.</summary>
    ForeignNextLink,

    /// <summary>Sentinel: someone edits the rule just before this write is handled (its etag changes).</summary>
    EditBeforeWrite,
}

/// <summary>A fault a loopback server injects into the next <see cref="Times"/> requests whose path contains <see cref="PathContains"/>.</summary>
public record TargetFault(TargetFaultKind Kind)
{
    public string? PathContains { get; init; }

    public string? Method { get; init; }

    public int Times { get; init; } = 1;

    /// <summary>Seconds for the Retry-After header; negative leaves the header out.</summary>
    public int RetryAfterSeconds { get; init; } = -1;

    /// <summary>Send Retry-After as an HTTP date (now + <see cref="RetryAfterSeconds"/>) instead of seconds.</summary>
    public bool RetryAfterAsDate { get; init; }

    public Uri? Location { get; init; }

    public TimeSpan Delay { get; init; } = TimeSpan.FromSeconds(30);

    public string? Text { get; init; }

    public long Bytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>Announce the huge body's length up front (else it is chunked).</summary>
    public bool WithContentLength { get; init; }
}

/// <summary>The faults a loopback server was told to inject; each request takes the first that matches it.</summary>
internal sealed class FaultList<T> where T : TargetFault
{
    private readonly List<T> _faults = [];

    public void Add(T fault)
    {
        lock (_faults)
            _faults.Add(fault);
    }

    /// <summary>The first fault matching the request (and <paramref name="also"/>), counted down; null when none does.</summary>
    public T? Take(HttpRequest request, Func<T, bool>? also = null)
    {
        lock (_faults)
        {
            var path = request.Path.Value ?? "";
            var index = _faults.FindIndex(f => (f.PathContains is null || path.Contains(f.PathContains, StringComparison.Ordinal))
                && (f.Method is null || f.Method == request.Method) && (also is null || also(f)));
            if (index < 0)
                return null;
            var fault = _faults[index];
            if (fault.Times <= 1)
                _faults.RemoveAt(index);
            else
                _faults[index] = fault with { Times = fault.Times - 1 };
            return fault;
        }
    }
}

/// <summary>The HTTP-level faults every loopback target server shows alike; error bodies stay with each server.</summary>
internal static class LoopbackFaults
{
    /// <summary>Retry-After in seconds, or as an HTTP date that many seconds ahead; a negative value sends none.</summary>
    public static void RetryAfter(HttpResponse response, int seconds, bool asDate)
    {
        if (seconds < 0)
            return;
        response.Headers.RetryAfter = asDate
            ? DateTimeOffset.UtcNow.AddSeconds(seconds).ToString("R", CultureInfo.InvariantCulture)
            : seconds.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Waits (until the client gives up), then answers normally.</summary>
    public static async Task HangAsync(HttpContext context, TimeSpan delay, Func<Task> handle)
    {
        try
        {
            await Task.Delay(delay, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        await handle();
    }

    /// <summary>A JSON answer that starts with <paramref name="prefix"/> and goes on for <paramref name="bytes"/>, by Content-Length or chunked.</summary>
    public static async Task HugeBodyAsync(HttpContext context, long bytes, bool withContentLength, string prefix)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        if (withContentLength)
            context.Response.ContentLength = bytes;
        var chunk = Encoding.ASCII.GetBytes(new string(' ', 64 * 1024));
        var start = Encoding.ASCII.GetBytes(prefix);
        try
        {
            await context.Response.Body.WriteAsync(start, context.RequestAborted);
            for (long written = start.Length; written < bytes; written += chunk.Length)
                await context.Response.Body.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, bytes - written)), context.RequestAborted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client stopped reading, as it should.
        }
    }

    /// <summary>Does the work, then closes the connection instead of answering: the client cannot know the change was made.</summary>
    public static async Task DropAfterHandlingAsync(HttpContext context, Func<Task> handle)
    {
        context.Response.Body = new MemoryStream();
        await handle();
        context.Abort();
    }

    /// <summary>
    /// Injects the faults every server shows alike, whatever its error bodies: a hang, a dropped connection, a drop after
    /// handling, a redirect. False for a kind whose answer is the server's own.
    /// </summary>
    public static async Task<bool> TransportFaultAsync(HttpContext context, TargetFault fault, Func<Task> handle)
    {
        switch (fault.Kind)
        {
            case TargetFaultKind.Hang:
                await HangAsync(context, fault.Delay, handle);
                return true;
            case TargetFaultKind.DropConnection:
                context.Abort();
                return true;
            case TargetFaultKind.DropAfterHandling:
                await DropAfterHandlingAsync(context, handle);
                return true;
            case TargetFaultKind.Redirect:
                Redirect(context, fault.Location!);
                return true;
            default:
                return false;
        }
    }

    public static void Redirect(HttpContext context, Uri location)
    {
        context.Response.StatusCode = 302;
        context.Response.Headers.Location = location.ToString();
    }
}
