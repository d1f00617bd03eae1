using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml;
using Microsoft.AspNetCore.Http;

namespace CraftedSignal.Tests.Targets.Sentinel;

public enum SentinelHost
{
    /// <summary>The Entra ID token service.</summary>
    Authority,

    /// <summary>Azure Resource Manager.</summary>
    Arm,
}

/// <summary>A fault the server injects into the next <see cref="TargetFault.Times"/> matching requests to <see cref="Host"/>.</summary>
public sealed record SentinelFault(TargetFaultKind Kind) : TargetFault(Kind)
{
    public SentinelHost Host { get; init; } = SentinelHost.Arm;
}

/// <summary>An app registration the directory knows: its secret and the actions (and notActions) its role assignments grant on the workspace.</summary>
public sealed record SentinelTestApp(string ClientId, string Secret, IReadOnlyList<string> Actions, IReadOnlyList<string> NotActions, bool SecretExpired = false);

public sealed record SentinelTestRequest(DateTimeOffset At, SentinelHost Host, string Method, string Path, string Query, string? Authorization, string? IfMatch, string Body);

/// <summary>An alert rule as the server keeps it: its kind, etag, properties as last written and when.</summary>
public sealed record SentinelStoredRule(string Name, string Kind, string Etag, JsonObject Properties, DateTimeOffset LastModifiedUtc);

/// <summary>
/// A loopback stand-in for Microsoft Entra ID's token endpoint and Azure Resource Manager's Sentinel alertRules, built
/// from the contract in /work/shared/apis/sentinel/ (NOTES.md, AlertRules.json, AlertTypes.json and the examples), on
/// two hosts over TLS with the in-memory CA. Faithful: the client-credentials grant (form body, <c>grant_type</c>,
/// <c>client_id</c>, <c>client_secret</c>, <c>scope</c> = ARM's <c>/.default</c>), the token answer with
/// <c>expires_in</c>, errors with AADSTS codes in Entra ID's shape (<c>error</c>, <c>error_description</c>,
/// <c>error_codes</c>, trace and correlation ids); bearer tokens checked and expiring; <c>api-version</c> required and
/// checked; ARM's order of checks (token, api-version, subscription, role, resource group, workspace) with ARM's error
/// shape <c>{"error":{"code","message"}}</c> and its wording for AuthenticationFailed, InvalidAuthenticationToken,
/// ExpiredAuthenticationToken, MissingApiVersionParameter, SubscriptionNotFound, AuthorizationFailed,
/// ResourceGroupNotFound, ResourceNotFound, InvalidRequestContent and UnsupportedMediaType; PUT bodies validated
/// against the swagger's ScheduledAlertRuleProperties (required properties, types, enums, ISO 8601 durations,
/// incidentConfiguration.createIncident); 201 on create and 200 on update with the resource echoed (id, name, type,
/// kind, etag, lastModifiedUtc); an etag generated per write and checked against the body's <c>etag</c> and If-Match;
/// DELETE 200, or 204 when there is nothing to delete; the list with nextLink and a <c>$skipToken</c>; the caller's
/// permissions on the workspace (Microsoft.Authorization permissions, api-version 2022-04-01).
/// Stand-ins where the contract is silent: the 404 text for a missing rule ("NotFound"), the 409 text for an etag
/// that does not match (also when the rule is gone), the 400 texts of property validation (refusing properties the
/// swagger does not define), queryFrequency/queryPeriod limited to 5 minutes to 14 days, techniques as Txxxx only, and
/// the query check (it evaluates no KQL: the query must start with a table in <see cref="KnownTables"/>).
/// Rules live in memory for inspection and for edits "made in Sentinel" (<see cref="Edit"/>). Faults on demand (<see cref="Inject"/>).
/// </summary>
public sealed partial class SentinelTestServer : IAsyncDisposable
{
    public const string TenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    public const string TenantDomain = "contoso.onmicrosoft.com";
    public const string SubscriptionId = "d0cfe6b2-9ac0-4464-9919-dccaee2e48c0";
    public const string ResourceGroup = "rg-security";
    public const string Workspace = "law-sentinel";
    public const string ContributorClientId = "535fb089-9ff3-47b6-9bfb-4f1264799865";
    public const string ContributorSecret = "Qx8~Wv3.abCD+efGH/ijKL=mnOPqrSTuvWXyz0123456_-";
    public const string ReaderClientId = "6f1f5a2c-3b7d-4e8a-9c0d-1e2f3a4b5c6d";
    public const string ReaderSecret = "Rd7~Zt2.readerSECRETreaderSECRET987654321_-";
    public const string ExpiredClientId = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    public const string ExpiredSecret = "Ex5~Pp1.expiredSECRETexpiredSECRET24680135_";
    public const string ApiVersion = "2025-09-01";

    private static readonly string[] AlertRulesApiVersions = ["2025-09-01", "2025-06-01", "2025-03-01"];
    private static readonly string[] PermissionsApiVersions = ["2022-04-01", "2015-07-01"];
    private static readonly HashSet<string> Severities = new(StringComparer.Ordinal) { "High", "Medium", "Low", "Informational" };
    private static readonly HashSet<string> TriggerOperators = new(StringComparer.Ordinal) { "GreaterThan", "LessThan", "Equal", "NotEqual" };
    private static readonly HashSet<string> AttackTactics = new(StringComparer.Ordinal)
    {
        "Reconnaissance", "ResourceDevelopment", "InitialAccess", "Execution", "Persistence", "PrivilegeEscalation", "DefenseEvasion", "CredentialAccess",
        "Discovery", "LateralMovement", "Collection", "Exfiltration", "CommandAndControl", "Impact", "PreAttack", "ImpairProcessControl", "InhibitResponseFunction",
    };

    private static readonly string[] RequiredProperties =
        ["displayName", "enabled", "severity", "query", "queryFrequency", "queryPeriod", "triggerOperator", "triggerThreshold", "suppressionEnabled", "suppressionDuration"];

    // ScheduledAlertRuleProperties with ScheduledAlertRuleCommonProperties (AlertRules.json, 2025-09-01).
    private static readonly HashSet<string> DefinedProperties = new(StringComparer.Ordinal)
    {
        "alertRuleTemplateName", "templateVersion", "description", "displayName", "enabled", "lastModifiedUtc", "suppressionDuration", "suppressionEnabled",
        "tactics", "techniques", "incidentConfiguration", "query", "queryFrequency", "queryPeriod", "severity", "triggerOperator", "triggerThreshold",
        "eventGroupingSettings", "customDetails", "entityMappings", "alertDetailsOverride",
    };

    private readonly object _lock = new();
    private readonly FaultList<SentinelFault> _faults = new();
    private readonly List<SentinelTestRequest> _requests = [];
    private readonly List<SentinelStoredRule> _rules = [];
    private readonly Dictionary<string, (string ClientId, DateTimeOffset ExpiresOn)> _tokens = new(StringComparer.Ordinal);
    private readonly List<string> _issued = [];
    private readonly Dictionary<string, SentinelTestApp> _apps = new(StringComparer.OrdinalIgnoreCase)
    {
        // Microsoft Sentinel Contributor (Microsoft.SecurityInsights/*) and Reader (Microsoft.SecurityInsights/*/read), abridged.
        [ContributorClientId] = new(ContributorClientId, ContributorSecret, ["Microsoft.SecurityInsights/*", "Microsoft.OperationalInsights/workspaces/read", "Microsoft.Insights/workbooks/*"], []),
        [ReaderClientId] = new(ReaderClientId, ReaderSecret, ["Microsoft.SecurityInsights/*/read", "Microsoft.OperationalInsights/workspaces/read"], []),
        [ExpiredClientId] = new(ExpiredClientId, ExpiredSecret, ["*"], [], SecretExpired: true),
    };

    private readonly LoopbackHosts _hosts = new();

    private SentinelTestServer()
    {
    }

    public Uri AuthorityUrl { get; private set; } = default!;

    public Uri ArmUrl { get; private set; } = default!;

    public static string CaPem => TestCertificates.Shared.CaPem;

    /// <summary>How long an issued token is valid (and the expires_in it is sent with).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Alert rules per list page.</summary>
    public int PageSize { get; set; } = 50;

    /// <summary>Tables a query may start from; any other first word is a table that "does not exist".</summary>
    public HashSet<string> KnownTables { get; } = new(StringComparer.Ordinal)
    {
        "SecurityEvent", "DeviceProcessEvents", "DeviceFileEvents", "DeviceNetworkEvents", "DeviceRegistryEvents", "DeviceImageLoadEvents", "DeviceEvents",
        "SigninLogs", "AuditLogs", "Heartbeat", "Syslog", "CommonSecurityLog",
    };

    public IReadOnlyList<SentinelTestRequest> Requests
    {
        get
        {
            lock (_lock)
                return [.. _requests];
        }
    }

    /// <summary>The rules as they are now (copies: changing them changes nothing on the server).</summary>
    public IReadOnlyList<SentinelStoredRule> Rules
    {
        get
        {
            lock (_lock)
                return [.. _rules.Select(r => r with { Properties = (JsonObject)r.Properties.DeepClone() })];
        }
    }

    /// <summary>Every access token the token endpoint has issued.</summary>
    public IReadOnlyList<string> IssuedTokens
    {
        get
        {
            lock (_lock)
                return [.. _issued];
        }
    }

    public int TokenRequests => Requests.Count(r => r.Host == SentinelHost.Authority);

    public static async Task<SentinelTestServer> StartAsync()
    {
        var server = new SentinelTestServer();
        server.AuthorityUrl = await server._hosts.StartAsync(server.HandleAuthorityAsync);
        server.ArmUrl = await server._hosts.StartAsync(server.HandleArmAsync);
        return server;
    }

    public ValueTask DisposeAsync() => _hosts.DisposeAsync();

    public void Inject(SentinelFault fault) => _faults.Add(fault);

    /// <summary>Someone edits the rule inside Sentinel: the property changes, and so do its etag and lastModifiedUtc.</summary>
    public void Edit(string name, string property, JsonNode? value)
    {
        lock (_lock)
        {
            var index = _rules.FindIndex(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
            var rule = _rules[index];
            var properties = (JsonObject)rule.Properties.DeepClone();
            properties[property] = value;
            _rules[index] = rule with { Properties = properties, Etag = NewEtag(), LastModifiedUtc = DateTimeOffset.UtcNow };
        }
    }

    /// <summary>Someone deletes the rule inside Sentinel.</summary>
    public void Delete(string name)
    {
        lock (_lock)
            _rules.RemoveAll(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A Scheduled rule someone made in Sentinel (not ours), under its own GUID.</summary>
    public string Add(string displayName, string query, string? description = null)
    {
        var name = Guid.NewGuid().ToString("D");
        var properties = new JsonObject
        {
            ["displayName"] = displayName,
            ["description"] = description ?? "",
            ["severity"] = "Medium",
            ["enabled"] = true,
            ["query"] = query,
            ["queryFrequency"] = "PT1H",
            ["queryPeriod"] = "PT1H",
            ["triggerOperator"] = "GreaterThan",
            ["triggerThreshold"] = 0,
            ["suppressionEnabled"] = false,
            ["suppressionDuration"] = "PT5H",
        };
        lock (_lock)
            _rules.Add(new SentinelStoredRule(name, "Scheduled", NewEtag(), properties, DateTimeOffset.UtcNow));
        return name;
    }

    /// <summary>Revokes every token issued so far: ARM answers 401 InvalidAuthenticationToken to them.</summary>
    public void RevokeTokens()
    {
        lock (_lock)
            _tokens.Clear();
    }

    // ---- Entra ID -----------------------------------------------------------------------------------------------------

    private async Task HandleAuthorityAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context.Request);
        Record(context, SentinelHost.Authority, body);
        if (_faults.Take(context.Request, f => f.Host == SentinelHost.Authority) is { } fault)
        {
            await ApplyFaultAsync(context, fault, body, () => TokenAsync(context));
            return;
        }

        await TokenAsync(context);
    }

    private async Task TokenAsync(HttpContext context)
    {
        var segments = (context.Request.Path.Value ?? "").Trim('/').Split('/');
        if (context.Request.Method != "POST" || segments is not [var tenant, "oauth2", "v2.0", "token"])
        {
            context.Response.StatusCode = 404;
            return;
        }

        if (!context.Request.HasFormContentType)
        {
            await EntraErrorAsync(context, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
            return;
        }

        var form = (await context.Request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        if (!string.Equals(tenant, TenantId, StringComparison.OrdinalIgnoreCase) && !string.Equals(tenant, TenantDomain, StringComparison.OrdinalIgnoreCase))
        {
            if (Guid.TryParse(tenant, out _) || tenant.Contains('.', StringComparison.Ordinal))
                await EntraErrorAsync(context, 400, "invalid_request", 90002, $"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.");
            else
                await EntraErrorAsync(context, 400, "invalid_request", 900023, $"Specified tenant identifier '{tenant}' is neither a valid DNS name, nor a valid external domain.");
            return;
        }

        if (form.GetValueOrDefault("grant_type") is not "client_credentials")
        {
            await EntraErrorAsync(context, 400, "unsupported_grant_type", 70003, $"The app requested an unsupported grant type '{form.GetValueOrDefault("grant_type")}'.");
            return;
        }

        if (form.GetValueOrDefault("client_id") is not { Length: > 0 } clientId)
        {
            await EntraErrorAsync(context, 400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
            return;
        }

        SentinelTestApp? app;
        lock (_lock)
            app = _apps.GetValueOrDefault(clientId);
        if (app is null)
        {
            await EntraErrorAsync(context, 400, "unauthorized_client", 700016, $"Application with identifier '{clientId}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.");
            return;
        }

        if (form.GetValueOrDefault("client_secret") is not { Length: > 0 } secret)
        {
            await EntraErrorAsync(context, 401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
            return;
        }

        if (app.SecretExpired)
        {
            await EntraErrorAsync(context, 401, "invalid_client", 7000222, $"The provided client secret keys for app '{clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.");
            return;
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(app.Secret)))
        {
            await EntraErrorAsync(context, 401, "invalid_client", 7000215, $"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{clientId}'.");
            return;
        }

        var scope = form.GetValueOrDefault("scope") ?? "";
        var resource = ArmUrl.GetLeftPart(UriPartial.Authority);
        if (!scope.EndsWith("/.default", StringComparison.Ordinal))
        {
            await EntraErrorAsync(context, 400, "invalid_scope", 1002012, $"The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).");
            return;
        }

        if (!string.Equals(scope[..^"/.default".Length], resource, StringComparison.OrdinalIgnoreCase))
        {
            await EntraErrorAsync(context, 400, "invalid_resource", 500011, $"The resource principal named {scope[..^"/.default".Length]} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.");
            return;
        }

        var token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + Base64Url(RandomNumberGenerator.GetBytes(48)) + "." + Base64Url(RandomNumberGenerator.GetBytes(32));
        var lifetime = TokenLifetime;
        lock (_lock)
        {
            _tokens[token] = (app.ClientId, DateTimeOffset.UtcNow + lifetime);
            _issued.Add(token);
        }

        var seconds = (long)Math.Max(1, lifetime.TotalSeconds);
        await WriteJsonAsync(context, 200, new JsonObject { ["token_type"] = "Bearer", ["expires_in"] = seconds, ["ext_expires_in"] = seconds, ["access_token"] = token });
    }

    private Task EntraErrorAsync(HttpContext context, int status, string error, int code, string description)
    {
        var trace = Guid.NewGuid().ToString("D");
        var correlation = Guid.NewGuid().ToString("D");
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return WriteJsonAsync(context, status, new JsonObject
        {
            ["error"] = error,
            ["error_description"] = $"AADSTS{code}: {description}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {now}",
            ["error_codes"] = new JsonArray(code),
            ["timestamp"] = now,
            ["trace_id"] = trace,
            ["correlation_id"] = correlation,
            ["error_uri"] = $"{AuthorityUrl}error?code={code}",
        });
    }

    // ---- Azure Resource Manager ---------------------------------------------------------------------------------------

    private async Task HandleArmAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context.Request);
        Record(context, SentinelHost.Arm, body);
        if (_faults.Take(context.Request, f => f.Host == SentinelHost.Arm) is { } fault)
        {
            await ApplyFaultAsync(context, fault, body, () => RouteArmAsync(context, body));
            return;
        }

        await RouteArmAsync(context, body);
    }

    private async Task RouteArmAsync(HttpContext context, string body)
    {
        var clientId = await AuthenticateAsync(context);
        if (clientId is null)
            return;

        var segments = (context.Request.Path.Value ?? "").Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        bool Is(int index, string text) => segments.Length > index && string.Equals(segments[index], text, StringComparison.OrdinalIgnoreCase);
        var isWorkspace = segments.Length >= 10 && Is(0, "subscriptions") && Is(2, "resourceGroups") && Is(4, "providers") && Is(5, "Microsoft.OperationalInsights") && Is(6, "workspaces") && Is(8, "providers");
        var rules = isWorkspace && Is(9, "Microsoft.SecurityInsights") && Is(10, "alertRules") && segments.Length <= 12;
        var permissions = isWorkspace && Is(9, "Microsoft.Authorization") && Is(10, "permissions") && segments.Length == 11;
        if (!rules && !permissions)
        {
            await ArmErrorAsync(context, 404, "NotFound", $"No HTTP resource was found that matches the request URI '{context.Request.Path}'.");
            return;
        }

        var apiVersion = context.Request.Query["api-version"].ToString();
        if (apiVersion.Length == 0)
        {
            await ArmErrorAsync(context, 400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
            return;
        }

        var supported = rules ? AlertRulesApiVersions : PermissionsApiVersions;
        if (!supported.Contains(apiVersion, StringComparer.Ordinal))
        {
            await ArmErrorAsync(context, 400, "NoRegisteredProviderFound", $"No registered resource provider found for location 'westeurope' and API version '{apiVersion}' for type '{(rules ? "alertRules" : "permissions")}'. The supported api-versions are '{string.Join(", ", supported)}'.");
            return;
        }

        if (!string.Equals(segments[1], SubscriptionId, StringComparison.OrdinalIgnoreCase))
        {
            await ArmErrorAsync(context, 404, "SubscriptionNotFound", $"The subscription '{segments[1]}' could not be found.");
            return;
        }

        var action = permissions ? "Microsoft.Authorization/permissions/read" : "Microsoft.SecurityInsights/alertRules/" + context.Request.Method switch
        {
            "GET" => "read",
            "PUT" => "write",
            "DELETE" => "delete",
            _ => "action",
        };
        if (!permissions && !Allowed(clientId, action))
        {
            await ForbiddenAsync(context, clientId, action);
            return;
        }

        if (!string.Equals(segments[3], ResourceGroup, StringComparison.OrdinalIgnoreCase))
        {
            await ArmErrorAsync(context, 404, "ResourceGroupNotFound", $"Resource group '{segments[3]}' could not be found.");
            return;
        }

        if (!string.Equals(segments[7], Workspace, StringComparison.OrdinalIgnoreCase))
        {
            await ArmErrorAsync(context, 404, "ResourceNotFound", $"The Resource 'Microsoft.OperationalInsights/workspaces/{segments[7]}' under resource group '{segments[3]}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");
            return;
        }

        if (permissions)
        {
            await PermissionsAsync(context, clientId);
            return;
        }

        var ruleId = segments.Length == 12 ? segments[11] : null;
        switch (context.Request.Method, ruleId)
        {
            case ("GET", null):
                await ListAsync(context);
                return;
            case ("GET", _):
                await GetAsync(context, ruleId);
                return;
            case ("PUT", not null):
                await PutAsync(context, ruleId, body);
                return;
            case ("DELETE", not null):
                await DeleteAsync(context, ruleId);
                return;
            default:
                await ArmErrorAsync(context, 405, "MethodNotAllowed", $"The requested resource does not support http method '{context.Request.Method}'.");
                return;
        }
    }

    /// <summary>The app whose bearer token the request carries, or null once the 401 is written.</summary>
    private async Task<string?> AuthenticateAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            await UnauthorizedAsync(context, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
            return null;
        }

        (string ClientId, DateTimeOffset ExpiresOn) issued;
        bool known;
        lock (_lock)
            known = _tokens.TryGetValue(header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : "", out issued);
        if (!known)
        {
            await UnauthorizedAsync(context, "InvalidAuthenticationToken", "The access token is invalid.");
            return null;
        }

        var now = DateTimeOffset.UtcNow;
        if (issued.ExpiresOn <= now)
        {
            await UnauthorizedAsync(context, "ExpiredAuthenticationToken",
                $"The access token expiry UTC time '{issued.ExpiresOn.UtcDateTime.ToString("M/d/yyyy h:mm:ss tt", CultureInfo.InvariantCulture)}' is earlier than current UTC time '{now.UtcDateTime.ToString("M/d/yyyy h:mm:ss tt", CultureInfo.InvariantCulture)}'.");
            return null;
        }

        return issued.ClientId;
    }

    private Task UnauthorizedAsync(HttpContext context, string code, string message)
    {
        context.Response.Headers.WWWAuthenticate = $"Bearer authorization_uri=\"{AuthorityUrl}{TenantId}\", error=\"invalid_token\", error_description=\"{message}\"";
        return ArmErrorAsync(context, 401, code, message);
    }

    private Task ForbiddenAsync(HttpContext context, string clientId, string action) =>
        ArmErrorAsync(context, 403, "AuthorizationFailed",
            $"The client '{clientId}' with object id '{ObjectIdOf(clientId)}' does not have authorization to perform action '{action}' over scope '{context.Request.Path}' or the scope is invalid. If access was recently granted, please refresh your credentials.");

    private bool Allowed(string clientId, string action)
    {
        SentinelTestApp app;
        lock (_lock)
            app = _apps[clientId];
        return app.Actions.Any(a => Matches(a, action)) && !app.NotActions.Any(n => Matches(n, action));
    }

    private static bool Matches(string pattern, string action) =>
        Regex.IsMatch(action, "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private Task PermissionsAsync(HttpContext context, string clientId)
    {
        SentinelTestApp app;
        lock (_lock)
            app = _apps[clientId];
        return WriteJsonAsync(context, 200, new JsonObject
        {
            ["value"] = new JsonArray(new JsonObject
            {
                ["actions"] = new JsonArray([.. app.Actions.Select(a => (JsonNode)a)]),
                ["notActions"] = new JsonArray([.. app.NotActions.Select(a => (JsonNode)a)]),
                ["dataActions"] = new JsonArray(),
                ["notDataActions"] = new JsonArray(),
            }),
        });
    }

    private async Task ListAsync(HttpContext context)
    {
        var skip = 0;
        if (context.Request.Query.TryGetValue("$skipToken", out var token))
        {
            var offset = SkipTokenOffset(token.ToString());
            if (offset is null)
            {
                await ArmErrorAsync(context, 400, "InvalidSkipToken", "The $skipToken is not valid.");
                return;
            }

            skip = offset.Value;
        }

        List<SentinelStoredRule> page;
        bool more;
        lock (_lock)
        {
            page = _rules.Skip(skip).Take(PageSize).ToList();
            more = _rules.Count > skip + page.Count;
        }

        var result = new JsonObject { ["value"] = new JsonArray([.. page.Select(r => (JsonNode)Resource(r))]) };
        if (more)
        {
            var origin = context.Items.TryGetValue(ForeignNextLinkKey, out var foreign) ? ((Uri)foreign!).GetLeftPart(UriPartial.Authority) : ArmUrl.GetLeftPart(UriPartial.Authority);
            result["nextLink"] = $"{origin}{context.Request.Path}?api-version={ApiVersion}&$skipToken={SkipToken(skip + page.Count)}";
        }

        await WriteJsonAsync(context, 200, result);
    }

    private async Task GetAsync(HttpContext context, string ruleId)
    {
        var rule = Find(ruleId);
        if (rule is null)
            await ArmErrorAsync(context, 404, "NotFound", $"Alert rule '{ruleId}' was not found.");
        else
            await WriteJsonAsync(context, 200, Resource(rule));
    }

    private Task DeleteAsync(HttpContext context, string ruleId)
    {
        bool removed;
        lock (_lock)
            removed = _rules.RemoveAll(r => string.Equals(r.Name, ruleId, StringComparison.OrdinalIgnoreCase)) > 0;
        context.Response.StatusCode = removed ? 200 : 204;
        return Task.CompletedTask;
    }

    private async Task PutAsync(HttpContext context, string ruleId, string body)
    {
        var mediaType = context.Request.ContentType?.Split(';')[0].Trim();
        if (!string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            await ArmErrorAsync(context, 415, "UnsupportedMediaType", $"The content media type '{mediaType}' is not supported. Only 'application/json' is supported.");
            return;
        }

        JsonObject? root;
        try
        {
            root = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException ex)
        {
            await ArmErrorAsync(context, 400, "InvalidRequestContent", $"The request content was invalid and could not be deserialized: '{ex.Message}'.");
            return;
        }

        if (root is null)
        {
            await ArmErrorAsync(context, 400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: 'the alert rule must be a JSON object'.");
            return;
        }

        if (Validate(root) is { } problem)
        {
            await ArmErrorAsync(context, 400, "BadRequest", problem);
            return;
        }

        var etag = root["etag"]?.GetValue<string>() ?? (context.Request.Headers.IfMatch.Count > 0 ? context.Request.Headers.IfMatch.ToString() : null);
        var properties = (JsonObject)root["properties"]!.DeepClone();
        properties.Remove("lastModifiedUtc");
        SentinelStoredRule? written = null;
        var created = false;
        string? conflict = null;
        lock (_lock)
        {
            var index = _rules.FindIndex(r => string.Equals(r.Name, ruleId, StringComparison.OrdinalIgnoreCase));
            if (etag is not null && etag != "*" && (index < 0 || _rules[index].Etag != etag))
            {
                conflict = index < 0 ? $"Alert rule '{ruleId}' does not exist, so the etag {etag} cannot match." : $"Newer version of alert rule '{ruleId}' exists: the etag {etag} does not match.";
            }
            else
            {
                written = new SentinelStoredRule(index < 0 ? ruleId : _rules[index].Name, root["kind"]!.GetValue<string>(), NewEtag(), properties, DateTimeOffset.UtcNow);
                created = index < 0;
                if (created)
                    _rules.Add(written);
                else
                    _rules[index] = written;
            }
        }

        if (conflict is not null)
            await ArmErrorAsync(context, 409, "Conflict", conflict);
        else
            await WriteJsonAsync(context, created ? 201 : 200, Resource(written!));
    }

    /// <summary>The first thing wrong with the body for a Scheduled rule, or null.</summary>
    private string? Validate(JsonObject root)
    {
        if (root["kind"] is not JsonValue kindValue || !kindValue.TryGetValue<string>(out var kind))
            return "The alert rule kind is required.";
        if (kind is "MicrosoftSecurityIncidentCreation" or "Fusion")
            return $"This stand-in implements Scheduled alert rules only, not '{kind}'.";
        if (kind != "Scheduled")
            return $"The alert rule kind '{kind}' is not supported.";
        if (root["etag"] is { } etagNode && (etagNode is not JsonValue etagValue || !etagValue.TryGetValue<string>(out _)))
            return "'etag' must be a string.";
        if (root["properties"] is not JsonObject properties)
            return "The alert rule properties are required.";
        if (RequiredProperties.FirstOrDefault(p => properties[p] is null) is { } missing)
            return $"The property '{missing}' is required.";
        if (properties.Select(p => p.Key).FirstOrDefault(k => !DefinedProperties.Contains(k)) is { } unknown)
            return $"The property '{unknown}' is not a property of a Scheduled alert rule.";
        foreach (var name in new[] { "displayName", "query", "description", "alertRuleTemplateName", "templateVersion" })
        {
            if (properties[name] is { } node && !IsString(node))
                return $"'{name}' must be a string.";
        }

        foreach (var name in new[] { "enabled", "suppressionEnabled" })
        {
            if (properties[name] is not JsonValue v || v.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                return $"'{name}' must be a boolean.";
        }

        if (properties["triggerThreshold"] is not JsonValue threshold || threshold.GetValueKind() != JsonValueKind.Number || !threshold.TryGetValue<int>(out _))
            return "'triggerThreshold' must be a 32-bit integer.";
        if (!Severities.Contains(Text(properties["severity"]) ?? ""))
            return $"'{Text(properties["severity"])}' is not a severity: High, Medium, Low or Informational.";
        if (!TriggerOperators.Contains(Text(properties["triggerOperator"]) ?? ""))
            return $"'{Text(properties["triggerOperator"])}' is not a trigger operator: GreaterThan, LessThan, Equal or NotEqual.";
        foreach (var name in new[] { "queryFrequency", "queryPeriod", "suppressionDuration" })
        {
            if (Duration(properties[name]) is null)
                return $"'{name}' must be an ISO 8601 duration, e.g. PT5M.";
        }

        foreach (var name in new[] { "queryFrequency", "queryPeriod" })
        {
            if (Duration(properties[name]) is not { } value || value < TimeSpan.FromMinutes(5) || value > TimeSpan.FromDays(14))
                return $"'{name}' must be between 5 minutes and 14 days.";
        }

        if (properties["tactics"] is { } tactics && (tactics is not JsonArray tacticList || tacticList.Any(t => !AttackTactics.Contains(Text(t) ?? ""))))
            return $"'tactics' must hold AttackTactic values ({string.Join(", ", AttackTactics)}).";
        if (properties["techniques"] is { } techniques && (techniques is not JsonArray techniqueList || techniqueList.Any(t => !Technique().IsMatch(Text(t) ?? ""))))
            return "'techniques' must hold technique ids of the form Txxxx.";
        if (properties["incidentConfiguration"] is { } incident)
        {
            if (incident is not JsonObject incidentObject || incidentObject["createIncident"] is not JsonValue create || create.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                return "'incidentConfiguration.createIncident' is required and must be a boolean.";
            if (incidentObject["groupingConfiguration"] is JsonObject grouping
                && new[] { "enabled", "reopenClosedIncident", "lookbackDuration", "matchingMethod" }.FirstOrDefault(p => grouping[p] is null) is { } groupingMissing)
                return $"'incidentConfiguration.groupingConfiguration.{groupingMissing}' is required.";
        }

        var query = Text(properties["query"])!.TrimStart();
        var table = FirstWord().Match(query);
        if (!table.Success || !KnownTables.Contains(table.Value))
            return $"Semantic error: Failed to resolve table or column expression named '{(table.Success ? table.Value : query.Split(' ', 2)[0])}'.";
        return null;
    }

    private JsonObject Resource(SentinelStoredRule rule)
    {
        var properties = (JsonObject)rule.Properties.DeepClone();
        properties["lastModifiedUtc"] = rule.LastModifiedUtc.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
        if (!properties.ContainsKey("alertRuleTemplateName"))
            properties["alertRuleTemplateName"] = null;
        return new JsonObject
        {
            ["id"] = $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.OperationalInsights/workspaces/{Workspace}/providers/Microsoft.SecurityInsights/alertRules/{rule.Name}",
            ["name"] = rule.Name,
            ["type"] = "Microsoft.SecurityInsights/alertRules",
            ["kind"] = rule.Kind,
            ["etag"] = rule.Etag,
            ["properties"] = properties,
        };
    }

    private SentinelStoredRule? Find(string ruleId)
    {
        lock (_lock)
            return _rules.FirstOrDefault(r => string.Equals(r.Name, ruleId, StringComparison.OrdinalIgnoreCase));
    }

    // ---- faults -------------------------------------------------------------------------------------------------------

    private const string ForeignNextLinkKey = "foreign-next-link";

    private async Task ApplyFaultAsync(HttpContext context, SentinelFault fault, string body, Func<Task> handle)
    {
        var entra = fault.Host == SentinelHost.Authority;
        switch (fault.Kind)
        {
            case TargetFaultKind.TooManyRequests or TargetFaultKind.Unavailable:
                LoopbackFaults.RetryAfter(context.Response, fault.RetryAfterSeconds, fault.RetryAfterAsDate);
                var status = fault.Kind == TargetFaultKind.TooManyRequests ? 429 : 503;
                if (entra)
                    await EntraErrorAsync(context, status, "temporarily_unavailable", 50196, "The server temporarily blocked the request because of too many requests.");
                else
                    await ArmErrorAsync(context, status, status == 429 ? "SubscriptionRequestsThrottled" : "ServiceUnavailable", fault.Text ?? "Number of requests for subscription exceeded the limit. Please try again later.");
                return;
            case TargetFaultKind.ServerError:
                if (entra)
                    await EntraErrorAsync(context, 500, "server_error", 50000, fault.Text ?? "There was an error issuing a token or an issue with our sign-in service.");
                else
                    await ArmErrorAsync(context, 500, "InternalServerError", fault.Text ?? "Encountered internal server error.");
                return;
            case TargetFaultKind.EchoAuthorization:
                if (entra)
                {
                    await EntraErrorAsync(context, 400, "invalid_request", 900144, $"The request could not be parsed; received: {body}");
                }
                else
                {
                    var headers = string.Join("; ", context.Request.Headers.Select(h => $"{h.Key}: {h.Value}"));
                    await ArmErrorAsync(context, 500, "InternalServerError", $"Unexpected failure handling a request with headers {headers}");
                }

                return;
            case TargetFaultKind.Hang:
                await LoopbackFaults.HangAsync(context, fault.Delay, handle);
                return;
            case TargetFaultKind.MalformedJson:
                context.Response.ContentType = "application/json; charset=utf-8";
                await context.Response.WriteAsync(entra ? "{\"token_type\":\"Bearer\",\"expires_in\":35" : "{\"value\":[{\"id\":\"/subscriptions/");
                return;
            case TargetFaultKind.HugeBody:
                await LoopbackFaults.HugeBodyAsync(context, fault.Bytes, fault.WithContentLength, entra ? "{\"access_token\":\"" : "{\"value\":[");
                return;
            case TargetFaultKind.DropConnection:
                context.Abort();
                return;
            case TargetFaultKind.DropAfterHandling:
                await LoopbackFaults.DropAfterHandlingAsync(context, handle);
                return;
            case TargetFaultKind.Redirect:
                LoopbackFaults.Redirect(context, fault.Location!);
                return;
            case TargetFaultKind.Unauthorized:
                await UnauthorizedAsync(context, "InvalidAuthenticationToken", "The access token is invalid.");
                return;
            case TargetFaultKind.Forbidden:
                var clientId = ClientOf(context.Request) ?? ContributorClientId;
                await ForbiddenAsync(context, clientId, "Microsoft.SecurityInsights/alertRules/" + (context.Request.Method == "GET" ? "read" : context.Request.Method == "DELETE" ? "delete" : "write"));
                return;
            case TargetFaultKind.ExpireToken:
                var header = context.Request.Headers.Authorization.ToString();
                lock (_lock)
                {
                    if (header.StartsWith("Bearer ", StringComparison.Ordinal) && _tokens.TryGetValue(header[7..], out var issued))
                        _tokens[header[7..]] = (issued.ClientId, DateTimeOffset.UtcNow.AddSeconds(-1));
                }

                await handle();
                return;
            case TargetFaultKind.ForeignNextLink:
                context.Items[ForeignNextLinkKey] = fault.Location!;
                await handle();
                return;
            case TargetFaultKind.EditBeforeWrite:
                var ruleId = (context.Request.Path.Value ?? "").Split('/').Last();
                if (Find(ruleId) is not null)
                    Edit(ruleId, "description", "Edited in Sentinel while CraftedSignal was writing.");
                await handle();
                return;
            default:
                throw new NotSupportedException($"The Sentinel test server has no fault {fault.Kind}.");
        }
    }

    // ---- plumbing -----------------------------------------------------------------------------------------------------

    private string? ClientOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        lock (_lock)
            return header.StartsWith("Bearer ", StringComparison.Ordinal) && _tokens.TryGetValue(header[7..], out var issued) ? issued.ClientId : null;
    }

    private static string ObjectIdOf(string clientId) => new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(clientId))[..16]).ToString("D");

    private static Task ArmErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.Headers["x-ms-failure-cause"] = status >= 500 ? "service" : "gateway";
        return WriteJsonAsync(context, status, new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } });
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers["x-ms-request-id"] = Guid.NewGuid().ToString("D");
        context.Response.Headers["x-ms-correlation-request-id"] = Guid.NewGuid().ToString("D");
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private void Record(HttpContext context, SentinelHost host, string body)
    {
        var authorization = context.Request.Headers.Authorization;
        var ifMatch = context.Request.Headers.IfMatch;
        lock (_lock)
        {
            _requests.Add(new SentinelTestRequest(DateTimeOffset.UtcNow, host, context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "",
                authorization.Count == 0 ? null : authorization.ToString(), ifMatch.Count == 0 ? null : ifMatch.ToString(), body));
        }
    }

    /// <summary>The body as text; the stream is rewound so the form reader can read it again.</summary>
    private static async Task<string> ReadBodyAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var reader = new StreamReader(request.Body, Encoding.UTF8, leaveOpen: true);
        var text = await reader.ReadToEndAsync();
        request.Body.Position = 0;
        return text;
    }

    private static bool IsString(JsonNode node) => node is JsonValue value && value.GetValueKind() == JsonValueKind.String;

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static TimeSpan? Duration(JsonNode? node)
    {
        if (Text(node) is not { } text)
            return null;
        try
        {
            return XmlConvert.ToTimeSpan(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string NewEtag() => $"\"{Guid.NewGuid():D}\"";

    private static string SkipToken(int offset) => Base64Url(Encoding.UTF8.GetBytes($"offset:{offset.ToString(CultureInfo.InvariantCulture)}"));

    private static int? SkipTokenOffset(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/').PadRight((token.Length + 3) / 4 * 4, '=')));
            return text.StartsWith("offset:", StringComparison.Ordinal) && int.TryParse(text[7..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex(@"^T\d{4}$", RegexOptions.CultureInvariant)]
    private static partial Regex Technique();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(?=\s*(\||$))", RegexOptions.CultureInvariant)]
    private static partial Regex FirstWord();
}
