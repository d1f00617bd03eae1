using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace CraftedSignal.Tests.Targets.Elastic;

public sealed record KibanaTestRequest(DateTimeOffset At, string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>A detection rule as the test server keeps it: its space, ids, the body as written, and what Kibana adds.</summary>
public sealed record KibanaStoredRule(string Space, string Id, string RuleId, JsonObject Body, int Revision, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, JsonObject? ExecutionSummary);

/// <summary>
/// A loopback stand-in for Kibana's detection-engine rules API, built from the contract in
/// /work/shared/apis/elastic/ (NOTES.md and the detection_engine schemas): <c>/api/detection_engine/rules</c> create
/// (POST), read (GET ?id= / ?rule_id=), full update (PUT), delete (DELETE) and <c>_find</c> (page / per_page, filter on
/// <c>alert.attributes.tags</c>, sort on created_at), <c>_bulk_action</c> (dry run only), spaces as <c>/s/{space}/api/...</c>,
/// <c>/api/status</c> and <c>/api/spaces/space/{id}</c>. It requires <c>Authorization: ApiKey</c> (a manager key and a
/// read-only key), <c>kbn-xsrf</c> on every write, and at most API version 2023-10-31; it validates bodies against the
/// schemas' required fields per rule type (query, eql, esql), keeps rule_id unique per space (409), counts
/// <c>revision</c> and sets <c>updated_at</c> on each write, and answers errors in Kibana's two shapes
/// (<c>{statusCode, error, message}</c> from the platform, <c>{message, status_code}</c> from the detection engine).
/// Faults are injected on demand (<see cref="Inject"/>). Where the contract is silent the wording is Kibana's as seen in
/// its tests and issue threads ("Request must contain a kbn-xsrf header.", "rule_id: \"x\" not found", "API [...] is
/// unauthorized for user, this action is granted by the Kibana privileges [...]"); the ES|QL index text and the version
/// text are stand-ins. A space that does not exist answers 404 Not Found to everything under it.
/// </summary>
public sealed partial class KibanaTestServer : IAsyncDisposable
{
    /// <summary>Encoded API keys (base64 of id:api_key): one whose owner has Security > Rules: All, one read-only.</summary>
    public static readonly string ManagerKey = Encode("VuaCfGcBCdbkQm-e5aOx", "ui2lp2axTNmsyakw9tvNnw");

    public static readonly string ReaderKey = Encode("Wv7dHhcBCdbkQm-e9bPy", "q8Zr3mW1TkuQxv0Ls5Hp2A");

    /// <summary>The privilege a 403 names for writes, as Kibana's route authorization words it.</summary>
    public const string RulesPrivilege = "securitySolution-rulesAll";

    public const string Version = "8.18.0";

    private static readonly string[] Severities = ["low", "medium", "high", "critical"];
    private static readonly string[] Types = ["query", "eql", "esql", "saved_query", "threshold", "threat_match", "machine_learning", "new_terms"];

    private readonly object _lock = new();
    private readonly FaultList<TargetFault> _faults = new();
    private readonly List<KibanaTestRequest> _requests = [];
    private readonly Dictionary<(string Space, string RuleId), KibanaStoredRule> _rules = [];
    private readonly LoopbackHosts _hosts = new();
    private long _clock;

    private KibanaTestServer()
    {
    }

    public Uri Url { get; private set; } = default!;

    public static string CaPem => TestCertificates.Shared.CaPem;

    public static string CertificateSha256 => TestCertificates.Shared.LeafSha256;

    public HashSet<string> Spaces { get; } = new(StringComparer.Ordinal) { "default", "soc" };

    public IReadOnlyList<KibanaTestRequest> Requests
    {
        get
        {
            lock (_lock)
                return [.. _requests];
        }
    }

    public IReadOnlyList<KibanaStoredRule> Rules
    {
        get
        {
            lock (_lock)
                return [.. _rules.Values.OrderBy(r => r.CreatedAt)];
        }
    }

    public static async Task<KibanaTestServer> StartAsync()
    {
        var server = new KibanaTestServer();
        server.Url = await server._hosts.StartAsync(server.HandleAsync);
        return server;
    }

    public ValueTask DisposeAsync() => _hosts.DisposeAsync();

    public void Inject(TargetFault fault) => _faults.Add(fault);

    public static string Encode(string id, string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{id}:{key}"));

    /// <summary>Adds a rule as someone else made it in Kibana (not through the API under test).</summary>
    public void Seed(string space, JsonObject body)
    {
        lock (_lock)
        {
            var ruleId = body["rule_id"]?.GetValue<string>() ?? Guid.NewGuid().ToString("D");
            body["rule_id"] = ruleId;
            var now = Now();
            _rules[(space, ruleId)] = new KibanaStoredRule(space, Guid.NewGuid().ToString("D"), ruleId, body, 0, now, now, null);
        }
    }

    /// <summary>Someone edits the rule inside Kibana: the field changes, its revision goes up, updated_at moves.</summary>
    public void Edit(string space, string ruleId, string field, JsonNode? value)
    {
        lock (_lock)
        {
            var rule = _rules[(space, ruleId)];
            var body = (JsonObject)rule.Body.DeepClone();
            body[field] = value;
            _rules[(space, ruleId)] = rule with { Body = body, Revision = rule.Revision + 1, UpdatedAt = Now() };
        }
    }

    /// <summary>Someone deletes the rule inside Kibana.</summary>
    public void Delete(string space, string ruleId)
    {
        lock (_lock)
            _rules.Remove((space, ruleId));
    }

    /// <summary>Records a run of the rule, as the alerting framework would: execution_summary.last_execution.</summary>
    public void RecordExecution(string space, string ruleId, string status, string message)
    {
        lock (_lock)
        {
            var rule = _rules[(space, ruleId)];
            var summary = new JsonObject
            {
                ["last_execution"] = new JsonObject
                {
                    ["date"] = Now().ToString("O", CultureInfo.InvariantCulture),
                    ["status"] = status,
                    ["status_order"] = status == "succeeded" ? 0 : 20,
                    ["message"] = message,
                    ["metrics"] = new JsonObject { ["total_search_duration_ms"] = 12 },
                },
            };
            _rules[(space, ruleId)] = rule with { ExecutionSummary = summary };
        }
    }

    /// <summary>Monotonic: two writes never share an updated_at.</summary>
    private DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var last = Interlocked.Read(ref _clock);
        var next = Math.Max(now, last + 1);
        Interlocked.Exchange(ref _clock, next);
        return DateTimeOffset.FromUnixTimeMilliseconds(next);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
            body = await reader.ReadToEndAsync(context.RequestAborted);
        lock (_lock)
        {
            _requests.Add(new KibanaTestRequest(DateTimeOffset.UtcNow, request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "",
                request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal), body));
        }

        if (_faults.Take(request) is { } fault)
        {
            await FaultAsync(context, fault, () => RouteAsync(context, body));
            return;
        }

        await RouteAsync(context, body);
    }

    private async Task FaultAsync(HttpContext context, TargetFault fault, Func<Task> handle)
    {
        if (await LoopbackFaults.TransportFaultAsync(context, fault, handle))
            return;
        switch (fault.Kind)
        {
            case TargetFaultKind.TooManyRequests:
                LoopbackFaults.RetryAfter(context.Response, fault.RetryAfterSeconds, fault.RetryAfterAsDate);
                await PlatformErrorAsync(context, 429, "Too Many Requests", fault.Text ?? "Too many requests, try again later.");
                return;
            case TargetFaultKind.Unavailable:
                LoopbackFaults.RetryAfter(context.Response, fault.RetryAfterSeconds, fault.RetryAfterAsDate);
                await PlatformErrorAsync(context, 503, "Service Unavailable", fault.Text ?? "Kibana server is not ready yet");
                return;
            case TargetFaultKind.ServerError:
                await EngineErrorAsync(context, 500, fault.Text ?? "Internal Server Error");
                return;
            case TargetFaultKind.EchoAuthorization:
                var headers = string.Join("; ", context.Request.Headers.Select(h => $"{h.Key}: {h.Value}"));
                await EngineErrorAsync(context, 500, $"An internal server error occurred handling a request with headers {headers}");
                return;
            case TargetFaultKind.MalformedJson:
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json; charset=utf-8";
                await context.Response.WriteAsync("{\"id\":\"3b4c\",\"rule_id\":\"craftedsignal-");
                return;
            case TargetFaultKind.HugeBody:
                context.Response.StatusCode = 200;
                await LoopbackFaults.HugeBodyAsync(context, fault.Bytes, fault.WithContentLength, "{\"page\":1,\"perPage\":20,\"total\":0,\"data\":[],\"pad\":\"");
                return;
            case TargetFaultKind.Unauthorized:
                await UnauthorizedAsync(context);
                return;
            case TargetFaultKind.Forbidden:
                await ForbiddenAsync(context);
                return;
            default:
                throw new NotSupportedException($"Kibana has no notion of {fault.Kind}.");
        }
    }

    private async Task RouteAsync(HttpContext context, string body)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        var space = "default";
        if (SpacePath().Match(path) is { Success: true } inSpace)
        {
            space = inSpace.Groups[1].Value;
            path = path[(inSpace.Length - 1)..];
        }

        var auth = request.Headers.Authorization.ToString();
        var key = auth.StartsWith("ApiKey ", StringComparison.Ordinal) ? auth[7..] : null;
        if (key != ManagerKey && key != ReaderKey)
        {
            await UnauthorizedAsync(context);
            return;
        }

        if (!Spaces.Contains(space))
        {
            await PlatformErrorAsync(context, 404, "Not Found", "Not Found");
            return;
        }

        var write = !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method);
        if (write && !request.Headers.ContainsKey("kbn-xsrf"))
        {
            await PlatformErrorAsync(context, 400, "Bad Request", "Request must contain a kbn-xsrf header.");
            return;
        }

        if (path == "/api/status" && HttpMethods.IsGet(request.Method))
        {
            await JsonAsync(context, 200, new JsonObject
            {
                ["name"] = "kibana-test",
                ["uuid"] = "5b2de169-2785-441b-ae8c-186a1936b17d",
                ["version"] = new JsonObject { ["number"] = Version, ["build_hash"] = "d1ee5c3e", ["build_number"] = 84001, ["build_snapshot"] = false },
                ["status"] = new JsonObject { ["overall"] = new JsonObject { ["level"] = "available", ["summary"] = "All services and plugins are available" } },
            });
            return;
        }

        if (path.StartsWith("/api/spaces/space/", StringComparison.Ordinal) && HttpMethods.IsGet(request.Method))
        {
            var id = Uri.UnescapeDataString(path["/api/spaces/space/".Length..]);
            if (Spaces.Contains(id))
                await JsonAsync(context, 200, new JsonObject { ["id"] = id, ["name"] = id == "default" ? "Default" : id.ToUpperInvariant(), ["disabledFeatures"] = new JsonArray(), ["_reserved"] = id == "default" });
            else
                await PlatformErrorAsync(context, 404, "Not Found", "Not Found");
            return;
        }

        if (!path.StartsWith("/api/detection_engine/rules", StringComparison.Ordinal))
        {
            await PlatformErrorAsync(context, 404, "Not Found", "Not Found");
            return;
        }

        if (request.Headers.TryGetValue("elastic-api-version", out var version) && version.ToString() != "2023-10-31")
        {
            await PlatformErrorAsync(context, 400, "Bad Request", $"Invalid version {version}. Available versions: 2023-10-31");
            return;
        }

        if (write && key != ManagerKey)
        {
            await ForbiddenAsync(context);
            return;
        }

        switch (path, request.Method)
        {
            case ("/api/detection_engine/rules", "POST"):
                await CreateAsync(context, space, body);
                return;
            case ("/api/detection_engine/rules", "PUT"):
                await UpdateAsync(context, space, body);
                return;
            case ("/api/detection_engine/rules", "GET"):
                await ReadOrDeleteAsync(context, space, delete: false);
                return;
            case ("/api/detection_engine/rules", "DELETE"):
                await ReadOrDeleteAsync(context, space, delete: true);
                return;
            case ("/api/detection_engine/rules/_find", "GET"):
                await FindAsync(context, space);
                return;
            case ("/api/detection_engine/rules/_bulk_action", "POST"):
                await BulkAsync(context, body);
                return;
            default:
                await PlatformErrorAsync(context, 404, "Not Found", "Not Found");
                return;
        }
    }

    private async Task CreateAsync(HttpContext context, string space, string text)
    {
        var (body, problems) = Validate(text);
        if (body is null)
        {
            await ValidationAsync(context, problems);
            return;
        }

        var ruleId = body["rule_id"]?.GetValue<string>() ?? Guid.NewGuid().ToString("D");
        body["rule_id"] = ruleId;
        KibanaStoredRule rule;
        lock (_lock)
        {
            if (_rules.ContainsKey((space, ruleId)))
                rule = null!;
            else
            {
                var now = Now();
                rule = new KibanaStoredRule(space, Guid.NewGuid().ToString("D"), ruleId, body, 0, now, now, null);
                _rules[(space, ruleId)] = rule;
            }
        }

        if (rule is null)
            await EngineErrorAsync(context, 409, $"rule_id: \"{ruleId}\" already exists");
        else
            await JsonAsync(context, 200, Response(rule));
    }

    private async Task UpdateAsync(HttpContext context, string space, string text)
    {
        var (body, problems) = Validate(text);
        if (body is null)
        {
            await ValidationAsync(context, problems);
            return;
        }

        var ruleId = body["rule_id"]?.GetValue<string>();
        var id = body["id"]?.GetValue<string>();
        if (ruleId is null && id is null)
        {
            await EngineErrorAsync(context, 400, "either \"id\" or \"rule_id\" must be set");
            return;
        }

        KibanaStoredRule? updated = null;
        lock (_lock)
        {
            var old = _rules.Values.FirstOrDefault(r => r.Space == space && (ruleId is not null ? r.RuleId == ruleId : r.Id == id));
            if (old is not null)
            {
                body.Remove("id");
                body["rule_id"] = old.RuleId;
                updated = old with { Body = body, Revision = old.Revision + 1, UpdatedAt = Now() };
                _rules[(space, old.RuleId)] = updated;
            }
        }

        if (updated is null)
            await EngineErrorAsync(context, 404, ruleId is not null ? $"rule_id: \"{ruleId}\" not found" : $"id: \"{id}\" not found");
        else
            await JsonAsync(context, 200, Response(updated));
    }

    private async Task ReadOrDeleteAsync(HttpContext context, string space, bool delete)
    {
        var query = context.Request.Query;
        var ruleId = query.TryGetValue("rule_id", out var r) ? r.ToString() : null;
        var id = query.TryGetValue("id", out var i) ? i.ToString() : null;
        if (string.IsNullOrEmpty(ruleId) && string.IsNullOrEmpty(id))
        {
            await EngineErrorAsync(context, 400, "either \"id\" or \"rule_id\" must be set");
            return;
        }

        KibanaStoredRule? rule;
        lock (_lock)
        {
            rule = _rules.Values.FirstOrDefault(x => x.Space == space && (!string.IsNullOrEmpty(ruleId) ? x.RuleId == ruleId : x.Id == id));
            if (rule is not null && delete)
                _rules.Remove((space, rule.RuleId));
        }

        if (rule is null)
            await EngineErrorAsync(context, 404, !string.IsNullOrEmpty(ruleId) ? $"rule_id: \"{ruleId}\" not found" : $"id: \"{id}\" not found");
        else
            await JsonAsync(context, 200, Response(rule));
    }

    private async Task FindAsync(HttpContext context, string space)
    {
        var query = context.Request.Query;
        if (!Int(query, "page", 1, out var page) || page < 1 || !Int(query, "per_page", 20, out var perPage) || perPage < 0)
        {
            await PlatformErrorAsync(context, 400, "Bad Request", "[request query]: page: Number must be greater than or equal to 1, per_page: Number must be greater than or equal to 0");
            return;
        }

        string? tag = null;
        if (query.TryGetValue("filter", out var filter) && filter.ToString().Length > 0)
        {
            if (TagFilter().Match(filter.ToString()) is not { Success: true } match)
            {
                await EngineErrorAsync(context, 400, $"Invalid filter: {filter}");
                return;
            }

            tag = match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value;
        }

        var descending = query.TryGetValue("sort_order", out var order) && order.ToString() == "desc";
        List<KibanaStoredRule> matching;
        lock (_lock)
        {
            matching = [.. _rules.Values.Where(x => x.Space == space && (tag is null || Tags(x.Body).Contains(tag, StringComparer.Ordinal)))];
        }

        matching = descending ? [.. matching.OrderByDescending(x => x.CreatedAt)] : [.. matching.OrderBy(x => x.CreatedAt)];
        var data = new JsonArray([.. matching.Skip((page - 1) * perPage).Take(perPage).Select(x => (JsonNode)Response(x))]);
        await JsonAsync(context, 200, new JsonObject { ["page"] = page, ["perPage"] = perPage, ["total"] = matching.Count, ["data"] = data });
    }

    private static async Task BulkAsync(HttpContext context, string text)
    {
        var dryRun = context.Request.Query.TryGetValue("dry_run", out var d) && d.ToString() == "true";
        JsonObject? body = null;
        try
        {
            body = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
        }

        var action = body?["action"]?.GetValue<string>();
        if (body is null || action is not ("enable" or "disable" or "export" or "delete" or "duplicate" or "edit" or "run"))
        {
            await PlatformErrorAsync(context, 400, "Bad Request", "[request body]: action: Invalid discriminator value. Expected 'delete' | 'disable' | 'enable' | 'export' | 'duplicate' | 'edit' | 'run'");
            return;
        }

        if (!dryRun)
            throw new NotSupportedException("The test server runs bulk actions as dry runs only.");
        await JsonAsync(context, 200, new JsonObject
        {
            ["success"] = true,
            ["rules_count"] = 0,
            ["attributes"] = new JsonObject
            {
                ["results"] = new JsonObject { ["updated"] = new JsonArray(), ["created"] = new JsonArray(), ["deleted"] = new JsonArray(), ["skipped"] = new JsonArray() },
                ["summary"] = new JsonObject { ["failed"] = 0, ["skipped"] = 0, ["succeeded"] = 0, ["total"] = 0 },
            },
        });
    }

    /// <summary>
    /// The schemas' checks of a create or update body: the required fields of every rule (name, description,
    /// risk_score 0..100, severity), the type, and per type what it requires (eql and esql: query and their language;
    /// query: language kuery or lucene when given), threat entries with their ids, names and references, max_signals
    /// at least 1. Problems are worded as Kibana's zod errors: "[request body]: field: problem, ...".
    /// </summary>
    private static (JsonObject? Body, List<string> Problems) Validate(string text)
    {
        var problems = new List<string>();
        JsonObject? body;
        try
        {
            body = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body is null)
            return (null, ["Expected object, received string"]);

        NonEmpty(body, "name", problems);
        NonEmpty(body, "description", problems);
        if (body["risk_score"] is not JsonValue risk || !risk.TryGetValue<int>(out var score))
            problems.Add("risk_score: Required");
        else if (score is < 0 or > 100)
            problems.Add("risk_score: Number must be less than or equal to 100");
        if (body["severity"] is not JsonValue severity || !severity.TryGetValue<string>(out var level))
            problems.Add("severity: Required");
        else if (!Severities.Contains(level))
            problems.Add($"severity: Invalid enum value. Expected 'low' | 'medium' | 'high' | 'critical', received '{level}'");
        var type = body["type"] is JsonValue t && t.TryGetValue<string>(out var typeName) ? typeName : null;
        var language = body["language"] is JsonValue l && l.TryGetValue<string>(out var languageName) ? languageName : null;
        if (type is null || !Types.Contains(type))
            problems.Add("type: Invalid discriminator value. Expected 'eql' | 'query' | 'saved_query' | 'threshold' | 'threat_match' | 'machine_learning' | 'new_terms' | 'esql'");
        switch (type)
        {
            case "query" when language is not null and not ("kuery" or "lucene"):
                problems.Add($"language: Invalid enum value. Expected 'kuery' | 'lucene', received '{language}'");
                break;
            case "eql":
                NonEmpty(body, "query", problems);
                if (language != "eql")
                    problems.Add("language: Invalid literal value, expected \"eql\"");
                break;
            case "esql":
                NonEmpty(body, "query", problems);
                if (language != "esql")
                    problems.Add("language: Invalid literal value, expected \"esql\"");
                if (body.ContainsKey("index"))
                    problems.Add("index: Index patterns are not supported for ES|QL rules");
                break;
        }

        if (body["max_signals"] is JsonValue max && (!max.TryGetValue<int>(out var signals) || signals < 1))
            problems.Add("max_signals: Number must be greater than or equal to 1");
        if (body["index"] is { } index && (index is not JsonArray indices || indices.Any(i => i is not JsonValue v || !v.TryGetValue<string>(out _))))
            problems.Add("index: Expected array, received string");
        if (body["threat"] is JsonArray threats)
        {
            for (var n = 0; n < threats.Count; n++)
            {
                if (threats[n] is not JsonObject threat || threat["framework"] is null)
                    problems.Add($"threat.{n}.framework: Required");
                else
                {
                    Reference(threat["tactic"], $"threat.{n}.tactic", problems);
                    if (threat["technique"] is JsonArray techniques)
                    {
                        for (var m = 0; m < techniques.Count; m++)
                        {
                            Reference(techniques[m], $"threat.{n}.technique.{m}", problems);
                            if (techniques[m]?["subtechnique"] is JsonArray subs)
                            {
                                for (var s = 0; s < subs.Count; s++)
                                    Reference(subs[s], $"threat.{n}.technique.{m}.subtechnique.{s}", problems);
                            }
                        }
                    }
                }
            }
        }

        return problems.Count == 0 ? (body, problems) : (null, problems);
    }

    private static void NonEmpty(JsonObject body, string field, List<string> problems)
    {
        if (body[field] is not JsonValue value || !value.TryGetValue<string>(out var text))
            problems.Add($"{field}: Required");
        else if (string.IsNullOrWhiteSpace(text))
            problems.Add($"{field}: String must contain at least 1 character(s)");
    }

    private static void Reference(JsonNode? node, string path, List<string> problems)
    {
        if (node is not JsonObject reference)
        {
            problems.Add($"{path}: Required");
            return;
        }

        foreach (var field in new[] { "id", "name", "reference" })
        {
            if (reference[field] is not JsonValue value || !value.TryGetValue<string>(out _))
                problems.Add($"{path}.{field}: Required");
        }
    }

    /// <summary>RuleResponse: the body with its defaults filled in and the response-only fields.</summary>
    private static JsonObject Response(KibanaStoredRule rule)
    {
        var response = (JsonObject)rule.Body.DeepClone();
        void Default(string field, JsonNode value)
        {
            if (!response.ContainsKey(field))
                response[field] = value;
        }

        Default("enabled", true);
        Default("interval", "5m");
        Default("from", "now-6m");
        Default("to", "now");
        Default("max_signals", 100);
        Default("version", 1);
        Default("tags", new JsonArray());
        Default("author", new JsonArray());
        Default("references", new JsonArray());
        Default("false_positives", new JsonArray());
        Default("threat", new JsonArray());
        Default("risk_score_mapping", new JsonArray());
        Default("severity_mapping", new JsonArray());
        Default("exceptions_list", new JsonArray());
        Default("actions", new JsonArray());
        if (response["type"]?.GetValue<string>() == "query")
        {
            Default("language", "kuery");
            Default("query", "");
        }

        response["id"] = rule.Id;
        response["rule_id"] = rule.RuleId;
        response["immutable"] = false;
        response["rule_source"] = new JsonObject { ["type"] = "internal" };
        response["revision"] = rule.Revision;
        response["created_at"] = rule.CreatedAt.ToString("O", CultureInfo.InvariantCulture);
        response["updated_at"] = rule.UpdatedAt.ToString("O", CultureInfo.InvariantCulture);
        response["created_by"] = "craftedsignal-deployer";
        response["updated_by"] = "craftedsignal-deployer";
        response["related_integrations"] = new JsonArray();
        response["required_fields"] = new JsonArray();
        response["setup"] = "";
        if (rule.ExecutionSummary is not null)
            response["execution_summary"] = rule.ExecutionSummary.DeepClone();
        return response;
    }

    private static IEnumerable<string> Tags(JsonObject body) =>
        body["tags"] is JsonArray tags ? tags.Select(t => t is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>() : [];

    private static bool Int(IQueryCollection query, string name, int fallback, out int value)
    {
        value = fallback;
        return !query.TryGetValue(name, out var text) || int.TryParse(text.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }

    private static Task ValidationAsync(HttpContext context, List<string> problems) =>
        PlatformErrorAsync(context, 400, "Bad Request", "[request body]: " + string.Join(", ", problems));

    private static Task UnauthorizedAsync(HttpContext context) =>
        PlatformErrorAsync(context, 401, "Unauthorized",
            "[security_exception\n\tRoot causes:\n\t\tsecurity_exception: unable to authenticate with provided credentials and anonymous access is not allowed for this request]: unable to authenticate with provided credentials and anonymous access is not allowed for this request");

    private static Task ForbiddenAsync(HttpContext context) =>
        PlatformErrorAsync(context, 403, "Forbidden",
            $"API [{context.Request.Method} {context.Request.Path}] is unauthorized for user, this action is granted by the Kibana privileges [{RulesPrivilege}]");

    /// <summary>PlatformErrorResponse: statusCode, error, message.</summary>
    private static Task PlatformErrorAsync(HttpContext context, int status, string error, string message) =>
        JsonAsync(context, status, new JsonObject { ["statusCode"] = status, ["error"] = error, ["message"] = message });

    /// <summary>SiemErrorResponse: message, status_code.</summary>
    private static Task EngineErrorAsync(HttpContext context, int status, string message) =>
        JsonAsync(context, status, new JsonObject { ["message"] = message, ["status_code"] = status });

    private static async Task JsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    [GeneratedRegex("^/s/([a-z0-9_-]+)/", RegexOptions.CultureInvariant)]
    private static partial Regex SpacePath();

    [GeneratedRegex("^alert\\.attributes\\.tags:\\s*(?:\"([^\"]*)\"|([^\\s\"]+))$", RegexOptions.CultureInvariant)]
    private static partial Regex TagFilter();
}
