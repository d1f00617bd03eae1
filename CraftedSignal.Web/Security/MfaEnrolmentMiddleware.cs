using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Web.Security;

/// <summary>
/// A company's MFA policy (<see cref="Company.MfaRequirement"/>): a member it covers who has neither a passkey nor an
/// authenticator app (two-factor on) is led to add one before anything else. Pages redirect to the two-factor page,
/// which says why; other requests (forms, the API) get 403 saying the same. The account pages stay open, since that is
/// where a second factor is added (and where one signs out or switches company). Checked against the database on every
/// request, like the role, so turning the policy on, or a member removing their last factor, takes effect at the next one.
/// </summary>
internal sealed class MfaEnrolmentMiddleware(RequestDelegate next)
{
    public const string EnrolPath = "/Account/Manage/TwoFactorAuthentication";

    public async Task InvokeAsync(HttpContext context, CurrentTenant tenant, IDbContextFactory<AppDbContext> dbFactory)
    {
        if (tenant.CompanyId is not { } companyId || tenant.Role is not { } role || tenant.UserId is not { } userId || IsOpen(context.Request.Path))
        {
            await next(context);
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(context.RequestAborted);
        var requirement = await db.Companies.Where(c => c.Id == companyId).Select(c => c.MfaRequirement).FirstOrDefaultAsync(context.RequestAborted);
        if (!Company.RequiresMfa(requirement, role) || await HasSecondFactorAsync(db, userId, context.RequestAborted))
        {
            await next(context);
            return;
        }

        if (HttpMethods.IsGet(context.Request.Method) && !context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Redirect($"{EnrolPath}?required=true");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync("Your company requires a second factor for your role: add a passkey or an authenticator app under Account, two-factor authentication.");
    }

    /// <summary>A passkey, or two-factor on (an authenticator app, confirmed with a code).</summary>
    internal static async Task<bool> HasSecondFactorAsync(AppDbContext db, string userId, CancellationToken cancellationToken) =>
        await db.Users.AnyAsync(u => u.Id == userId && u.TwoFactorEnabled, cancellationToken)
        || await db.UserPasskeys.AnyAsync(p => p.UserId == userId, cancellationToken);

    private static bool IsOpen(PathString path) =>
        TenantMiddleware.IsStaticFile(path) || path.StartsWithSegments("/Account") || path.StartsWithSegments("/_blazor")
        || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/not-found") || path.StartsWithSegments("/Error");
}
