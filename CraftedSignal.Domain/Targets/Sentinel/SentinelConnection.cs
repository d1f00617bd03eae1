using System.Text;
using System.Text.RegularExpressions;
using CraftedSignal.Domain.Sigma.Conversion.Pipelines;
using CraftedSignal.Domain.Targets.Http;

namespace CraftedSignal.Domain.Targets.Sentinel;

/// <summary>
/// Everything one Microsoft Sentinel connector call needs, the client secret in plaintext: the Entra ID app registration
/// (tenant, client id, client secret) whose service principal holds a role on the workspace, and the Log Analytics
/// workspace Sentinel runs on (subscription, resource group, workspace). It lives for one call: it is built from the
/// target's stored (encrypted) settings and dropped. <see cref="ToString"/> never prints the secret.
/// </summary>
public sealed partial record SentinelConnection : ITargetConnection
{
    public const int MinSecretLength = 16;

    public static readonly Uri PublicAuthority = new("https://login.microsoftonline.com/");

    public static readonly Uri PublicResourceManager = new("https://management.azure.com/");

    /// <summary>The Entra ID tenant: its id (a GUID) or one of its domain names (e.g. <c>contoso.onmicrosoft.com</c>).</summary>
    public required string TenantId { get; init; }

    /// <summary>The app registration's application (client) id, a GUID.</summary>
    public required string ClientId { get; init; }

    /// <summary>A client secret's value (not its "Secret ID").</summary>
    public required string ClientSecret { get; init; }

    public required string SubscriptionId { get; init; }

    public required string ResourceGroup { get; init; }

    /// <summary>The Log Analytics workspace Microsoft Sentinel is enabled on.</summary>
    public required string WorkspaceName { get; init; }

    /// <summary>Microsoft Entra ID's token service; another cloud's (or a test server's) when set.</summary>
    public Uri AuthorityUrl { get; init; } = PublicAuthority;

    /// <summary>Azure Resource Manager; the token is asked for <c>{ResourceManagerUrl}/.default</c>.</summary>
    public Uri ResourceManagerUrl { get; init; } = PublicResourceManager;

    /// <summary>
    /// Lets <see cref="AuthorityUrl"/> and <see cref="ResourceManagerUrl"/> be hosts other than the Azure clouds' (see
    /// <see cref="KnownClouds"/>): a test server, or a proxy in an air-gapped network. Off, a changed setting cannot send
    /// the client secret anywhere but Entra ID.
    /// </summary>
    public bool AllowCustomEndpoints { get; init; }


    /// <summary>Built-in processing pipelines applied when converting rules. The query must start from a table, which a pipeline sets.</summary>
    public IReadOnlyList<ProcessingPipeline> Pipelines { get; init; } = [TargetPipelines.Builtin("sentinel-windows")];

    /// <summary>How often the rule runs (<c>queryFrequency</c>): 5 minutes to 14 days.</summary>
    public TimeSpan QueryFrequency { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How far back each run looks (<c>queryPeriod</c>): 5 minutes to 14 days.</summary>
    public TimeSpan QueryPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Whether an alert of the rule opens an incident.</summary>
    public bool CreateIncident { get; init; } = true;

    /// <summary>Certificate trust (for both hosts), timeouts, retries and the body limit; Entra ID and ARM are https only.</summary>
    public TargetTransport Transport { get; init; } = new();

    /// <summary>Listing stops with an error after this many nextLink pages.</summary>
    public int MaxPages { get; init; } = 1000;

    /// <summary>The Entra ID and Resource Manager hosts of the Azure clouds: public, US Government, China (21Vianet).</summary>
    public static IReadOnlyList<(string Authority, string ResourceManager)> KnownClouds { get; } =
    [
        ("login.microsoftonline.com", "management.azure.com"),
        ("login.microsoftonline.us", "management.usgovcloudapi.net"),
        ("login.chinacloudapi.cn", "management.chinacloudapi.cn"),
    ];

    /// <summary>The scope of the client-credentials token: ARM's resource URI with <c>/.default</c>.</summary>
    public string Scope => ResourceManagerUrl.GetLeftPart(UriPartial.Authority) + "/.default";

    /// <summary>Null when the settings can be used; else what to fix (never quoting the secret).</summary>
    public TargetSettingsInvalid? Problem()
    {
        if (!IsGuid(TenantId) && !(TenantId is { Length: <= 253 } && TenantDomain().IsMatch(TenantId)))
            return new TargetSettingsInvalid("TenantId", "TenantId must be the Entra ID tenant's id (a GUID) or one of its domain names, e.g. contoso.onmicrosoft.com.");
        if (!IsGuid(ClientId))
            return new TargetSettingsInvalid("ClientId", "ClientId must be the app registration's application (client) id, a GUID.");
        if (ClientSecret is null || ClientSecret.Length < MinSecretLength || ClientSecret.Length > 1024 || ClientSecret.Any(c => c is <= ' ' or > '~'))
            return new TargetSettingsInvalid("ClientSecret", $"ClientSecret must be a client secret's value: at least {MinSecretLength} printable characters without spaces.");
        if (!IsGuid(SubscriptionId))
            return new TargetSettingsInvalid("SubscriptionId", "SubscriptionId must be the Azure subscription's id, a GUID.");
        if (ResourceGroup is null || ResourceGroup.Length is < 1 or > 90 || !ResourceGroupName().IsMatch(ResourceGroup) || ResourceGroup.EndsWith('.'))
            return new TargetSettingsInvalid("ResourceGroup", "ResourceGroup must be an Azure resource group name: 1 to 90 letters, digits, '_', '-', '.', '(' or ')', not ending with '.'.");
        if (WorkspaceName is null || WorkspaceName.Length > 90 || !Workspace().IsMatch(WorkspaceName))
            return new TargetSettingsInvalid("WorkspaceName", "WorkspaceName must be a Log Analytics workspace name: letters, digits and '-', starting and ending with a letter or digit.");
        if (Transport.UrlProblem(AuthorityUrl, "AuthorityUrl", PublicAuthority.ToString()) is { } authority)
            return new TargetSettingsInvalid("AuthorityUrl", authority);
        if (Transport.UrlProblem(ResourceManagerUrl, "ResourceManagerUrl", PublicResourceManager.ToString()) is { } arm)
            return new TargetSettingsInvalid("ResourceManagerUrl", arm);
        if (!AllowCustomEndpoints && !KnownClouds.Any(c => IsHost(AuthorityUrl, c.Authority)))
            return new TargetSettingsInvalid("AuthorityUrl", $"AuthorityUrl must be an Azure cloud's Entra ID ({string.Join(", ", KnownClouds.Select(c => c.Authority))}) unless custom endpoints are allowed explicitly: the client secret is sent there.");
        if (!AllowCustomEndpoints && !KnownClouds.Any(c => IsHost(ResourceManagerUrl, c.ResourceManager)))
            return new TargetSettingsInvalid("ResourceManagerUrl", $"ResourceManagerUrl must be an Azure cloud's Resource Manager ({string.Join(", ", KnownClouds.Select(c => c.ResourceManager))}) unless custom endpoints are allowed explicitly.");
        if (Transport.AllowUnencryptedHttp)
            return new TargetSettingsInvalid("AllowUnencryptedHttp", "Microsoft Entra ID and Azure Resource Manager are https only: plain http cannot be allowed.");
        if (Transport.Problem() is { } transport)
            return new TargetSettingsInvalid(transport.Field, transport.Problem);
        if (QueryFrequency < TimeSpan.FromMinutes(5) || QueryFrequency > TimeSpan.FromDays(14) || QueryPeriod < TimeSpan.FromMinutes(5) || QueryPeriod > TimeSpan.FromDays(14))
            return new TargetSettingsInvalid("QueryFrequency", "QueryFrequency and QueryPeriod must be 5 minutes to 14 days.");
        if (QueryFrequency.Ticks % TimeSpan.TicksPerMinute != 0 || QueryPeriod.Ticks % TimeSpan.TicksPerMinute != 0)
            return new TargetSettingsInvalid("QueryFrequency", "QueryFrequency and QueryPeriod must be whole minutes.");
        if (MaxPages < 1)
            return new TargetSettingsInvalid("MaxPages", "MaxPages must be at least 1.");
        return null;
    }

    private static bool IsHost(Uri url, string host) => url.IsDefaultPort && string.Equals(url.Host, host, StringComparison.OrdinalIgnoreCase);

    private static bool IsGuid(string? value) => value is { Length: 36 } && Guid.TryParseExact(value, "D", out _);

    // Swagger: resourceGroupName ^[-\w\._\(\)]+$, workspaceName ^[A-Za-z0-9][A-Za-z0-9-]+[A-Za-z0-9]$ (2025-09-01).
    [GeneratedRegex(@"^[-\w\._\(\)]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ResourceGroupName();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9-]+[A-Za-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex Workspace();

    [GeneratedRegex(@"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex TenantDomain();

    /// <summary>Prints the settings with the client secret left out: a connection in a log line or an exception must not leak it.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"TenantId = {TenantId}, ClientId = {ClientId}, ClientSecret = [redacted], SubscriptionId = {SubscriptionId}, ");
        builder.Append($"ResourceGroup = {ResourceGroup}, WorkspaceName = {WorkspaceName}, AuthorityUrl = {AuthorityUrl}, ResourceManagerUrl = {ResourceManagerUrl}, ");
        builder.Append($"AllowCustomEndpoints = {AllowCustomEndpoints}, Transport = {Transport}");
        return true;
    }
}
