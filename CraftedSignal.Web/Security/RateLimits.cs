using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Web.Security;

/// <summary>
/// How many requests one client address may make (<c>Security:RateLimits</c>): strict on the endpoints a stranger can
/// call to guess or to make the server hash (sign-in, two-factor and recovery codes, registration, invitations,
/// passkeys: every request under <c>/Account</c> that changes something, but signing out), generous on the API.
/// On in every environment; the client address is the peer's, or the forwarded one from a trusted proxy.
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "Security:RateLimits";

    /// <summary>Requests to the account endpoints per client address and window.</summary>
    public int AccountPermits { get; set; } = 30;

    public TimeSpan AccountWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>API requests per client address and window.</summary>
    public int ApiPermits { get; set; } = 600;

    public TimeSpan ApiWindow { get; set; } = TimeSpan.FromMinutes(1);

    internal IReadOnlyList<string> GetErrors()
    {
        var errors = new List<string>();
        if (AccountPermits is < 1 or > 100_000)
            errors.Add($"{SectionName}:AccountPermits must be between 1 and 100000 (it is {AccountPermits}).");
        if (ApiPermits is < 1 or > 1_000_000)
            errors.Add($"{SectionName}:ApiPermits must be between 1 and 1000000 (it is {ApiPermits}).");
        if (AccountWindow < TimeSpan.FromSeconds(1) || AccountWindow > TimeSpan.FromDays(1))
            errors.Add($"{SectionName}:AccountWindow must be between 1 second and 1 day (it is {AccountWindow}).");
        if (ApiWindow < TimeSpan.FromSeconds(1) || ApiWindow > TimeSpan.FromDays(1))
            errors.Add($"{SectionName}:ApiWindow must be between 1 second and 1 day (it is {ApiWindow}).");
        return errors;
    }
}

public static class RateLimits
{
    /// <summary>The limiter for every request, partitioned by kind of endpoint and client address; 429 with Retry-After when spent.</summary>
    public static IServiceCollection AddCraftedSignalRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitOptions>>(new RateLimitOptionsValidator());
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((options, limits) =>
        {
            var value = limits.Value;
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Classify(context) switch
            {
                Bucket.Account => RateLimitPartition.GetFixedWindowLimiter("account:" + ClientAddress(context), _ => Window(value.AccountPermits, value.AccountWindow)),
                Bucket.Api => RateLimitPartition.GetFixedWindowLimiter("api:" + ClientAddress(context), _ => Window(value.ApiPermits, value.ApiWindow)),
                _ => RateLimitPartition.GetNoLimiter("none"),
            });
            options.OnRejected = async (rejected, cancellationToken) =>
            {
                var response = rejected.HttpContext.Response;
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : value.AccountWindow;
                response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                response.ContentType = "text/plain; charset=utf-8";
                await response.WriteAsync($"Too many requests from your address. Try again in {Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))} seconds.", cancellationToken);
            };
        });
        return services;
    }

    /// <summary>The address requests are counted under: the connection's peer (after trusted forwarded headers), or "unknown".</summary>
    public static string ClientAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? UnknownAddress;

    /// <summary>Requests without a peer address (in-process test hosts) share one partition.</summary>
    public const string UnknownAddress = "unknown";

    internal enum Bucket
    {
        None,
        Account,
        Api,
    }

    internal static Bucket Classify(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
            return Bucket.Api;
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method))
            return Bucket.None;
        return path.StartsWithSegments("/Account", StringComparison.OrdinalIgnoreCase) && !path.StartsWithSegments("/Account/Logout", StringComparison.OrdinalIgnoreCase)
            ? Bucket.Account
            : Bucket.None;
    }

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) =>
        new() { PermitLimit = permits, Window = window, QueueLimit = 0, AutoReplenishment = true };

    private sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
    {
        public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
        {
            var errors = options.GetErrors();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
