using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using CraftedSignal.Domain.Targets.Http;

namespace CraftedSignal.Domain.Targets.Splunk;

/// <summary>
/// What is Splunk's own in an answer, on top of the shared <see cref="TargetHttp"/>: its error body
/// (<c>messages[].text</c>, or HEC's <c>text</c>), the capability a 403 names, and how a token is presented.
/// </summary>
internal static partial class SplunkAnswers
{
    public const string Service = "Splunk";

    /// <summary>The transport options of a connection: Splunk's TLS trust, timeouts and limits.</summary>
    public static TargetHttpOptions TransportOptions(SplunkConnection connection) =>
        TargetHttpOptions.For(Service, "CraftedSignal-SplunkConnector/1.0", connection.Transport);

    /// <summary>Splunk's <c>messages[].text</c> of an answer (trimmed, tokens removed), or null when it has none.</summary>
    public static string? MessagesOf(this TargetHttp http, TargetResponse response)
    {
        using var json = TargetHttp.ParseJson(response);
        if (json is null || json.RootElement.ValueKind != JsonValueKind.Object)
            return null;
        if (json.RootElement.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
        {
            var texts = messages.EnumerateArray()
                .Select(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null)
                .OfType<string>().Where(t => t.Length > 0).ToList();
            return texts.Count == 0 ? null : http.Quote(string.Join("; ", texts));
        }

        // HEC answers {"text": ..., "code": n}.
        return json.RootElement.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String ? http.Quote(text.GetString()!) : null;
    }

    /// <summary>The error for an answer that is not what the call expected (401, 403, other 4xx, 5xx).</summary>
    public static SplunkError StatusError(this TargetHttp http, TargetResponse response)
    {
        var text = http.MessagesOf(response);
        return response.Code switch
        {
            401 => new SplunkUnauthorized(text),
            403 => new SplunkForbidden(text is null ? null : CapabilityPattern().Match(text) is { Success: true } m ? m.Groups[1].Value : null, text),
            >= 500 => new SplunkServerError(response.Code, text),
            _ => new SplunkRejected(response.Code, text),
        };
    }

    public static AuthenticationHeaderValue Authorization(SplunkAuthScheme scheme, string token) =>
        new(scheme == SplunkAuthScheme.Bearer ? "Bearer" : "Splunk", token);

    [GeneratedRegex(@"requires capability:\s*([A-Za-z0-9_]+(?:\s+(?:OR|AND)\s+[A-Za-z0-9_]+)*)", RegexOptions.CultureInvariant)]
    private static partial Regex CapabilityPattern();
}
