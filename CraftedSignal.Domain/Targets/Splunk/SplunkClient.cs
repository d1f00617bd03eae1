using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Targets.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CraftedSignal.Domain.Targets.Splunk;

public sealed record SplunkServerInfo(string? ServerName, string? Version, string? Build, string? HealthInfo, TimeSpan RoundTrip);

public sealed record SplunkCurrentUser(string UserName, IReadOnlyList<string> Roles, IReadOnlyList<string> Capabilities);

public enum SplunkSaveOutcome
{
    Created,
    Updated,
}

/// <summary>The rows of a finished search job; multi-valued fields are joined with line breaks, as Splunk's CSV output does.</summary>
public sealed record SplunkSearchResults(string Sid, IReadOnlyList<IReadOnlyDictionary<string, string>> Rows, bool Truncated);

/// <summary>One event for the HTTP Event Collector. The index is always the connection's test index.</summary>
public sealed record SplunkHecEvent(JsonElement Event, DateTimeOffset? Time = null, string? Host = null, string? Source = null, string? SourceType = null);

/// <summary>
/// The Splunk REST calls CraftedSignal makes (see /work/shared/apis/splunk/NOTES.md): saved searches under
/// <c>/servicesNS/{owner}/{app}/saved/searches</c>, search jobs, server info, the current user, and the HTTP Event
/// Collector. Form-encoded requests, <c>output_mode=json</c> answers. One client per connection; dispose it after the call.
/// </summary>
public sealed class SplunkClient : IDisposable
{
    /// <summary>Splunk's default HEC limit is far above this; test batches are small.</summary>
    public const int MaxHecBatchBytes = 5 * 1024 * 1024;

    private readonly SplunkConnection _connection;
    private readonly TargetHttp _http;
    private readonly TimeProvider _time;
    private readonly Uri _base;
    private readonly string _channel = Guid.NewGuid().ToString("D");

    private SplunkClient(SplunkConnection connection, ILogger logger, TimeProvider time)
    {
        _connection = connection;
        _time = time;
        _http = new TargetHttp(SplunkAnswers.TransportOptions(connection), new TargetSecrets(connection.Token, connection.HecToken), logger, time);
        _base = TargetUris.WithSlash(connection.ManagementUrl);
    }

    /// <summary>A client for the connection, or what is wrong with its settings.</summary>
    public static Result<SplunkClient> Create(SplunkConnection connection, ILogger? logger = null, TimeProvider? time = null) =>
        connection.Problem() is { } problem ? problem : new SplunkClient(connection, logger ?? NullLogger.Instance, time ?? TimeProvider.System);

    public void Dispose() => _http.Dispose();

    public async Task<Result<SplunkServerInfo>> GetServerInfoAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var entry = await GetEntryAsync("reading server info", Services("server/info"), cancellationToken);
        if (!entry.Succeeded)
            return entry.Error;
        var content = Content(entry.Value);
        return new SplunkServerInfo(content.GetValueOrDefault("serverName"), content.GetValueOrDefault("version"), content.GetValueOrDefault("build"),
            content.GetValueOrDefault("health_info"), Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Who the token is, with the capabilities of its roles (<c>authentication/current-context</c>).</summary>
    public async Task<Result<SplunkCurrentUser>> GetCurrentUserAsync(CancellationToken cancellationToken = default)
    {
        var entry = await GetEntryAsync("reading the token's user", Services("authentication/current-context"), cancellationToken);
        if (!entry.Succeeded)
            return entry.Error;
        var content = entry.Value.TryGetProperty("content", out var c) ? c : default;
        return new SplunkCurrentUser(
            Text(content, "username") ?? Text(entry.Value, "name") ?? "",
            Strings(content, "roles"),
            Strings(content, "capabilities"));
    }

    /// <summary>True when the app/owner namespace exists for the token's user.</summary>
    public async Task<Result<bool>> NamespaceExistsAsync(CancellationToken cancellationToken = default)
    {
        var response = await _http.SendAsync("checking the app", Get(Namespaced("saved/searches", ("count", "1"))), cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        return response.Value.Code switch
        {
            200 => true,
            404 => false,
            _ => _http.StatusError(response.Value),
        };
    }

    /// <summary>The saved search, or null when there is none of that name in the namespace.</summary>
    public async Task<Result<SplunkSavedSearch?>> GetSavedSearchAsync(string name, CancellationToken cancellationToken = default)
    {
        var response = await _http.SendAsync("reading a saved search", Get(Namespaced("saved/searches/" + Uri.EscapeDataString(name))), cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        if (response.Value.Code == 404)
        {
            var exists = await NamespaceOr404Async(response.Value, cancellationToken);
            return exists.Succeeded ? Result<SplunkSavedSearch?>.None : exists.Error;
        }

        if (response.Value.Code != 200)
            return _http.StatusError(response.Value);
        var entries = Entries(response.Value);
        if (!entries.Succeeded)
            return entries.Error;
        return entries.Value.FirstOrDefault(e => e.Name == name) ?? entries.Value.FirstOrDefault();
    }

    /// <summary>Every saved search the namespace shows, page by page (<c>count</c>/<c>offset</c>, until <c>paging.total</c>).</summary>
    public async Task<Result<IReadOnlyList<SplunkSavedSearch>>> ListSavedSearchesAsync(CancellationToken cancellationToken = default)
    {
        const int maxPages = 10_000;
        var all = new List<SplunkSavedSearch>();
        for (var page = 0; page < maxPages; page++)
        {
            var offset = all.Count;
            var response = await _http.SendAsync("listing saved searches",
                Get(Namespaced("saved/searches", ("count", _connection.PageSize.ToString(CultureInfo.InvariantCulture)), ("offset", offset.ToString(CultureInfo.InvariantCulture)))),
                cancellationToken);
            if (!response.Succeeded)
                return response.Error;
            if (response.Value.Code == 404)
                return new SplunkNamespaceNotFound(_connection.Owner, _connection.App, _http.MessagesOf(response.Value));
            if (response.Value.Code != 200)
                return _http.StatusError(response.Value);
            var entries = Entries(response.Value, out var total);
            if (!entries.Succeeded)
                return entries.Error;
            all.AddRange(entries.Value);
            if (entries.Value.Count == 0 || (total is { } t ? all.Count >= t : entries.Value.Count < _connection.PageSize))
                return all;
        }

        return new TargetMalformedResponse(SplunkAnswers.Service, $"the saved search listing did not end after {maxPages} pages.");
    }

    /// <summary>
    /// Creates the saved search (POST saved/searches with <c>name</c>), or, when one of that name exists (409), updates it
    /// (POST saved/searches/{name} without <c>name</c>): a retried deployment never makes a second one.
    /// </summary>
    public async Task<Result<SplunkSaveOutcome>> SaveSavedSearchAsync(SplunkSavedSearchSpec spec, CancellationToken cancellationToken = default)
    {
        var created = await _http.SendAsync("creating a saved search",
            Post(Namespaced("saved/searches"), [new("name", spec.Name), .. spec.Fields()]), cancellationToken);
        if (!created.Succeeded)
            return created.Error;
        switch (created.Value.Code)
        {
            case 200 or 201:
                return Confirms(created.Value, spec.Name) is { } unconfirmed ? unconfirmed : SplunkSaveOutcome.Created;
            case 404:
                return new SplunkNamespaceNotFound(_connection.Owner, _connection.App, _http.MessagesOf(created.Value));
            case 409:
                break;
            case 400 when _http.MessagesOf(created.Value)?.Contains("already exists", StringComparison.OrdinalIgnoreCase) == true:
                break;
            default:
                return _http.StatusError(created.Value);
        }

        var updated = await _http.SendAsync("updating a saved search",
            Post(Namespaced("saved/searches/" + Uri.EscapeDataString(spec.Name)), spec.Fields()), cancellationToken);
        if (!updated.Succeeded)
            return updated.Error;
        if (updated.Value.Code != 200)
            return _http.StatusError(updated.Value);
        return Confirms(updated.Value, spec.Name) is { } notConfirmed ? notConfirmed : SplunkSaveOutcome.Updated;
    }

    /// <summary>A 2xx is only taken as done when it is Splunk's answer naming the saved search (not, say, a proxy's page).</summary>
    private TargetError? Confirms(TargetResponse response, string name)
    {
        var entries = Entries(response);
        if (!entries.Succeeded)
            return (TargetError)entries.Error;
        return entries.Value.Any(e => e.Name == name) ? null : new TargetMalformedResponse(SplunkAnswers.Service, $"Splunk's answer does not name the saved search {name}.");
    }

    /// <summary>Deletes the saved search; one that is not there (404) counts as deleted, provided the namespace exists.</summary>
    public async Task<Result> DeleteSavedSearchAsync(string name, CancellationToken cancellationToken = default)
    {
        var response = await _http.SendAsync("deleting a saved search", Request(HttpMethod.Delete, Namespaced("saved/searches/" + Uri.EscapeDataString(name))), cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        return response.Value.Code switch
        {
            200 => Result.Ok(),
            404 => await NamespaceOr404Async(response.Value, cancellationToken),
            _ => _http.StatusError(response.Value),
        };
    }

    /// <summary>
    /// Runs a search job in the namespace (POST search/jobs), polls it until <c>isDone</c>, and reads its results page by
    /// page, all within <see cref="SplunkConnection.SearchTimeout"/>; a job that overruns is cancelled.
    /// </summary>
    public async Task<Result<SplunkSearchResults>> SearchAsync(string spl, string earliest, string latest, CancellationToken cancellationToken = default)
    {
        var trimmed = spl.TrimStart();
        var search = trimmed.StartsWith('|') || trimmed.StartsWith("search ", StringComparison.OrdinalIgnoreCase) ? trimmed : "search " + trimmed;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_connection.SearchTimeout);
        string? sid = null;
        try
        {
            var created = await _http.SendAsync("starting a search",
                Post(Namespaced("search/jobs"), [new("search", search), new("earliest_time", earliest), new("latest_time", latest), new("exec_mode", "normal"), new("output_mode", "json")]),
                deadline.Token);
            if (!created.Succeeded)
                return created.Error;
            if (created.Value.Code == 404)
                return new SplunkNamespaceNotFound(_connection.Owner, _connection.App, _http.MessagesOf(created.Value));
            if (created.Value.Code == 400)
                return new SplunkSearchFailed(_http.MessagesOf(created.Value) ?? "Splunk refused the search (400).");
            if (created.Value.Code is not (200 or 201))
                return _http.StatusError(created.Value);
            using (var json = TargetHttp.ParseJson(created.Value))
            {
                sid = json is not null && json.RootElement.ValueKind == JsonValueKind.Object ? Text(json.RootElement, "sid") : null;
            }

            if (string.IsNullOrEmpty(sid))
                return new TargetMalformedResponse(SplunkAnswers.Service, "the new search job has no sid.");

            var finished = await WaitForJobAsync(sid, deadline.Token);
            if (!finished.Succeeded)
                return finished.Error;
            return await ReadResultsAsync(sid, finished.Value, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            if (sid is not null)
                await CancelJobAsync(sid, cancellationToken);
            return new TargetTimeout(SplunkAnswers.Service, "the search", _connection.SearchTimeout);
        }
    }

    /// <summary>Sends events to the HTTP Event Collector into the test index; waits for indexer acknowledgment when HEC gives an ackId.</summary>
    public async Task<Result<int>> SendEventsAsync(IReadOnlyList<SplunkHecEvent> events, CancellationToken cancellationToken = default)
    {
        if (_connection.HecUrl is null || _connection.HecToken is null || _connection.TestIndex is null)
            return new TargetSettingsInvalid("HecUrl", "Live tests need the HEC URL, a HEC token and a test index in the target's settings.");
        if (events.Count == 0)
            return 0;
        var body = new MemoryStream();
        using (var writer = new Utf8JsonWriter(body))
        {
            foreach (var e in events)
            {
                // HEC takes the events as JSON objects one after another; the writer starts afresh for each.
                writer.Reset(body);
                writer.WriteStartObject();
                writer.WriteNumber("time", Math.Round((e.Time ?? _time.GetUtcNow()).ToUnixTimeMilliseconds() / 1000.0, 3));
                writer.WriteString("host", e.Host ?? "craftedsignal");
                writer.WriteString("source", e.Source ?? "craftedsignal");
                writer.WriteString("sourcetype", e.SourceType ?? "_json");
                writer.WriteString("index", _connection.TestIndex);
                writer.WritePropertyName("event");
                e.Event.WriteTo(writer);
                writer.WriteEndObject();
                writer.Flush();
                body.WriteByte((byte)'\n');
                if (body.Length > MaxHecBatchBytes)
                    return new TargetSettingsInvalid("Events", $"The test events are larger than {MaxHecBatchBytes / (1024 * 1024)} MB; send fewer.");
            }
        }

        var payload = body.ToArray();
        var response = await _http.SendAsync("sending test events", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, Hec("services/collector/event"));
            request.Headers.Authorization = SplunkAnswers.Authorization(SplunkAuthScheme.Splunk, _connection.HecToken);
            request.Headers.Add("X-Splunk-Request-Channel", _channel);
            request.Content = new ByteArrayContent(payload);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            return request;
        }, cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        var answer = HecAnswer(response.Value);
        if (response.Value.Code != 200 || answer.Code is not (0 or null))
            return new SplunkHecRejected(response.Value.Code, answer.Code, answer.Text);
        if (answer.AckId is { } ackId)
        {
            var acked = await WaitForAckAsync(ackId, cancellationToken);
            if (!acked.Succeeded)
                return acked.Error;
        }

        return events.Count;
    }

    /// <summary>HEC's health endpoint: code 17 is healthy, 18 to 20 name what is not.</summary>
    public async Task<Result> GetHecHealthAsync(CancellationToken cancellationToken = default)
    {
        if (_connection.HecUrl is null)
            return new TargetSettingsInvalid("HecUrl", "No HEC URL is set.");
        var response = await _http.SendAsync("checking HEC health", () => new HttpRequestMessage(HttpMethod.Get, Hec("services/collector/health")), cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        var answer = HecAnswer(response.Value);
        return response.Value.Code == 200 ? Result.Ok() : new SplunkHecRejected(response.Value.Code, answer.Code, answer.Text);
    }

    /// <summary>
    /// Checks the HEC token without writing anything: an empty post is answered "No data" (code 5) once the token is
    /// accepted, and "Invalid token" / "Token disabled" (401/403) before that.
    /// </summary>
    public async Task<Result> CheckHecTokenAsync(CancellationToken cancellationToken = default)
    {
        if (_connection.HecUrl is null || _connection.HecToken is null)
            return new TargetSettingsInvalid("HecToken", "No HEC URL and token are set.");
        var response = await _http.SendAsync("checking the HEC token", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, Hec("services/collector/event"));
            request.Headers.Authorization = SplunkAnswers.Authorization(SplunkAuthScheme.Splunk, _connection.HecToken);
            request.Headers.Add("X-Splunk-Request-Channel", _channel);
            request.Content = new ByteArrayContent([]);
            return request;
        }, cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        var answer = HecAnswer(response.Value);
        return response.Value.Code == 200 || answer.Code == 5 ? Result.Ok() : new SplunkHecRejected(response.Value.Code, answer.Code, answer.Text);
    }

    private async Task<Result<JsonElement>> GetEntryAsync(string operation, Uri uri, CancellationToken cancellationToken)
    {
        var response = await _http.SendAsync(operation, Get(uri), cancellationToken);
        if (!response.Succeeded)
            return response.Error;
        if (response.Value.Code != 200)
            return _http.StatusError(response.Value);
        using var json = TargetHttp.ParseJson(response.Value);
        if (json is null || json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("entry", out var entry)
            || entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() == 0 || entry[0].ValueKind != JsonValueKind.Object)
            return new TargetMalformedResponse(SplunkAnswers.Service, $"{operation}: the answer is not Splunk's JSON with an entry.");
        return entry[0].Clone();
    }

    /// <summary>A 404 on one saved search means "not there" only if the namespace exists; else the app or owner is wrong.</summary>
    private async Task<Result> NamespaceOr404Async(TargetResponse notFound, CancellationToken cancellationToken)
    {
        var exists = await NamespaceExistsAsync(cancellationToken);
        if (!exists.Succeeded)
            return exists.Error;
        return exists.Value ? Result.Ok() : new SplunkNamespaceNotFound(_connection.Owner, _connection.App, _http.MessagesOf(notFound));
    }

    private async Task<Result<int?>> WaitForJobAsync(string sid, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            var response = await _http.SendAsync("waiting for the search", Get(Namespaced("search/jobs/" + Uri.EscapeDataString(sid))), cancellationToken);
            if (!response.Succeeded)
                return response.Error;
            if (response.Value.Code == 200)
            {
                using var json = TargetHttp.ParseJson(response.Value);
                if (json is null || !json.RootElement.TryGetProperty("entry", out var entries) || entries.ValueKind != JsonValueKind.Array || entries.GetArrayLength() == 0
                    || !entries[0].TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Object)
                    return new TargetMalformedResponse(SplunkAnswers.Service, "the search job's status is not Splunk's JSON.");
                var state = Text(content, "dispatchState");
                if (SplunkValues.IsTrue(Text(content, "isFailed")) || state == "FAILED")
                    return new SplunkSearchFailed(JobMessages(content) ?? "Splunk marked the job failed.");
                if (SplunkValues.IsTrue(Text(content, "isDone")) || state == "DONE")
                    return int.TryParse(Text(content, "resultCount"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) ? count : Result<int?>.None;
            }
            else if (response.Value.Code != 204)
            {
                // 204: the job exists but is not ready to report yet.
                return response.Value.Code == 404 ? new SplunkSearchFailed("the search job disappeared (404).") : _http.StatusError(response.Value);
            }

            await Task.Delay(delay, _time, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 1.5, 2000));
        }
    }

    private async Task<Result<SplunkSearchResults>> ReadResultsAsync(string sid, int? resultCount, CancellationToken cancellationToken)
    {
        var rows = new List<IReadOnlyDictionary<string, string>>();
        var max = _connection.MaxSearchResults;
        while (rows.Count < max)
        {
            var count = Math.Min(_connection.PageSize, max - rows.Count);
            var response = await _http.SendAsync("reading search results",
                Get(Namespaced($"search/jobs/{Uri.EscapeDataString(sid)}/results",
                    ("count", count.ToString(CultureInfo.InvariantCulture)), ("offset", rows.Count.ToString(CultureInfo.InvariantCulture)))),
                cancellationToken);
            if (!response.Succeeded)
                return response.Error;
            if (response.Value.Code == 204)
                break;
            if (response.Value.Code != 200)
                return _http.StatusError(response.Value);
            using var json = TargetHttp.ParseJson(response.Value);
            if (json is null || json.RootElement.ValueKind != JsonValueKind.Object)
                return new TargetMalformedResponse(SplunkAnswers.Service, "the search results are not JSON.");
            if (!json.RootElement.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
                break;
            var page = results.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Object)
                .Select(r => (IReadOnlyDictionary<string, string>)r.EnumerateObject().ToDictionary(p => p.Name, p => Flatten(p.Value, "\n") ?? "", StringComparer.Ordinal))
                .ToList();
            rows.AddRange(page);
            if (page.Count < count)
                break;
        }

        var truncated = rows.Count >= max && (resultCount is null || resultCount > max);
        return new SplunkSearchResults(sid, rows, truncated);
    }

    private async Task CancelJobAsync(string sid, CancellationToken cancellationToken)
    {
        using var shortly = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        shortly.CancelAfter(_connection.Transport.RequestTimeout);
        try
        {
            await _http.SendAsync("cancelling the search", Post(Namespaced($"search/jobs/{Uri.EscapeDataString(sid)}/control"), [new("action", "cancel")]), shortly.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Best effort: the job expires on its own after its ttl.
        }
    }

    private async Task<Result> WaitForAckAsync(long ackId, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_connection.SearchTimeout);
        var body = Encoding.UTF8.GetBytes($"{{\"acks\":[{ackId.ToString(CultureInfo.InvariantCulture)}]}}");
        try
        {
            while (true)
            {
                var response = await _http.SendAsync("waiting for HEC acknowledgment", () =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Post, Hec("services/collector/ack", ("channel", _channel)));
                    request.Headers.Authorization = SplunkAnswers.Authorization(SplunkAuthScheme.Splunk, _connection.HecToken!);
                    request.Headers.Add("X-Splunk-Request-Channel", _channel);
                    request.Content = new ByteArrayContent(body);
                    request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                    return request;
                }, deadline.Token);
                if (!response.Succeeded)
                    return response.Error;
                if (response.Value.Code != 200)
                {
                    var answer = HecAnswer(response.Value);
                    return new SplunkHecRejected(response.Value.Code, answer.Code, answer.Text);
                }

                using (var json = TargetHttp.ParseJson(response.Value))
                {
                    if (json is null || !json.RootElement.TryGetProperty("acks", out var acks) || acks.ValueKind != JsonValueKind.Object)
                        return new TargetMalformedResponse(SplunkAnswers.Service, "HEC's acknowledgment answer has no acks.");
                    if (acks.TryGetProperty(ackId.ToString(CultureInfo.InvariantCulture), out var done) && done.ValueKind == JsonValueKind.True)
                        return Result.Ok();
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), _time, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new TargetTimeout(SplunkAnswers.Service, "the HEC acknowledgment", _connection.SearchTimeout);
        }
    }

    private (int? Code, string Text, long? AckId) HecAnswer(TargetResponse response)
    {
        using var json = TargetHttp.ParseJson(response);
        if (json is null || json.RootElement.ValueKind != JsonValueKind.Object)
            return (null, $"HTTP {response.Code}, no HEC answer", null);
        var root = json.RootElement;
        int? code = root.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : null;
        long? ack = root.TryGetProperty("ackId", out var a) && a.TryGetInt64(out var id) ? id : null;
        return (code, _http.MessagesOf(response) ?? $"HTTP {response.Code}", ack);
    }

    private Result<IReadOnlyList<SplunkSavedSearch>> Entries(TargetResponse response) => Entries(response, out _);

    private Result<IReadOnlyList<SplunkSavedSearch>> Entries(TargetResponse response, out int? total)
    {
        total = null;
        using var json = TargetHttp.ParseJson(response);
        if (json is null || json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("entry", out var entries) || entries.ValueKind != JsonValueKind.Array)
            return new TargetMalformedResponse(SplunkAnswers.Service, "the saved search answer is not Splunk's JSON with entries.");
        if (json.RootElement.TryGetProperty("paging", out var paging) && paging.ValueKind == JsonValueKind.Object && paging.TryGetProperty("total", out var t) && t.TryGetInt32(out var n))
            total = n;
        var searches = new List<SplunkSavedSearch>();
        foreach (var entry in entries.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || Text(entry, "name") is not { } name)
                return new TargetMalformedResponse(SplunkAnswers.Service, "a saved search entry has no name.");
            var acl = entry.TryGetProperty("acl", out var a) && a.ValueKind == JsonValueKind.Object ? a : default;
            searches.Add(new SplunkSavedSearch(name, Text(acl, "app"), Text(acl, "owner"), Content(entry), Text(entry, "updated")));
        }

        return searches;
    }

    private static Dictionary<string, string?> Content(JsonElement entry) =>
        entry.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Object
            ? content.EnumerateObject().GroupBy(p => p.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Flatten(g.Last().Value, ","), StringComparer.Ordinal)
            : new Dictionary<string, string?>(StringComparer.Ordinal);

    private static string? JobMessages(JsonElement content)
    {
        if (!content.TryGetProperty("messages", out var messages))
            return null;
        var texts = messages.ValueKind switch
        {
            JsonValueKind.Array => messages.EnumerateArray().Select(m => Text(m, "text")).OfType<string>().ToList(),
            JsonValueKind.Object => messages.EnumerateObject().SelectMany(p => p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray().Select(v => Flatten(v, ",")) : [Flatten(p.Value, ",")]).OfType<string>().ToList(),
            _ => [],
        };
        return texts.Count == 0 ? null : string.Join("; ", texts);
    }

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) ? Flatten(value, ",") : null;

    private static IReadOnlyList<string> Strings(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(v => Flatten(v, ",")).OfType<string>().ToList()
            : [];

    private static string? Flatten(JsonElement value, string separator) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => "1",
        JsonValueKind.False => "0",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.Array => string.Join(separator, value.EnumerateArray().Select(v => Flatten(v, separator))),
        _ => value.GetRawText(),
    };

    private Uri Services(string path, params (string Key, string Value)[] query) => Url(_base, "services/" + path, query);

    private Uri Namespaced(string path, params (string Key, string Value)[] query) =>
        Url(_base, $"servicesNS/{Uri.EscapeDataString(_connection.Owner)}/{Uri.EscapeDataString(_connection.App)}/{path}", query);

    private Uri Hec(string path, params (string Key, string Value)[] query) => Url(TargetUris.WithSlash(_connection.HecUrl!), path, query, json: false);

    private static Uri Url(Uri root, string path, (string Key, string Value)[] query, bool json = true)
    {
        IEnumerable<(string Key, string Value)> all = json ? query.Prepend(("output_mode", "json")) : query;
        var text = string.Join('&', all.Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value)}"));
        return new Uri(root, text.Length == 0 ? path : $"{path}?{text}");
    }

    private Func<HttpRequestMessage> Get(Uri uri) => Request(HttpMethod.Get, uri);

    private Func<HttpRequestMessage> Post(Uri uri, IEnumerable<KeyValuePair<string, string>> form)
    {
        var fields = form.ToList();
        return () =>
        {
            var request = Request(HttpMethod.Post, uri)();
            request.Content = new FormUrlEncodedContent(fields);
            return request;
        };
    }

    private Func<HttpRequestMessage> Request(HttpMethod method, Uri uri) => () =>
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = SplunkAnswers.Authorization(_connection.AuthScheme, _connection.Token);
        request.Headers.Accept.ParseAdd("application/json");
        return request;
    };
}
