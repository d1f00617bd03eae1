namespace CraftedSignal.Web.Security;

/// <summary>
/// Outside Development every cookie is Secure, so a page served over plain http could never sign anyone in (the
/// antiforgery system refuses to issue its cookie there). This says so plainly instead of failing on the first form.
/// <c>/healthz</c> stays reachable over http for a load balancer's probe.
/// </summary>
internal sealed class HttpsOnlyMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.IsHttps || context.Request.Path.StartsWithSegments("/healthz"))
            return next(context);
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(
            "CraftedSignal serves its pages over https only outside Development. Serve it with TLS, or behind a TLS proxy "
            + "listed in Security:KnownProxies or Security:KnownNetworks that sends X-Forwarded-Proto.");
    }
}
