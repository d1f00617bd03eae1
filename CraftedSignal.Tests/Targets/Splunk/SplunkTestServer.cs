using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace CraftedSignal.Tests.Targets.Splunk;

public sealed record SplunkTestUser(string Name, IReadOnlyList<string> Roles, IReadOnlyList<string> Capabilities);

public sealed record SplunkTestRequest(DateTimeOffset At, string Method, string Path, string Query, string? Authorization, IReadOnlyDictionary<string, string> Form);

/// <summary>A saved search as the test server keeps it: its namespace, its fields as they were posted, and its entry's <c>updated</c> (changed by every write).</summary>
public sealed record SplunkStoredSearch(string App, string Owner, string Name, IReadOnlyDictionary<string, string> Fields, DateTimeOffset Updated);

public sealed record SplunkStoredEvent(string Index, string Source, string SourceType, string Host, double Time, JsonElement Event);

/// <summary>
/// A loopback stand-in for splunkd (management port) and its HTTP Event Collector (a second port), built from the REST
/// contract in /work/shared/apis/splunk/NOTES.md: <c>/services</c> and <c>/servicesNS/{owner}/{app}</c> paths, token
/// authentication (<c>Bearer</c> or <c>Splunk</c>), form-encoded bodies, JSON in Splunk's envelope (entry / content /
/// paging) when <c>output_mode=json</c>, errors as <c>messages[{type,text}]</c>, count/offset paging, 409 on a duplicate
/// name, search jobs that go through dispatchState, and HEC with its codes and acknowledgment. Saved searches live in
/// memory so tests can inspect and edit them. Faults are injected on demand (<see cref="Inject"/>).
/// Where NOTES.md is silent the wording is splunkd's as seen in client code and issue threads ("call not properly
/// authenticated", "An object with name=... already exists", "Argument ... is not supported by this handler.", "requires
/// capability: ..."); "Application does not exist" is a stand-in text. The server evaluates no SPL: a search job returns
/// the HEC events whose <c>index=</c> (and <c>source="..."</c>, if given) match, or their count for a trailing
/// <c>| stats count</c>.
/// </summary>
public sealed partial class SplunkTestServer : IAsyncDisposable
{
    public const string AdminToken = "eyJraWQiOiJzcGx1bmsuc2VjcmV0IiwiYWxnIjoiSFM1MTIifQ.admin-7f3a9c1e5b2d4f60";
    public const string ReaderToken = "eyJraWQiOiJzcGx1bmsuc2VjcmV0IiwiYWxnIjoiSFM1MTIifQ.reader-0c9d8e7f6a5b4c3d";
    public const string HecToken = "3f2b8c1e-9d4a-4e7b-8a6f-1c2d3e4f5a6b";
    public const string TestIndex = "cs_test";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private static readonly HashSet<string> FlagKeys = new(StringComparer.Ordinal)
    {
        "disabled", "is_scheduled", "is_visible", "run_on_startup", "realtime_schedule", "alert.track", "alert.digest_mode", "alert.suppress",
    };

    private static readonly HashSet<string> SavedSearchKeys = new(StringComparer.Ordinal)
    {
        "search", "description", "disabled", "is_scheduled", "cron_schedule", "schedule_window", "schedule_priority", "realtime_schedule", "is_visible",
        "max_concurrent", "run_on_startup", "alert_type", "alert_comparator", "alert_condition", "alert_threshold", "actions", "allow_skew",
        "displayview", "restart_on_searchpeer_add", "vsid", "workload_pool", "output_mode",
    };

    private static readonly string[] SavedSearchPrefixes = ["dispatch.", "alert.", "action.", "auto_summarize", "request.", "display."];

    private readonly object _lock = new();
    private DateTimeOffset _lastUpdate = DateTimeOffset.MinValue;
    private readonly FaultList<TargetFault> _faults = new();
    private readonly List<SplunkTestRequest> _requests = [];
    private readonly Dictionary<(string App, string Name), SplunkStoredSearch> _searches = [];
    private readonly Dictionary<string, Job> _jobs = [];
    private readonly List<SplunkStoredEvent> _events = [];
    private readonly Dictionary<string, long> _nextAck = [];
    private readonly Dictionary<string, HashSet<long>> _acksAsked = [];
    private readonly Dictionary<string, SplunkTestUser> _users = new(StringComparer.Ordinal)
    {
        [AdminToken] = new("admin", ["admin"], ["search", "schedule_search", "edit_search_schedule_priority", "list_settings", "admin_all_objects"]),
        [ReaderToken] = new("reader", ["user"], ["search"]),
    };

    private readonly LoopbackHosts _hosts = new();
    private int _jobCounter;

    private SplunkTestServer()
    {
    }

    public Uri ManagementUrl { get; private set; } = default!;

    public Uri HecUrl { get; private set; } = default!;

    /// <summary>The PEM of the CA that signed the server's certificate (its SAN is 127.0.0.1 only, like a Splunk with its own CA).</summary>
    public static string CaPem => TestCertificates.Shared.CaPem;

    /// <summary>SHA-256 fingerprint (hex) of the server's certificate.</summary>
    public static string CertificateSha256 => TestCertificates.Shared.LeafSha256;

    public HashSet<string> Apps { get; } = new(StringComparer.Ordinal) { "search", "SplunkEnterpriseSecuritySuite" };

    public HashSet<string> Indexes { get; } = new(StringComparer.Ordinal) { "main", TestIndex };

    /// <summary>HEC indexer acknowledgment: a channel is required and each post gets an ackId.</summary>
    public bool HecAcknowledgment { get; set; }

    /// <summary>Search jobs stay RUNNING forever.</summary>
    public bool JobsNeverFinish { get; set; }

    public IReadOnlyList<SplunkTestRequest> Requests
    {
        get
        {
            lock (_lock)
                return [.. _requests];
        }
    }

    public IReadOnlyList<SplunkStoredSearch> SavedSearches
    {
        get
        {
            lock (_lock)
                return [.. _searches.Values.OrderBy(s => s.Name, StringComparer.OrdinalIgnoreCase)];
        }
    }

    public IReadOnlyList<SplunkStoredEvent> Events
    {
        get
        {
            lock (_lock)
                return [.. _events];
        }
    }

    public int JobCount
    {
        get
        {
            lock (_lock)
                return _jobs.Count;
        }
    }

    public static async Task<SplunkTestServer> StartAsync()
    {
        var server = new SplunkTestServer();
        server.ManagementUrl = await server._hosts.StartAsync(server.HandleManagementAsync);
        server.HecUrl = await server._hosts.StartAsync(server.HandleHecAsync);
        return server;
    }

    public ValueTask DisposeAsync() => _hosts.DisposeAsync();

    public void Inject(TargetFault fault) => _faults.Add(fault);

    /// <summary>Someone edits a saved search inside Splunk.</summary>
    public void Edit(string app, string name, string field, string value)
    {
        lock (_lock)
        {
            var search = _searches[(app, name)];
            _searches[(app, name)] = search with { Fields = new Dictionary<string, string>(search.Fields) { [field] = value }, Updated = NextUpdate() };
        }
    }

    /// <summary>
    /// The <c>updated</c> time of a write: Splunk's has whole seconds, so each write here takes the next second at least,
    /// or two writes within one second would look like one. Called under the lock.
    /// </summary>
    private DateTimeOffset NextUpdate()
    {
        var now = DateTimeOffset.UtcNow;
        now = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        _lastUpdate = now > _lastUpdate ? now : _lastUpdate.AddSeconds(1);
        return _lastUpdate;
    }

    /// <summary>Someone deletes a saved search inside Splunk.</summary>
    public void Delete(string app, string name)
    {
        lock (_lock)
            _searches.Remove((app, name));
    }

    /// <summary>A saved search someone else made (not ours).</summary>
    public void Add(string app, string name, string search)
    {
        lock (_lock)
            _searches[(app, name)] = new SplunkStoredSearch(app, "nobody", name, new Dictionary<string, string> { ["search"] = search }, NextUpdate());
    }

    // ---- management port --------------------------------------------------------------------------------------------

    private async Task HandleManagementAsync(HttpContext context)
    {
        var form = await ReadFormAsync(context.Request);
        Record(context, form);
        if (_faults.Take(context.Request) is { } fault)
        {
            await ApplyFaultAsync(context, fault, () => RouteManagementAsync(context, form), hec: false);
            return;
        }

        await RouteManagementAsync(context, form);
    }

    private async Task RouteManagementAsync(HttpContext context, Dictionary<string, string> form)
    {
        var segments = (context.Request.Path.Value ?? "").Trim('/').Split('/');
        string? owner = null, app = null;
        string[] rest;
        if (segments.Length >= 1 && segments[0] == "services")
        {
            rest = segments[1..];
        }
        else if (segments.Length >= 3 && segments[0] == "servicesNS")
        {
            (owner, app, rest) = (segments[1], segments[2], segments[3..]);
        }
        else
        {
            await MessageAsync(context, 404, "ERROR", "Not Found");
            return;
        }

        if (User(context.Request) is not { } user)
        {
            await MessageAsync(context, 401, "WARN", "call not properly authenticated");
            return;
        }

        if (app is not null && app != "-" && !Apps.Contains(app))
        {
            await MessageAsync(context, 404, "ERROR", $"Application does not exist: {app}");
            return;
        }

        if (owner is not null && owner is not ("-" or "nobody") && !_users.Values.Any(u => u.Name == owner))
        {
            await MessageAsync(context, 404, "ERROR", $"User does not exist: {owner}");
            return;
        }

        var json = (Value(context.Request.Query, "output_mode") ?? form.GetValueOrDefault("output_mode")) == "json";
        if (!json)
        {
            // splunkd's default is Atom XML; the connector must always ask for JSON.
            context.Response.ContentType = "text/xml; charset=utf-8";
            await context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>splunkd</title></feed>");
            return;
        }

        var method = context.Request.Method;
        var ns = (Owner: owner is null or "-" ? "nobody" : owner, App: app is null or "-" ? null : app);
        switch (rest)
        {
            case ["server", "info"] when method == "GET":
                await EnvelopeAsync(context, 200, "server/info", [Entry("server-info", "server/info", "system", "system",
                    new Dictionary<string, object?> { ["serverName"] = "cs-test-splunk", ["version"] = "9.3.2", ["build"] = "d8bb32809498", ["health_info"] = "green", ["os_name"] = "Linux" })], 1, 30, 0);
                return;
            case ["authentication", "current-context"] when method == "GET":
                await EnvelopeAsync(context, 200, "authentication/current-context", [Entry("context", "authentication/current-context", "system", "system",
                    new Dictionary<string, object?> { ["username"] = user.Name, ["roles"] = user.Roles, ["capabilities"] = user.Capabilities, ["defaultApp"] = "search" })], 1, 30, 0);
                return;
            case ["saved", "searches"] when method == "GET":
                await ListSavedSearchesAsync(context, ns.App);
                return;
            case ["saved", "searches"] when method == "POST":
                await CreateSavedSearchAsync(context, user, ns.Owner, ns.App ?? "search", form);
                return;
            case ["saved", "searches", var name] when method == "GET":
                await ReadSavedSearchAsync(context, ns.App ?? "search", name);
                return;
            case ["saved", "searches", var name] when method == "POST":
                await UpdateSavedSearchAsync(context, user, ns.Owner, ns.App ?? "search", name, form);
                return;
            case ["saved", "searches", var name] when method == "DELETE":
                await DeleteSavedSearchAsync(context, ns.App ?? "search", name);
                return;
            case ["search", "jobs"] when method == "POST":
                await CreateJobAsync(context, user, ns.App ?? "search", form);
                return;
            case ["search", "jobs", var sid] when method == "GET":
                await JobStatusAsync(context, sid);
                return;
            case ["search", "jobs", var sid, "results"] when method == "GET":
                await JobResultsAsync(context, sid);
                return;
            case ["search", "jobs", var sid, "control"] when method == "POST":
                await JobControlAsync(context, sid, form);
                return;
            default:
                await MessageAsync(context, 404, "ERROR", "Not Found");
                return;
        }
    }

    private async Task ListSavedSearchesAsync(HttpContext context, string? app)
    {
        List<SplunkStoredSearch> all;
        lock (_lock)
            all = [.. _searches.Values.Where(s => app is null || s.App == app).OrderBy(s => s.Name, StringComparer.OrdinalIgnoreCase)];
        var count = int.TryParse(Value(context.Request.Query, "count"), CultureInfo.InvariantCulture, out var c) ? c : 30;
        var offset = int.TryParse(Value(context.Request.Query, "offset"), CultureInfo.InvariantCulture, out var o) ? Math.Max(0, o) : 0;
        var page = all.Skip(offset).Take(count <= 0 ? int.MaxValue : count).ToList();
        await EnvelopeAsync(context, 200, "saved/searches", page.Select(SavedSearchEntry), all.Count, count <= 0 ? all.Count : count, offset);
    }

    private async Task ReadSavedSearchAsync(HttpContext context, string app, string name)
    {
        SplunkStoredSearch? search;
        lock (_lock)
            search = _searches.GetValueOrDefault((app, name));
        if (search is null)
            await MessageAsync(context, 404, "ERROR", $"Could not find object id={name}");
        else
            await EnvelopeAsync(context, 200, "saved/searches", [SavedSearchEntry(search)], 1, 30, 0);
    }

    private async Task CreateSavedSearchAsync(HttpContext context, SplunkTestUser user, string owner, string app, Dictionary<string, string> form)
    {
        if (!form.TryGetValue("name", out var name) || name.Length == 0)
        {
            await MessageAsync(context, 400, "ERROR", "Missing required argument: name");
            return;
        }

        if (await RefusedFieldsAsync(context, user, form, creating: true))
            return;
        if (!form.TryGetValue("search", out var search) || search.Length == 0)
        {
            await MessageAsync(context, 400, "ERROR", "Missing required argument: search");
            return;
        }

        SplunkStoredSearch? stored = null;
        lock (_lock)
        {
            if (!_searches.ContainsKey((app, name)))
                _searches[(app, name)] = stored = new SplunkStoredSearch(app, owner, name, Fields(form), NextUpdate());
        }

        if (stored is null)
            await MessageAsync(context, 409, "ERROR", $"An object with name={name} already exists");
        else
            await EnvelopeAsync(context, 201, "saved/searches", [SavedSearchEntry(stored)], 1, 30, 0);
    }

    private async Task UpdateSavedSearchAsync(HttpContext context, SplunkTestUser user, string owner, string app, string name, Dictionary<string, string> form)
    {
        if (form.ContainsKey("name"))
        {
            // splunk-sdk-python: "the REST API creates a new Entity if we pass name in the dictionary".
            await CreateSavedSearchAsync(context, user, owner, app, form);
            return;
        }

        if (await RefusedFieldsAsync(context, user, form, creating: false))
            return;
        SplunkStoredSearch? updated = null;
        var exists = false;
        lock (_lock)
        {
            if (_searches.TryGetValue((app, name), out var existing))
            {
                exists = true;
                if (form.ContainsKey("search"))
                {
                    var fields = new Dictionary<string, string>(existing.Fields);
                    foreach (var (key, value) in Fields(form))
                        fields[key] = value;
                    _searches[(app, name)] = updated = existing with { Fields = fields, Updated = NextUpdate() };
                }
            }
        }

        if (!exists)
            await MessageAsync(context, 404, "ERROR", $"Could not find object id={name}");
        else if (updated is null)
            // splunk-sdk-python SavedSearch.update: "Updates to a saved search *require* that the search string be passed".
            await MessageAsync(context, 400, "ERROR", "Missing required argument: search");
        else
            await EnvelopeAsync(context, 200, "saved/searches", [SavedSearchEntry(updated)], 1, 30, 0);
    }

    private async Task DeleteSavedSearchAsync(HttpContext context, string app, string name)
    {
        bool removed;
        lock (_lock)
            removed = _searches.Remove((app, name));
        if (removed)
            await EnvelopeAsync(context, 200, "saved/searches", [], 0, 30, 0);
        else
            await MessageAsync(context, 404, "ERROR", $"Could not find object id={name}");
    }

    /// <summary>Unknown arguments are refused as splunkd does; scheduling needs the schedule_search capability.</summary>
    private static async Task<bool> RefusedFieldsAsync(HttpContext context, SplunkTestUser user, Dictionary<string, string> form, bool creating)
    {
        var unknown = form.Keys.FirstOrDefault(k => !(creating && k == "name") && !SavedSearchKeys.Contains(k) && !SavedSearchPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal)));
        if (unknown is not null)
        {
            await MessageAsync(context, 400, "ERROR", $"Argument \"{unknown}\" is not supported by this handler.");
            return true;
        }

        if (form.GetValueOrDefault("is_scheduled") is "1" or "true" && !user.Capabilities.Contains("schedule_search"))
        {
            await MessageAsync(context, 403, "ERROR", $"You (user={user.Name}) do not have permission to perform this operation (requires capability: schedule_search).");
            return true;
        }

        return false;
    }

    private async Task CreateJobAsync(HttpContext context, SplunkTestUser user, string app, Dictionary<string, string> form)
    {
        if (!user.Capabilities.Contains("search"))
        {
            await MessageAsync(context, 403, "ERROR", $"You (user={user.Name}) do not have permission to perform this operation (requires capability: search).");
            return;
        }

        var search = form.GetValueOrDefault("search")?.Trim() ?? "";
        if (search.Length == 0)
        {
            await MessageAsync(context, 400, "ERROR", "Missing required argument: search");
            return;
        }

        if (form.GetValueOrDefault("exec_mode") is "oneshot")
        {
            await MessageAsync(context, 400, "ERROR", "This stand-in does not implement exec_mode=oneshot.");
            return;
        }

        if (!search.StartsWith('|') && !search.StartsWith("search ", StringComparison.Ordinal))
        {
            await MessageAsync(context, 400, "FATAL", $"Unknown search command '{search.Split(' ', 2)[0]}'.");
            return;
        }

        if (search.Contains("| nosuchcommand", StringComparison.Ordinal))
        {
            await MessageAsync(context, 400, "FATAL", "Unknown search command 'nosuchcommand'.");
            return;
        }

        var rows = Evaluate(search);
        string sid;
        lock (_lock)
        {
            sid = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{++_jobCounter}";
            _jobs[sid] = new Job(sid, search, app, rows);
        }

        await WriteJsonAsync(context, 201, new Dictionary<string, object?> { ["sid"] = sid });
    }

    /// <summary>The stand-in's "search": the stored HEC events of the index (and source) the SPL names, or their count.</summary>
    private List<Dictionary<string, object?>> Evaluate(string search)
    {
        var index = IndexTerm().Match(search) is { Success: true } i ? i.Groups[1].Value : "main";
        var source = SourceTerm().Match(search) is { Success: true } s ? s.Groups[1].Value : null;
        List<SplunkStoredEvent> events;
        lock (_lock)
            events = [.. _events.Where(e => e.Index == index && (source is null || e.Source == source))];
        if (search.TrimEnd().EndsWith("| stats count", StringComparison.Ordinal))
            return [new Dictionary<string, object?> { ["count"] = events.Count.ToString(CultureInfo.InvariantCulture) }];
        return events.Select(e =>
        {
            var row = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["_time"] = DateTimeOffset.FromUnixTimeMilliseconds((long)(e.Time * 1000)).ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture),
                ["_raw"] = e.Event.GetRawText(),
                ["index"] = e.Index,
                ["source"] = e.Source,
                ["sourcetype"] = e.SourceType,
                ["host"] = e.Host,
            };
            if (e.Event.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in e.Event.EnumerateObject())
                {
                    row[property.Name] = property.Value.ValueKind == JsonValueKind.Array
                        ? property.Value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()).ToList()
                        : property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
                }
            }

            return row;
        }).ToList();
    }

    private async Task JobStatusAsync(HttpContext context, string sid)
    {
        Job? job;
        int polls;
        lock (_lock)
        {
            job = _jobs.GetValueOrDefault(sid);
            polls = job is null ? 0 : job.Polls++;
        }

        if (job is null)
        {
            await MessageAsync(context, 404, "FATAL", "Unknown sid.");
            return;
        }

        if (polls == 0)
        {
            // splunk-sdk-python Job.is_ready: "if response.status == 204: return False".
            context.Response.StatusCode = 204;
            return;
        }

        var state = JobsNeverFinish ? (polls switch { 1 => "QUEUED", 2 => "PARSING", _ => "RUNNING" }) : StateAt(polls);
        var done = state == "DONE";
        await EnvelopeAsync(context, 200, "search/jobs", [Entry(job.Search, $"search/jobs/{sid}", "admin", job.App, new Dictionary<string, object?>
        {
            ["sid"] = sid,
            ["dispatchState"] = state,
            ["isDone"] = done,
            ["isFailed"] = false,
            ["isPaused"] = false,
            ["isSaved"] = false,
            ["doneProgress"] = done ? 1 : 0.5,
            ["resultCount"] = done ? job.Rows.Count : 0,
            ["eventCount"] = done ? job.Rows.Count : 0,
            ["search"] = job.Search,
            ["messages"] = Array.Empty<object>(),
        })], 1, 30, 0);
    }

    private static string StateAt(int polls) => polls switch
    {
        1 => "QUEUED",
        2 => "PARSING",
        3 => "RUNNING",
        _ => "DONE",
    };

    private async Task JobResultsAsync(HttpContext context, string sid)
    {
        Job? job;
        lock (_lock)
            job = _jobs.GetValueOrDefault(sid);
        if (job is null)
        {
            await MessageAsync(context, 404, "FATAL", "Unknown sid.");
            return;
        }

        var count = int.TryParse(Value(context.Request.Query, "count"), CultureInfo.InvariantCulture, out var c) ? c : 100;
        var offset = int.TryParse(Value(context.Request.Query, "offset"), CultureInfo.InvariantCulture, out var o) ? Math.Max(0, o) : 0;
        // "Results are not available until the job has finished. If called on an unfinished job, the result is an empty event set."
        var done = !JobsNeverFinish && job.Polls > 4;
        var rows = done ? job.Rows.Skip(offset).Take(count <= 0 ? int.MaxValue : count).ToList() : [];
        await WriteJsonAsync(context, 200, new Dictionary<string, object?>
        {
            ["preview"] = false,
            ["init_offset"] = offset,
            ["messages"] = Array.Empty<object>(),
            ["fields"] = rows.SelectMany(r => r.Keys).Distinct().Select(k => new Dictionary<string, object?> { ["name"] = k }).ToList(),
            ["results"] = rows,
        });
    }

    private async Task JobControlAsync(HttpContext context, string sid, Dictionary<string, string> form)
    {
        bool known;
        lock (_lock)
            known = form.GetValueOrDefault("action") == "cancel" ? _jobs.Remove(sid) : _jobs.ContainsKey(sid);
        if (!known)
            await MessageAsync(context, 404, "FATAL", "Unknown sid.");
        else
            await WriteJsonAsync(context, 200, new Dictionary<string, object?> { ["messages"] = new[] { new { type = "INFO", text = "Search job cancelled." } } });
    }

    // ---- HTTP Event Collector ---------------------------------------------------------------------------------------

    private async Task HandleHecAsync(HttpContext context)
    {
        Record(context, []);
        if (_faults.Take(context.Request) is { } fault)
        {
            await ApplyFaultAsync(context, fault, () => RouteHecAsync(context), hec: true);
            return;
        }

        await RouteHecAsync(context);
    }

    private async Task RouteHecAsync(HttpContext context)
    {
        var path = context.Request.Path.Value?.TrimEnd('/') ?? "";
        if (path == "/services/collector/health" && context.Request.Method == "GET")
        {
            await HecAsync(context, 200, "HEC is healthy", 17);
            return;
        }

        if (path is not ("/services/collector/event" or "/services/collector" or "/services/collector/event/1.0" or "/services/collector/ack") || context.Request.Method != "POST")
        {
            await HecAsync(context, 404, "The requested URL was not found on this server.", 404);
            return;
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            await HecAsync(context, 401, "Token is required", 2);
            return;
        }

        if (!authorization.StartsWith("Splunk ", StringComparison.Ordinal))
        {
            await HecAsync(context, 401, "Invalid authorization", 3);
            return;
        }

        if (authorization["Splunk ".Length..] != HecToken)
        {
            await HecAsync(context, 403, "Invalid token", 4);
            return;
        }

        var channel = context.Request.Headers["X-Splunk-Request-Channel"].ToString() is { Length: > 0 } header ? header : Value(context.Request.Query, "channel");
        if (HecAcknowledgment || path.EndsWith("/ack", StringComparison.Ordinal))
        {
            if (string.IsNullOrEmpty(channel))
            {
                await HecAsync(context, 400, "Data channel is missing", 10);
                return;
            }

            if (!Guid.TryParse(channel, out _))
            {
                await HecAsync(context, 400, "Invalid data channel", 11);
                return;
            }
        }

        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        if (path.EndsWith("/ack", StringComparison.Ordinal))
        {
            await AckAsync(context, channel!, body.ToArray());
            return;
        }

        await IngestAsync(context, channel, body.ToArray());
    }

    private async Task IngestAsync(HttpContext context, string? channel, byte[] body)
    {
        if (body.All(b => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
        {
            await HecAsync(context, 400, "No data", 5);
            return;
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { AllowMultipleValues = true });
        var number = 0;
        try
        {
            while (reader.Read())
            {
                using var document = JsonDocument.ParseValue(ref reader);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    await HecAsync(context, 400, "Invalid data format", 6, number);
                    return;
                }

                if (!root.TryGetProperty("event", out var e))
                {
                    await HecAsync(context, 400, "Event field is required", 12, number);
                    return;
                }

                if (e.ValueKind == JsonValueKind.Null || (e.ValueKind == JsonValueKind.String && e.GetString()!.Length == 0))
                {
                    await HecAsync(context, 400, "Event field cannot be blank", 13, number);
                    return;
                }

                var index = root.TryGetProperty("index", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString()! : "main";
                if (!Indexes.Contains(index))
                {
                    await HecAsync(context, 400, "Incorrect index", 7, number);
                    return;
                }

                var time = root.TryGetProperty("time", out var t) && (t.ValueKind == JsonValueKind.Number ? t.TryGetDouble(out var d) : double.TryParse(t.GetString(), CultureInfo.InvariantCulture, out d))
                    ? d : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
                lock (_lock)
                {
                    _events.Add(new SplunkStoredEvent(index, Text(root, "source") ?? "http:craftedsignal", Text(root, "sourcetype") ?? "httpevent",
                        Text(root, "host") ?? "127.0.0.1", time, e.Clone()));
                }

                number++;
            }
        }
        catch (JsonException)
        {
            await HecAsync(context, 400, "Invalid data format", 6, number);
            return;
        }

        if (!HecAcknowledgment)
        {
            await HecAsync(context, 200, "Success", 0);
            return;
        }

        long ackId;
        lock (_lock)
        {
            ackId = _nextAck.GetValueOrDefault(channel!);
            _nextAck[channel!] = ackId + 1;
        }

        await WriteJsonAsync(context, 200, new Dictionary<string, object?> { ["text"] = "Success", ["code"] = 0, ["ackId"] = ackId });
    }

    /// <summary>An ackId reads false the first time it is asked about and true after: indexing takes a moment.</summary>
    private async Task AckAsync(HttpContext context, string channel, byte[] body)
    {
        try
        {
            using var request = JsonDocument.Parse(body);
            var answers = new Dictionary<string, object?>();
            lock (_lock)
            {
                var asked = _acksAsked.TryGetValue(channel, out var set) ? set : _acksAsked[channel] = [];
                foreach (var id in request.RootElement.GetProperty("acks").EnumerateArray().Select(a => a.GetInt64()))
                {
                    var issued = id < _nextAck.GetValueOrDefault(channel);
                    answers[id.ToString(CultureInfo.InvariantCulture)] = issued && !asked.Add(id);
                }
            }

            await WriteJsonAsync(context, 200, new Dictionary<string, object?> { ["acks"] = answers });
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            await HecAsync(context, 400, "Invalid data format", 6);
        }
    }

    private static Task HecAsync(HttpContext context, int status, string text, int code, int? invalidEvent = null)
    {
        var body = new Dictionary<string, object?> { ["text"] = text, ["code"] = code };
        if (invalidEvent is { } n)
            body["invalid-event-number"] = n;
        return WriteJsonAsync(context, status, body);
    }

    // ---- faults -----------------------------------------------------------------------------------------------------

    private static async Task ApplyFaultAsync(HttpContext context, TargetFault fault, Func<Task> handle, bool hec)
    {
        switch (fault.Kind)
        {
            case TargetFaultKind.TooManyRequests or TargetFaultKind.Unavailable:
                LoopbackFaults.RetryAfter(context.Response, fault.RetryAfterSeconds, fault.RetryAfterAsDate);

                var status = fault.Kind == TargetFaultKind.TooManyRequests ? 429 : 503;
                if (hec)
                    await HecAsync(context, status, "Server is busy", 9);
                else
                    await MessageAsync(context, status, "ERROR", fault.Text ?? (status == 429 ? "Too many requests" : "Server is busy"));
                return;
            case TargetFaultKind.ServerError:
                await MessageAsync(context, 500, "ERROR", fault.Text ?? "Internal server error");
                return;
            case TargetFaultKind.EchoAuthorization:
                await MessageAsync(context, 500, "ERROR", $"Unexpected failure handling a request with Authorization: {context.Request.Headers.Authorization}");
                return;
            case TargetFaultKind.Hang:
                await LoopbackFaults.HangAsync(context, fault.Delay, handle);
                return;
            case TargetFaultKind.MalformedJson:
                context.Response.ContentType = "application/json; charset=utf-8";
                await context.Response.WriteAsync("{\"links\":{},\"entry\":[{\"name\":\"CraftedSignal-");
                return;
            case TargetFaultKind.HugeBody:
                await LoopbackFaults.HugeBodyAsync(context, fault.Bytes, fault.WithContentLength, "{\"entry\":[");
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
                await MessageAsync(context, 401, "WARN", "call not properly authenticated");
                return;
            case TargetFaultKind.Forbidden:
                await MessageAsync(context, 403, "ERROR", fault.Text ?? "You (user=admin) do not have permission to perform this operation (requires capability: schedule_search).");
                return;
            default:
                throw new NotSupportedException($"The Splunk test server has no fault {fault.Kind}.");
        }
    }

    // ---- shapes -----------------------------------------------------------------------------------------------------

    private Dictionary<string, object?> SavedSearchEntry(SplunkStoredSearch search)
    {
        var content = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["actions"] = "",
            ["alert.digest_mode"] = true,
            ["alert.expires"] = "24h",
            ["alert.severity"] = 3,
            ["alert.track"] = false,
            ["cron_schedule"] = "",
            ["description"] = "",
            ["disabled"] = false,
            ["dispatch.earliest_time"] = "",
            ["dispatch.latest_time"] = "",
            ["is_scheduled"] = false,
            ["is_visible"] = true,
            ["max_concurrent"] = 1,
            ["next_scheduled_time"] = "",
            ["eai:acl"] = null,
        };
        foreach (var (key, value) in search.Fields)
        {
            content[key] = FlagKeys.Contains(key) ? value is "1" or "true" or "True"
                : key == "alert.severity" && int.TryParse(value, CultureInfo.InvariantCulture, out var n) ? n
                : value;
        }

        content["qualifiedSearch"] = "search " + search.Fields.GetValueOrDefault("search");
        return Entry(search.Name, $"saved/searches/{Uri.EscapeDataString(search.Name)}", search.Owner, search.App, content, search.Updated);
    }

    private Dictionary<string, object?> Entry(string name, string path, string owner, string app, Dictionary<string, object?> content, DateTimeOffset? updated = null)
    {
        var id = $"{ManagementUrl}servicesNS/{owner}/{app}/{path}";
        return new Dictionary<string, object?>
        {
            ["name"] = name,
            ["id"] = id,
            ["updated"] = (updated ?? DateTimeOffset.UtcNow).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
            ["links"] = new Dictionary<string, string>
            {
                ["alternate"] = $"/servicesNS/{owner}/{app}/{path}",
                ["list"] = $"/servicesNS/{owner}/{app}/{path}",
                ["edit"] = $"/servicesNS/{owner}/{app}/{path}",
                ["remove"] = $"/servicesNS/{owner}/{app}/{path}",
            },
            ["author"] = owner,
            ["acl"] = new Dictionary<string, object?>
            {
                ["app"] = app,
                ["can_change_perms"] = true,
                ["can_list"] = true,
                ["can_share_app"] = true,
                ["can_share_global"] = true,
                ["can_share_user"] = true,
                ["can_write"] = true,
                ["modifiable"] = true,
                ["owner"] = owner,
                ["perms"] = new Dictionary<string, string[]> { ["read"] = ["*"], ["write"] = ["admin", "power"] },
                ["removable"] = true,
                ["sharing"] = owner == "nobody" ? "app" : "user",
            },
            ["content"] = content,
        };
    }

    private Task EnvelopeAsync(HttpContext context, int status, string origin, IEnumerable<Dictionary<string, object?>> entries, int total, int perPage, int offset) =>
        WriteJsonAsync(context, status, new Dictionary<string, object?>
        {
            ["links"] = new Dictionary<string, string>(),
            ["origin"] = $"{ManagementUrl}services/{origin}",
            ["updated"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture),
            ["generator"] = new Dictionary<string, string> { ["build"] = "d8bb32809498", ["version"] = "9.3.2" },
            ["entry"] = entries.ToList(),
            ["paging"] = new Dictionary<string, int> { ["total"] = total, ["perPage"] = perPage, ["offset"] = offset },
            ["messages"] = Array.Empty<object>(),
        });

    private static Task MessageAsync(HttpContext context, int status, string type, string text) =>
        WriteJsonAsync(context, status, new Dictionary<string, object?> { ["messages"] = new[] { new Dictionary<string, string> { ["type"] = type, ["text"] = text } } });

    private static async Task WriteJsonAsync(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }

    // ---- plumbing ---------------------------------------------------------------------------------------------------

    private SplunkTestUser? User(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..]
            : header.StartsWith("Splunk ", StringComparison.Ordinal) ? header[7..]
            : null;
        lock (_lock)
            return token is null ? null : _users.GetValueOrDefault(token);
    }

    private void Record(HttpContext context, Dictionary<string, string> form)
    {
        var authorization = context.Request.Headers.Authorization;
        lock (_lock)
        {
            _requests.Add(new SplunkTestRequest(DateTimeOffset.UtcNow, context.Request.Method, context.Request.Path.Value ?? "",
                context.Request.QueryString.Value ?? "", authorization.Count == 0 ? null : authorization.ToString(), form));
        }
    }

    private static async Task<Dictionary<string, string>> ReadFormAsync(HttpRequest request)
    {
        if (!request.HasFormContentType)
            return [];
        var form = await request.ReadFormAsync();
        return form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
    }

    private static Dictionary<string, string> Fields(Dictionary<string, string> form) =>
        form.Where(f => f.Key is not ("name" or "output_mode")).ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);

    private static string? Value(IQueryCollection query, string key) => query.TryGetValue(key, out var value) ? value.ToString() : null;

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [GeneratedRegex("""(?:^|\s)index="?([A-Za-z0-9_-]+)"?""", RegexOptions.CultureInvariant)]
    private static partial Regex IndexTerm();

    [GeneratedRegex("""(?:^|\s)source="([^"]+)"(?=\s|$)""", RegexOptions.CultureInvariant)]
    private static partial Regex SourceTerm();

    private sealed class Job(string sid, string search, string app, List<Dictionary<string, object?>> rows)
    {
        public string Sid { get; } = sid;

        public string Search { get; } = search;

        public string App { get; } = app;

        public List<Dictionary<string, object?>> Rows { get; } = rows;

        public int Polls { get; set; }
    }
}
