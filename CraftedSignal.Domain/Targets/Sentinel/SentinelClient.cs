using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Targets.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CraftedSignal.Domain.Targets.Sentinel;

public enum SentinelSaveOutcome
{
    Created,
    Updated,
}

/// <summary>An alert rule as ARM answered the write, and whether the write created it (201) or updated it (200).</summary>
public sealed record SentinelSaved(SentinelSaveOutcome Outcome, SentinelAlertRule Rule);

/// <summary>A token Entra ID issued (its value is never shown): when it expires and whether it came from the cache.</summary>
public sealed record SentinelTokenInfo(DateTimeOffset ExpiresOn, bool FromCache, TimeSpan RoundTrip);

/// <summary>
/// The calls CraftedSignal makes for Microsoft Sentinel (see /work/shared/apis/sentinel/NOTES.md): a client-credentials
/// token from Entra ID (<c>POST {authority}/{tenant}/oauth2/v2.0/token</c>), then Azure Resource Manager's alertRules
/// (<c>GET/PUT/DELETE .../providers/Microsoft.SecurityInsights/alertRules/{ruleId}?api-version=2025-09-01</c>, the list
/// with nextLink paging) and the caller's permissions on the workspace. A 401 from ARM gets one fresh token. One client
/// per connection; dispose it after the call.
/// </summary>
public sealed partial class SentinelClient : IDisposable
{
    public const string ApiVersion = "2025-09-01";

    /// <summary>Microsoft.Authorization's permissions API (learn.microsoft.com/rest/api/authorization/permissions): what the caller may do on the workspace.</summary>
    public const string PermissionsApiVersion = "2022-04-01";

    public const string EntraService = "Microsoft Entra ID";
    public const string ArmService = "Azure Resource Manager";

    private const string UserAgent = "CraftedSignal-SentinelConnector/1.0";

    private readonly SentinelConnection _connection;
    private readonly SentinelTokenCache _tokens;
    private readonly TargetHttp _entra;
    private readonly TargetHttp _arm;
    private readonly TargetSecrets _secrets;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _tokenKey;
    private readonly Uri _workspace;

    private SentinelClient(SentinelConnection connection, SentinelTokenCache tokens, ILogger logger, TimeProvider time)
    {
        _connection = connection;
        _tokens = tokens;
        _logger = logger;
        _time = time;
        _secrets = new TargetSecrets(connection.ClientSecret);
        _entra = new TargetHttp(TargetHttpOptions.For(EntraService, UserAgent, connection.Transport), _secrets, logger, time);
        _arm = new TargetHttp(TargetHttpOptions.For(ArmService, UserAgent, connection.Transport), _secrets, logger, time);
        _tokenKey = tokens.KeyOf(connection);
        _workspace = new Uri(TargetUris.WithSlash(connection.ResourceManagerUrl),
            $"subscriptions/{Uri.EscapeDataString(connection.SubscriptionId)}/resourceGroups/{Uri.EscapeDataString(connection.ResourceGroup)}"
            + $"/providers/Microsoft.OperationalInsights/workspaces/{Uri.EscapeDataString(connection.WorkspaceName)}");
    }

    /// <summary>A client for the connection, or what is wrong with its settings. Without <paramref name="tokens"/> it caches tokens for itself only.</summary>
    public static Result<SentinelClient> Create(SentinelConnection connection, SentinelTokenCache? tokens = null, ILogger? logger = null, TimeProvider? time = null) =>
        connection.Problem() is { } problem ? problem : new SentinelClient(connection, tokens ?? new SentinelTokenCache(), logger ?? NullLogger.Instance, time ?? TimeProvider.System);

    public void Dispose()
    {
        _entra.Dispose();
        _arm.Dispose();
    }

    /// <summary>A token for ARM: the cached one while it is valid, else (or with <paramref name="fresh"/>) a new one from Entra ID.</summary>
    public async Task<Result<SentinelTokenInfo>> AcquireTokenAsync(bool fresh, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var token = await TokenAsync(fresh, cancellationToken);
        return token.Succeeded ? new SentinelTokenInfo(token.Value.Token.ExpiresOn, token.Value.FromCache, Stopwatch.GetElapsedTime(started)) : token.Error;
    }

    /// <summary>The alert rule, or null when the workspace has none of that id.</summary>
    public async Task<Result<SentinelAlertRule?>> GetAlertRuleAsync(string name, CancellationToken cancellationToken = default)
    {
        var response = await ArmAsync("reading an alert rule", HttpMethod.Get, RulesUri(name), null, cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        if (response.Value.Code == 404)
        {
            var gone = await RuleNotFoundAsync(response.Value, cancellationToken);
            return gone.Succeeded ? Result<SentinelAlertRule?>.None : gone.Error;
        }

        if (response.Value.Code != 200)
            return StatusError(response.Value);
        var rule = RuleOf(response.Value, name);
        return rule.Succeeded ? rule.Value : rule.Error;
    }

    /// <summary>
    /// Creates or replaces the alert rule with a PUT (idempotent: the rule id in the path is ours). An existing rule is
    /// read first and its etag sent, and what someone added to it in Sentinel is kept; when it changed between the read
    /// and the write (409) it is read and written once more.
    /// </summary>
    public async Task<Result<SentinelSaved>> SaveAlertRuleAsync(SentinelAlertRuleSpec spec, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            var read = await ArmAsync("reading an alert rule", HttpMethod.Get, RulesUri(spec.Name), null, cancellationToken);
            if (!read.Succeeded)
                return read.Error;
            SentinelAlertRule? existing = null;
            if (read.Value.Code == 200)
            {
                var rule = RuleOf(read.Value, spec.Name);
                if (!rule.Succeeded)
                    return rule.Error;
                existing = rule.Value;
            }
            else if (read.Value.Code != 404)
            {
                // A 404 is "not there yet", or a wrong workspace, which the PUT then reports.
                return StatusError(read.Value);
            }

            var body = spec.Body(existing);
            var written = await ArmAsync("writing an alert rule", HttpMethod.Put, RulesUri(spec.Name), body, cancellationToken);
            if (!written.Succeeded)
                return written.Error;
            switch (written.Value.Code)
            {
                case 200 or 201:
                    var saved = RuleOf(written.Value, spec.Name);
                    if (!saved.Succeeded)
                        return saved.Error;
                    return new SentinelSaved(written.Value.Code == 201 ? SentinelSaveOutcome.Created : SentinelSaveOutcome.Updated, saved.Value);
                case 409 when attempt == 1:
                    _logger.LogInformation("{Service}: alert rule {Name} changed since it was read (409); reading it again", ArmService, spec.Name);
                    continue;
                default:
                    return StatusError(written.Value);
            }
        }
    }

    /// <summary>Deletes the alert rule; one that is not there (204, or 404 in a workspace that exists) counts as deleted.</summary>
    public async Task<Result> DeleteAlertRuleAsync(string name, CancellationToken cancellationToken = default)
    {
        var response = await ArmAsync("deleting an alert rule", HttpMethod.Delete, RulesUri(name), null, cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        return response.Value.Code switch
        {
            200 or 204 => Result.Ok(),
            404 => await RuleNotFoundAsync(response.Value, cancellationToken),
            _ => StatusError(response.Value),
        };
    }

    /// <summary>Every alert rule of the workspace, following nextLink page by page, only ever to ARM's own host.</summary>
    public async Task<Result<IReadOnlyList<SentinelAlertRule>>> ListAlertRulesAsync(CancellationToken cancellationToken = default)
    {
        var items = await PagesAsync("listing alert rules", RulesUri(null), workspaceScoped: true, cancellationToken);
        if (!items.Succeeded)
            return items.Error;
        var rules = new List<SentinelAlertRule>();
        foreach (var item in items.Value)
        {
            var rule = ParseRule(item);
            if (rule is null)
                return new TargetMalformedResponse(ArmService, "an alert rule in the list has no name or properties.");
            rules.Add(rule);
        }

        return rules;
    }

    /// <summary>Whether the workspace is there and Sentinel answers for it: the first page of its alert rules.</summary>
    public async Task<Result> CheckWorkspaceAsync(CancellationToken cancellationToken = default)
    {
        var response = await ArmAsync("checking the workspace", HttpMethod.Get, RulesUri(null), null, cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        return response.Value.Code switch
        {
            200 => Result.Ok(),
            404 => WorkspaceNotFound(response.Value) ?? new SentinelWorkspaceNotFound("WorkspaceName", _connection.WorkspaceName, ArmErrorOf(response.Value).Code, ArmErrorOf(response.Value).Message),
            _ => StatusError(response.Value),
        };
    }

    /// <summary>
    /// Which of <paramref name="actions"/> the app may not perform on the workspace, from Microsoft.Authorization's
    /// permissions (the union over its role assignments of actions minus notActions, with <c>*</c> wildcards).
    /// </summary>
    public async Task<Result<IReadOnlyList<string>>> MissingPermissionsAsync(IReadOnlyList<string> actions, CancellationToken cancellationToken = default)
    {
        var uri = new Uri($"{_workspace.AbsoluteUri}/providers/Microsoft.Authorization/permissions?api-version={PermissionsApiVersion}");
        var items = await PagesAsync("reading the app's permissions", uri, workspaceScoped: true, cancellationToken);
        if (!items.Succeeded)
            return items.Error;
        var grants = items.Value.Where(i => i.ValueKind == JsonValueKind.Object)
            .Select(i => (Actions: Strings(i, "actions"), NotActions: Strings(i, "notActions"))).ToList();
        return actions.Where(action => !grants.Any(g => g.Actions.Any(a => ActionMatches(a, action)) && !g.NotActions.Any(n => ActionMatches(n, action)))).ToList();
    }

    private async Task<Result<List<JsonElement>>> PagesAsync(string operation, Uri first, bool workspaceScoped, CancellationToken cancellationToken)
    {
        var items = new List<JsonElement>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (Uri? next = first; next is not null;)
        {
            if (seen.Count >= _connection.MaxPages || !seen.Add(next.AbsoluteUri))
                return new TargetMalformedResponse(ArmService, $"{operation}: the nextLink chain did not end after {seen.Count} page(s).");
            var response = await ArmAsync(operation, HttpMethod.Get, next, null, cancellationToken);
            if (!response.Succeeded)
                return response.Error;
            if (response.Value.Code == 404 && workspaceScoped)
            {
                var (code, message) = ArmErrorOf(response.Value);
                return WorkspaceNotFound(response.Value) ?? new SentinelWorkspaceNotFound("WorkspaceName", _connection.WorkspaceName, code, message);
            }

            if (response.Value.Code != 200)
                return StatusError(response.Value);
            using var json = TargetHttp.ParseJson(response.Value);
            if (json is null || json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Array)
                return new TargetMalformedResponse(ArmService, $"{operation}: the answer is not ARM's JSON with a value array.");
            items.AddRange(value.EnumerateArray().Select(v => v.Clone()));
            next = null;
            if (json.RootElement.TryGetProperty("nextLink", out var link) && link.ValueKind == JsonValueKind.String && link.GetString() is { Length: > 0 } text)
            {
                if (!Uri.TryCreate(text, UriKind.Absolute, out next) || !TargetUris.SameOrigin(next, _connection.ResourceManagerUrl))
                {
                    var host = next?.Authority;
                    _logger.LogWarning("{Service} {Operation}: nextLink to {Host} not followed", ArmService, operation, host);
                    return new SentinelForeignNextLink(host);
                }
            }
        }

        return items;
    }

    /// <summary>A 404 on one rule is "not there" only once the workspace is known to exist: a wrong workspace must never pass as "already removed".</summary>
    private async Task<Result> RuleNotFoundAsync(TargetResponse notFound, CancellationToken cancellationToken)
    {
        if (WorkspaceNotFound(notFound) is { } wrong)
            return wrong;
        return await CheckWorkspaceAsync(cancellationToken);
    }

    private async Task<Result<(SentinelTokenCache.CachedToken Token, bool FromCache)>> TokenAsync(bool fresh, CancellationToken cancellationToken)
    {
        if (!fresh && _tokens.TryGet(_tokenKey, _time.GetUtcNow(), out var cached))
        {
            _secrets.Add(cached.AccessToken);
            return (cached, true);
        }

        var gate = _tokens.GateOf(_tokenKey);
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (!fresh && _tokens.TryGet(_tokenKey, _time.GetUtcNow(), out cached))
            {
                _secrets.Add(cached.AccessToken);
                return (cached, true);
            }

            var issued = await RequestTokenAsync(cancellationToken);
            if (!issued.Succeeded)
                return issued.Error;
            return (issued.Value, false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<Result<SentinelTokenCache.CachedToken>> RequestTokenAsync(CancellationToken cancellationToken)
    {
        var uri = new Uri(TargetUris.WithSlash(_connection.AuthorityUrl), $"{Uri.EscapeDataString(_connection.TenantId)}/oauth2/v2.0/token");
        var form = new KeyValuePair<string, string>[]
        {
            new("client_id", _connection.ClientId),
            new("scope", _connection.Scope),
            new("client_secret", _connection.ClientSecret),
            new("grant_type", "client_credentials"),
        };
        var requestedAt = _time.GetUtcNow();
        var response = await _entra.SendAsync("requesting a token", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new FormUrlEncodedContent(form) };
            request.Headers.Accept.ParseAdd("application/json");
            return request;
        }, cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        if (response.Value.Code != 200)
            return EntraRefusal(response.Value);

        using var json = TargetHttp.ParseJson(response.Value);
        if (json is null || json.RootElement.ValueKind != JsonValueKind.Object)
            return new TargetMalformedResponse(EntraService, "the token answer is not JSON.");
        var root = json.RootElement;
        var accessToken = root.TryGetProperty("access_token", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
        if (accessToken is null || accessToken.Length is < 16 or > 16 * 1024 || accessToken.Any(c => c is <= ' ' or > '~'))
            return new SentinelTokenUnusable("it has no access_token that can be sent in a header.");
        _secrets.Add(accessToken);
        var type = root.TryGetProperty("token_type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (!string.Equals(type, "Bearer", StringComparison.OrdinalIgnoreCase))
            return new SentinelTokenUnusable($"its token_type is '{_entra.Quote(type ?? "")}', not Bearer.");
        var expiresIn = root.TryGetProperty("expires_in", out var e) ? Seconds(e) : null;
        if (expiresIn is not (> 0 and <= 86_400))
            return new SentinelTokenUnusable("its expires_in is missing or not 1 second to 24 hours.");
        _logger.LogInformation("{Service}: token issued for client {ClientId}, valid {Seconds} s", EntraService, _connection.ClientId, expiresIn);
        return _tokens.Store(_tokenKey, accessToken, requestedAt, TimeSpan.FromSeconds(expiresIn.Value));
    }

    /// <summary>expires_in is a number in v2.0 answers; v1.0 answers (and some proxies) send it as a string.</summary>
    private static long? Seconds(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt64(out var n) => n,
        JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };

    /// <summary>Entra ID's error (<c>error</c>, <c>error_description</c>, <c>error_codes</c>) as the setting to fix.</summary>
    private TargetError EntraRefusal(TargetResponse response)
    {
        using var json = TargetHttp.ParseJson(response);
        var root = json?.RootElement;
        var error = root is { ValueKind: JsonValueKind.Object } r && r.TryGetProperty("error", out var er) && er.ValueKind == JsonValueKind.String ? er.GetString() : null;
        if (error is null)
            return response.Code >= 500 ? new SentinelServerError(EntraService, response.Code, null, null) : new TargetMalformedResponse(EntraService, $"HTTP {response.Code} without Entra ID's error JSON.");
        var description = root!.Value.TryGetProperty("error_description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() ?? "" : "";
        int? code = root.Value.TryGetProperty("error_codes", out var codes) && codes.ValueKind == JsonValueKind.Array && codes.GetArrayLength() > 0 && codes[0].TryGetInt32(out var c) ? c
            : AadstsCode().Match(description) is { Success: true } m && int.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
        var said = _entra.Quote(description.Split('\n')[0]);
        if (response.Code >= 500)
            return new SentinelServerError(EntraService, response.Code, error, said);
        var (setting, explanation) = code switch
        {
            90002 or 900023 => ("TenantId", $"Entra ID knows no tenant '{_connection.TenantId}' in this cloud."),
            700016 => ("ClientId", $"the tenant has no application with client id '{_connection.ClientId}' (wrong ClientId, or the app is registered in another tenant)."),
            7000215 => ("ClientSecret", "the client secret is wrong: store the secret's Value, not its Secret ID."),
            7000222 => ("ClientSecret", "the client secret has expired: create a new one in the app registration and store it."),
            7000218 => ("ClientSecret", "no client secret reached Entra ID."),
            70011 or 500011 => ("ResourceManagerUrl", $"the scope {_connection.Scope} (from ResourceManagerUrl) is not a resource of this cloud."),
            _ => error switch
            {
                "invalid_client" => ("ClientSecret", "the app's credentials were not accepted."),
                "unauthorized_client" => ("ClientId", "the app may not use the client-credentials flow in this tenant."),
                "invalid_scope" or "invalid_resource" => ("ResourceManagerUrl", $"the scope {_connection.Scope} is not accepted."),
                _ => ("TenantId", "the request was refused."),
            },
        };
        _logger.LogWarning("{Service} refused the token request: {Error} AADSTS{Code}; check {Setting}", EntraService, error, code, setting);
        return new SentinelTokenRefused(setting, _entra.Quote(error), code is null ? null : $"AADSTS{code}", $"{explanation} Check {setting}. Entra ID said: {said}");
    }

    /// <summary>Sends an ARM request with the bearer token; a 401 drops the token and the request is sent once more with a fresh one.</summary>
    private async Task<Result<TargetResponse>> ArmAsync(string operation, HttpMethod method, Uri uri, byte[]? body, CancellationToken cancellationToken)
    {
        var token = await TokenAsync(false, cancellationToken);
        if (!token.Succeeded)
            return token.Error;
        var response = await _arm.SendAsync(operation, Build(method, uri, body, token.Value.Token.AccessToken), cancellationToken);
        if (!response.Succeeded || response.Value.Code != 401)
            return response;

        _logger.LogInformation("{Service} {Operation}: 401 {Code}; asking Entra ID for a fresh token", ArmService, operation, ArmErrorOf(response.Value).Code);
        _tokens.Forget(_tokenKey, token.Value.Token.AccessToken);
        token = await TokenAsync(false, cancellationToken);
        if (!token.Succeeded)
            return token.Error;
        return await _arm.SendAsync(operation, Build(method, uri, body, token.Value.Token.AccessToken), cancellationToken);
    }

    private static Func<HttpRequestMessage> Build(HttpMethod method, Uri uri, byte[]? body, string accessToken) => () =>
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        request.Headers.Accept.ParseAdd("application/json");
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        return request;
    };

    /// <summary>ARM's <c>{"error":{"code","message"}}</c>, quoted safely; nulls when the body is not that.</summary>
    private (string? Code, string? Message) ArmErrorOf(TargetResponse response)
    {
        using var json = TargetHttp.ParseJson(response);
        if (json is null || json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            return (null, null);
        var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? _arm.Quote(c.GetString()!) : null;
        var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? _arm.Quote(m.GetString()!) : null;
        return (code, message);
    }

    /// <summary>The error for an ARM answer that is not what the call expected.</summary>
    private SentinelError StatusError(TargetResponse response)
    {
        var (code, message) = ArmErrorOf(response);
        switch (response.Code)
        {
            case 401:
                return new SentinelUnauthorized(code, message);
            case 403:
                var action = code == "AuthorizationFailed" && message is not null && ActionPattern().Match(message) is { Success: true } m ? m.Groups[1].Value : null;
                return new SentinelForbidden(action, RoleFor(action), message);
            case 404:
                return (SentinelError?)WorkspaceNotFound(response) ?? new SentinelRejected(404, code, message);
            case 409:
                return new SentinelConflict(message);
            case >= 500:
                return new SentinelServerError(ArmService, response.Code, code, message);
            default:
                return new SentinelRejected(response.Code, code, message);
        }
    }

    /// <summary>A 404 that says the subscription, resource group or workspace is missing; null for any other 404.</summary>
    private SentinelWorkspaceNotFound? WorkspaceNotFound(TargetResponse response)
    {
        var (code, message) = ArmErrorOf(response);
        return code switch
        {
            "SubscriptionNotFound" => new SentinelWorkspaceNotFound("SubscriptionId", _connection.SubscriptionId, code, message),
            "ResourceGroupNotFound" => new SentinelWorkspaceNotFound("ResourceGroup", _connection.ResourceGroup, code, message),
            "ResourceNotFound" or "WorkspaceNotFound" when message?.Contains("Microsoft.OperationalInsights/workspaces/", StringComparison.OrdinalIgnoreCase) == true
                => new SentinelWorkspaceNotFound("WorkspaceName", _connection.WorkspaceName, code, message),
            _ => null,
        };
    }

    /// <summary>The built-in role that grants an action on alert rules.</summary>
    internal static string? RoleFor(string? action) => action switch
    {
        null => null,
        _ when !action.StartsWith("Microsoft.SecurityInsights/", StringComparison.OrdinalIgnoreCase) => null,
        _ when action.EndsWith("/read", StringComparison.OrdinalIgnoreCase) => "Microsoft Sentinel Reader",
        _ => "Microsoft Sentinel Contributor",
    };

    private Result<SentinelAlertRule> RuleOf(TargetResponse response, string name)
    {
        using var json = TargetHttp.ParseJson(response);
        var rule = json is null ? null : ParseRule(json.RootElement);
        if (rule is null)
            return new TargetMalformedResponse(ArmService, "the answer is not an alert rule (ARM's JSON with name and properties).");
        return string.Equals(rule.Name, name, StringComparison.OrdinalIgnoreCase) ? rule
            : new TargetMalformedResponse(ArmService, $"the answer is the alert rule '{_arm.Quote(rule.Name)}', not {name}.");
    }

    private static SentinelAlertRule? ParseRule(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
            || !element.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
            return null;
        return new SentinelAlertRule(name.GetString()!, Text(element, "id"), Text(element, "kind"), Text(element, "etag"), properties.Clone());
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static List<string> Strings(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToList()
            : [];

    /// <summary>An ARM action pattern (<c>*</c> matches anything, case-insensitive) against an action.</summary>
    internal static bool ActionMatches(string pattern, string action) =>
        Regex.IsMatch(action, "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    private Uri RulesUri(string? name) =>
        new($"{_workspace.AbsoluteUri}/providers/Microsoft.SecurityInsights/alertRules{(name is null ? "" : "/" + Uri.EscapeDataString(name))}?api-version={ApiVersion}");

    [GeneratedRegex(@"AADSTS(\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex AadstsCode();

    [GeneratedRegex(@"perform action '([^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex ActionPattern();
}
