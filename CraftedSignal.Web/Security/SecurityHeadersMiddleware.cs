namespace CraftedSignal.Web.Security;

/// <summary>
/// Browser hardening on every response: no framing, no MIME sniffing, no referrer (invitation links carry a
/// token in their path), and a content security policy that allows only this origin's scripts.
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    // MudBlazor sets inline style attributes; scripts come only from this origin; 'self' covers the circuit's WebSocket
    // to this origin (ws: and wss: of the same host and port), and nothing else.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; " +
        "base-uri 'self'; form-action 'self'; object-src 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
            // The Hangfire dashboard too: it loads its scripts from its own /hangfire/js URL and polls /hangfire/stats
            // (no inline script, no eval); its charts and progress bars need the inline styles MudBlazor needs already.
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            return Task.CompletedTask;
        });
        return next(context);
    }
}
