using System.Security.Claims;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Web.Security;

/// <summary>
/// Reads the signed-in user's current company and role from the database on every request (never from the
/// cookie, so a role change or removal takes effect at once), adds them as claims and scopes <see cref="CurrentTenant"/>.
/// </summary>
internal sealed class TenantMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, CurrentTenant tenant, IDbContextFactory<AppDbContext> dbFactory, CompanyService companies)
    {
        var user = context.User;
        var ip = context.Connection.RemoteIpAddress?.ToString();
        if (IsStaticFile(context.Request.Path))
        {
            // Scripts, styles and fonts need no company: spare the database a lookup per asset.
            await next(context);
            return;
        }

        if (user.Identity?.IsAuthenticated == true && user.GetUserId() is { } userId)
        {
            await using var db = await dbFactory.CreateDbContextAsync(context.RequestAborted);
            var displayName = await db.Users.Where(u => u.Id == userId).Select(u => u.DisplayName).FirstOrDefaultAsync(context.RequestAborted);
            var current = await companies.ResolveCurrentAsync(userId, context.RequestAborted);
            var claims = new List<Claim> { new(TenantClaims.DisplayName, displayName ?? "") };
            if (current is not null)
            {
                claims.Add(new(TenantClaims.CompanyId, current.Id.ToString()));
                claims.Add(new(TenantClaims.Role, current.Role.ToString()));
            }

            user.AddIdentity(new ClaimsIdentity(claims));
            tenant.Set(current?.Id, userId, user.Identity.Name, current?.Role, ip);
        }
        else
        {
            tenant.Set(null, null, null, null, ip);
        }

        await next(context);
    }

    /// <summary>Scripts, styles, fonts and images: no company, no policy applies to them.</summary>
    internal static bool IsStaticFile(PathString path) =>
        path.StartsWithSegments("/_framework") || path.StartsWithSegments("/_content") || path.StartsWithSegments("/assets")
        || path.StartsWithSegments("/Components") || path.Equals("/favicon.png");
}
