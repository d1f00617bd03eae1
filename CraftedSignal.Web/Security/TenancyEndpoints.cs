using System.Security.Claims;
using CraftedSignal.Domain.Tenancy;
using Microsoft.AspNetCore.Mvc;

namespace CraftedSignal.Web.Security;

internal static class TenancyEndpoints
{
    /// <summary>Form posts from the app shell that must change the cookie-side view of the user (a full page load follows).</summary>
    public static IEndpointRouteBuilder MapTenancyEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/Account/SwitchCompany", async (
            ClaimsPrincipal user,
            [FromForm] Guid companyId,
            [FromServices] CompanyService companies,
            CancellationToken cancellationToken) =>
        {
            if (user.GetUserId() is not { } userId)
                return Results.Unauthorized();
            var result = await companies.SwitchAsync(userId, companyId, cancellationToken);
            return result.Succeeded ? Results.LocalRedirect("~/") : Results.NotFound(result.Error.Message);
        }).RequireAuthorization();
        return endpoints;
    }
}
