using System.Text.Json;
using System.Text.RegularExpressions;
using CraftedSignal.Domain.Targets.Http;

namespace CraftedSignal.Domain.Targets.Elastic;

/// <summary>
/// What is Kibana's own in an answer, on top of the shared <see cref="TargetHttp"/>: its error bodies
/// (<c>{statusCode, error, message}</c> from the platform, <c>{status_code, message}</c> from the detection engine,
/// <c>message</c> a string or a list) and the privilege a 403 names.
/// </summary>
internal static partial class ElasticAnswers
{
    public const string Service = "Kibana";

    /// <summary>The detection-engine API version the contract describes (sent as <c>elastic-api-version</c>).</summary>
    public const string ApiVersion = "2023-10-31";

    public static TargetHttpOptions TransportOptions(ElasticConnection connection) =>
        TargetHttpOptions.For(Service, "CraftedSignal-ElasticConnector/1.0", connection.Transport);

    /// <summary>Kibana's <c>message</c> (a list joined with "; "), else its <c>error</c>, trimmed and with the key removed; null when there is none.</summary>
    public static string? MessageOf(this TargetHttp http, TargetResponse response)
    {
        using var json = TargetHttp.ParseJson(response);
        if (json is null || json.RootElement.ValueKind != JsonValueKind.Object)
            return null;
        var root = json.RootElement;
        var message = root.TryGetProperty("message", out var m) ? Text(m) : null;
        if (message is null && root.TryGetProperty("error", out var e))
            message = e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var inner) ? Text(inner) : Text(e);
        return message is null ? null : http.Quote(message);
    }

    /// <summary>The error for an answer that is not what the call expected (401, 403, other 4xx, 5xx).</summary>
    public static ElasticError StatusError(this TargetHttp http, TargetResponse response, string space)
    {
        var text = http.MessageOf(response);
        return response.Code switch
        {
            401 => new ElasticUnauthorized(text),
            403 => new ElasticForbidden(space, text is not null && PrivilegePattern().Match(text) is { Success: true } match ? match.Groups[1].Value : null, text),
            >= 500 => new ElasticServerError(response.Code, text),
            _ => new ElasticRejected(response.Code, text),
        };
    }

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() is { Length: > 0 } s ? s : null,
        JsonValueKind.Array => value.EnumerateArray().Select(Text).OfType<string>().ToList() is { Count: > 0 } list ? string.Join("; ", list) : null,
        _ => null,
    };

    // "API [POST /api/detection_engine/rules] is unauthorized for user, this action is granted by the Kibana privileges [securitySolution-rulesAll]"
    [GeneratedRegex(@"granted by the Kibana privileges \[([A-Za-z0-9_.:,\- ]{1,200})\]", RegexOptions.CultureInvariant)]
    private static partial Regex PrivilegePattern();
}
