using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Web.Security;

namespace CraftedSignal.Web.Api;

internal static class RuleEndpoints
{
    public static IEndpointRouteBuilder MapRuleEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var rules = endpoints.MapGroup("/api/v1/rules").RequireAuthorization(Policies.View);

        // The company's rules as a zip of Sigma YAML (native queries keep their language's extension).
        rules.MapGet("/export", async (HttpContext context, RuleTransferService transfer, CurrentTenant tenant, TimeProvider time, CancellationToken cancellationToken) =>
        {
            using var buffer = new MemoryStream();
            var exported = await transfer.ExportAsync(buffer, cancellationToken);
            if (!exported.Succeeded)
                return exported.Error.ToProblem();
            var name = $"craftedsignal-rules-{time.GetUtcNow():yyyyMMdd-HHmm}.zip";
            return Results.File(buffer.ToArray(), "application/zip", name);
        });
        return endpoints;
    }
}
