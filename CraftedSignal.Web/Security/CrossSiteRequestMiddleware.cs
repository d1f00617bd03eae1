using Microsoft.Extensions.Options;

namespace CraftedSignal.Web.Security;

/// <summary>
/// CSRF protection by what the browser says about a request's origin, in front of (and in addition to) antiforgery:
/// a state-changing request that a browser marks <c>Sec-Fetch-Site: cross-site</c> (or <c>same-site</c>) is refused with
/// 403 unless its <c>Origin</c> is one of <see cref="RequestProtectionOptions.TrustedOrigins"/>. A browser too old to send
/// <c>Sec-Fetch-Site</c> is judged by <c>Origin</c>, else <c>Referer</c>. A request with none of the three headers is
/// not from a browser page (curl, a script with an API token) and has no ambient cookie to abuse: it passes to the
/// endpoint's own checks.
/// </summary>
internal sealed class CrossSiteRequestMiddleware(RequestDelegate next, IOptions<RequestProtectionOptions> options, ILogger<CrossSiteRequestMiddleware> logger)
{
    private readonly HashSet<string> _trustedOrigins = [.. options.Value.NormalizedTrustedOrigins()];

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        {
            await next(context);
            return;
        }

        if (Refusal(request) is not { } reason)
        {
            await next(context);
            return;
        }

        // Not the path: an invitation's path carries its token.
        logger.LogWarning("Refused a cross-site {Method}: {Reason}", request.Method, reason);
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync($"Cross-site request refused: {reason} CraftedSignal accepts changes only from its own pages and from the origins in Security:TrustedOrigins.");
    }

    /// <summary>Why the request is refused, or null when it may proceed.</summary>
    private string? Refusal(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            if (site is "same-origin" or "none" || IsTrusted(origin))
                return null;
            return $"the browser marked this {request.Method} Sec-Fetch-Site: {site}.";
        }

        var (header, value) = origin.Length > 0 ? ("Origin", origin) : ("Referer", request.Headers.Referer.ToString());
        if (value.Length == 0 || IsTrusted(value) || SameOrigin(request, value))
            return null;
        return $"its {header} is not this site's origin.";
    }

    private bool IsTrusted(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && _trustedOrigins.Contains(OriginOf(uri));

    /// <summary>Compares with the origin the request was addressed to, as the forwarded headers left it (the proxy's https).</summary>
    private static bool SameOrigin(HttpRequest request, string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var claimed)
        && Uri.TryCreate($"{request.Scheme}://{request.Host}", UriKind.Absolute, out var own)
        && OriginOf(claimed) == OriginOf(own);

    /// <summary>Scheme, host and port (the default port written out), lower case: two spellings of one origin compare equal.</summary>
    internal static string OriginOf(Uri uri) => $"{uri.Scheme}://{uri.Host}:{uri.Port}".ToLowerInvariant();
}
