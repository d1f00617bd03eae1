using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Targets.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CraftedSignal.Domain.Targets.Elastic;

/// <summary>Kibana's <c>/api/status</c>: its version, overall level and the round trip.</summary>
public sealed record ElasticStatus(string? Name, string? Version, string? Level, TimeSpan RoundTrip);

public enum ElasticSaveOutcome
{
    Created,
    Updated,
}

/// <summary>
/// The Kibana calls CraftedSignal makes (see /work/shared/apis/elastic/NOTES.md): detection-engine rules create (POST),
/// read (GET ?rule_id=), full update (PUT), delete (DELETE ?rule_id=) and <c>_find</c> with paging, in the connection's
/// space (<c>/s/{space}/api/...</c> unless it is the default space); <c>/api/status</c> and the space itself
/// (<c>/api/spaces/space/{id}</c>). Every request carries <c>Authorization: ApiKey ...</c>, <c>kbn-xsrf</c> and, on the
/// detection engine, <c>elastic-api-version</c>. One client per connection; dispose it after the call.
/// </summary>
public sealed class ElasticClient : IDisposable
{
    private readonly ElasticConnection _connection;
    private readonly TargetHttp _http;
    private readonly Uri _base;
    private readonly Uri _space;

    private ElasticClient(ElasticConnection connection, ILogger logger, TimeProvider time)
    {
        _connection = connection;
        _http = new TargetHttp(ElasticAnswers.TransportOptions(connection), Secrets(connection.ApiKey), logger, time);
        _base = TargetUris.WithSlash(connection.KibanaUrl);
        _space = new Uri(_base, connection.SpacePrefix);
    }

    /// <summary>A client for the connection, or what is wrong with its settings.</summary>
    public static Result<ElasticClient> Create(ElasticConnection connection, ILogger? logger = null, TimeProvider? time = null) =>
        connection.Problem() is { } problem ? problem : new ElasticClient(connection, logger ?? NullLogger.Instance, time ?? TimeProvider.System);

    public void Dispose() => _http.Dispose();

    /// <summary><c>GET /api/status</c>: Kibana answers, and (as it asks for authentication) accepts the key.</summary>
    public async Task<Result<ElasticStatus>> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var response = await _http.SendAsync("reading Kibana's status", Request(HttpMethod.Get, new Uri(_base, "api/status")), cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        if (response.Value.Code != 200)
            return _http.StatusError(response.Value, _connection.Space);
        using var json = TargetHttp.ParseJson(response.Value);
        if (json is null || json.RootElement.ValueKind != JsonValueKind.Object)
            return new TargetMalformedResponse(ElasticAnswers.Service, "the status answer is not JSON.");
        var root = json.RootElement;
        var version = root.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.Object ? Text(v, "number") : null;
        var level = root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.Object && s.TryGetProperty("overall", out var o) && o.ValueKind == JsonValueKind.Object
            ? Text(o, "level") ?? Text(o, "state")
            : null;
        return new ElasticStatus(Text(root, "name"), version, level, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Whether the connection's space exists for the key (<c>GET /api/spaces/space/{id}</c>); the default space always does.</summary>
    public async Task<Result<bool>> SpaceExistsAsync(CancellationToken cancellationToken = default)
    {
        if (_connection.Space == ElasticConnection.DefaultSpace)
            return true;
        var response = await _http.SendAsync("checking the space", Request(HttpMethod.Get, new Uri(_base, "api/spaces/space/" + Uri.EscapeDataString(_connection.Space))), cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        return response.Value.Code switch
        {
            200 => true,
            404 => false,
            _ => _http.StatusError(response.Value, _connection.Space),
        };
    }

    /// <summary>The rule with this rule_id, or null when the space has none.</summary>
    public async Task<Result<ElasticRule?>> GetRuleAsync(string ruleId, CancellationToken cancellationToken = default)
    {
        var response = await _http.SendAsync("reading a rule", Request(HttpMethod.Get, Rules("", ("rule_id", ruleId))), cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        if (response.Value.Code == 404)
        {
            var space = await SpaceOr404Async(cancellationToken);
            return space.Succeeded ? Result<ElasticRule?>.None : space.Error;
        }

        return response.Value.Code == 200 ? Rule(response.Value, "the rule") : _http.StatusError(response.Value, _connection.Space);
    }

    /// <summary>
    /// Creates the rule under its rule_id; when Kibana says the rule_id exists (409), replaces it with a full update
    /// (PUT), so deploying again (or retrying after a lost answer) keeps one rule and bumps its revision.
    /// </summary>
    public async Task<Result<(ElasticSaveOutcome Outcome, ElasticRule Rule)>> SaveRuleAsync(ElasticRuleSpec spec, CancellationToken cancellationToken = default)
    {
        var body = Encoding.UTF8.GetBytes(spec.Body().ToJsonString());
        var created = await _http.SendAsync("creating a rule", Request(HttpMethod.Post, Rules(""), body), cancellationToken);
        if (!created.Succeeded)
            return created.Error;
        if (created.Value.Code == 200)
            return Saved(ElasticSaveOutcome.Created, created.Value);
        if (created.Value.Code == 404)
            return await NotFoundOnWriteAsync(created.Value, "its create", cancellationToken);
        if (created.Value.Code != 409)
            return _http.StatusError(created.Value, _connection.Space);

        var updated = await _http.SendAsync("updating a rule", Request(HttpMethod.Put, Rules(""), body), cancellationToken);
        if (!updated.Succeeded)
            return updated.Error;
        if (updated.Value.Code == 200)
            return Saved(ElasticSaveOutcome.Updated, updated.Value);
        if (updated.Value.Code == 404)
            return await NotFoundOnWriteAsync(updated.Value, "its update", cancellationToken);
        return _http.StatusError(updated.Value, _connection.Space);
    }

    /// <summary>Deletes the rule; succeeds when it is already gone from a space that exists.</summary>
    public async Task<Result> DeleteRuleAsync(string ruleId, CancellationToken cancellationToken = default)
    {
        var response = await _http.SendAsync("deleting a rule", Request(HttpMethod.Delete, Rules("", ("rule_id", ruleId))), cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        return response.Value.Code switch
        {
            200 => Result.Ok(),
            404 => await SpaceOr404Async(cancellationToken),
            _ => _http.StatusError(response.Value, _connection.Space),
        };
    }

    /// <summary>Every rule <c>_find</c> returns for the filter, page by page (<c>page</c>/<c>per_page</c> until <c>total</c>).</summary>
    public async Task<Result<IReadOnlyList<ElasticRule>>> FindRulesAsync(string? filter, CancellationToken cancellationToken = default)
    {
        var all = new List<ElasticRule>();
        for (var page = 1; ; page++)
        {
            if (page > _connection.MaxPages)
                return new ElasticTooManyPages(_connection.MaxPages);
            var query = new List<(string, string)>
            {
                ("page", page.ToString(CultureInfo.InvariantCulture)),
                ("per_page", _connection.PageSize.ToString(CultureInfo.InvariantCulture)),
                ("sort_field", "created_at"),
                ("sort_order", "asc"),
            };
            if (filter is not null)
                query.Add(("filter", filter));
            var response = await _http.SendAsync("listing rules", Request(HttpMethod.Get, Rules("/_find", [.. query])), cancellationToken);
            if (!response.Succeeded)
                return response.Error;
            if (response.Value.Code == 404)
            {
                var space = await SpaceOr404Async(cancellationToken);
                return space.Succeeded ? _http.StatusError(response.Value, _connection.Space) : space.Error;
            }

            if (response.Value.Code != 200)
                return _http.StatusError(response.Value, _connection.Space);
            using var json = TargetHttp.ParseJson(response.Value);
            if (json is null || json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array
                || !json.RootElement.TryGetProperty("total", out var totalElement) || !totalElement.TryGetInt32(out var total))
                return new TargetMalformedResponse(ElasticAnswers.Service, "the _find answer has no data and total.");
            var count = 0;
            foreach (var item in data.EnumerateArray())
            {
                if (ElasticRule.From(item) is not { } rule)
                    return new TargetMalformedResponse(ElasticAnswers.Service, "a rule in the _find answer has no id or rule_id.");
                all.Add(rule);
                count++;
            }

            if (count == 0 || all.Count >= total)
                return all;
        }
    }

    /// <summary>Whether the key may read rules here: one <c>_find</c> of one rule.</summary>
    public async Task<Result> CheckReadPrivilegeAsync(CancellationToken cancellationToken = default)
    {
        var response = await _http.SendAsync("checking the privilege to read rules", Request(HttpMethod.Get, Rules("/_find", ("page", "1"), ("per_page", "1"))), cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        return response.Value.Code switch
        {
            200 => Result.Ok(),
            404 => await SpaceOr404Async(cancellationToken) is { Succeeded: false } space ? space : _http.StatusError(response.Value, _connection.Space),
            _ => _http.StatusError(response.Value, _connection.Space),
        };
    }

    /// <summary>
    /// Whether the key may change rules here, without changing any: a dry-run bulk disable of rules with a tag no rule
    /// has. Kibana checks the route's privilege (403) before it looks for rules; any answer but 401/403 means allowed.
    /// </summary>
    public async Task<Result> CheckManagePrivilegeAsync(CancellationToken cancellationToken = default)
    {
        var query = new JsonObject { ["action"] = "disable", ["query"] = $"alert.attributes.tags:\"{ElasticNaming.Tag}-privilege-check-{Guid.NewGuid():N}\"" };
        var response = await _http.SendAsync("checking the privilege to manage rules",
            Request(HttpMethod.Post, Rules("/_bulk_action", ("dry_run", "true")), Encoding.UTF8.GetBytes(query.ToJsonString())), cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        return response.Value.Code switch
        {
            401 or 403 or >= 500 => _http.StatusError(response.Value, _connection.Space),
            404 => await SpaceOr404Async(cancellationToken),
            _ => Result.Ok(),
        };
    }

    /// <summary>A 404 means "no such rule" only if the space exists; else the space setting is wrong.</summary>
    private async Task<Result> SpaceOr404Async(CancellationToken cancellationToken)
    {
        var exists = await SpaceExistsAsync(cancellationToken);
        if (!exists.Succeeded)
            return exists.Error;
        return exists.Value ? Result.Ok() : new ElasticSpaceNotFound(_connection.Space);
    }

    private async Task<Result<(ElasticSaveOutcome, ElasticRule)>> NotFoundOnWriteAsync(TargetResponse notFound, string step, CancellationToken cancellationToken)
    {
        var space = await SpaceOr404Async(cancellationToken);
        if (!space.Succeeded)
            return space.Error;
        return new ElasticConflict($"Kibana answered 404 to {step} ({_http.MessageOf(notFound) ?? "not found"}): the rule was deleted after Kibana said it existed.");
    }

    private Result<(ElasticSaveOutcome, ElasticRule)> Saved(ElasticSaveOutcome outcome, TargetResponse response)
    {
        var rule = Rule(response, "the saved rule");
        return rule.Succeeded ? (outcome, rule.Value!) : rule.Error;
    }

    private static Result<ElasticRule?> Rule(TargetResponse response, string what)
    {
        using var json = TargetHttp.ParseJson(response);
        return json is not null && ElasticRule.From(json.RootElement) is { } rule
            ? rule
            : new TargetMalformedResponse(ElasticAnswers.Service, $"{what} is not a rule with an id and rule_id.");
    }

    private static TargetSecrets Secrets(string apiKey)
    {
        var secrets = new TargetSecrets(apiKey);
        try
        {
            // The key's parts too: an answer quoting the decoded id:api_key must not carry the key either.
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(apiKey));
            secrets.Add(decoded);
            secrets.Add(decoded[(decoded.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        }
        catch (FormatException)
        {
            // Problem() refuses such a key before a client is made.
        }

        return secrets;
    }

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private Uri Rules(string suffix, params (string Key, string Value)[] query)
    {
        var text = string.Join('&', query.Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value)}"));
        var path = "api/detection_engine/rules" + suffix;
        return new Uri(_space, text.Length == 0 ? path : $"{path}?{text}");
    }

    private Func<HttpRequestMessage> Request(HttpMethod method, Uri uri, byte[]? body = null) => () =>
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("ApiKey", _connection.ApiKey);
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Add("kbn-xsrf", "true");
        if (uri.AbsolutePath.Contains("/api/detection_engine/", StringComparison.Ordinal))
            request.Headers.Add("elastic-api-version", ElasticAnswers.ApiVersion);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return request;
    };
}
