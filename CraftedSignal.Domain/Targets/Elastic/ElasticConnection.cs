using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CraftedSignal.Domain.Sigma.Conversion.Pipelines;
using CraftedSignal.Domain.Targets.Http;

namespace CraftedSignal.Domain.Targets.Elastic;

/// <summary>Which detection-engine rule type a Sigma rule deploys as, and so which backend converts it.</summary>
public enum ElasticRuleType
{
    /// <summary><c>type: query</c> with <c>language: lucene</c> (the Lucene backend).</summary>
    Query,

    /// <summary><c>type: eql</c> (the EQL backend).</summary>
    Eql,

    /// <summary><c>type: esql</c> (the ES|QL backend); the index patterns go into its <c>from</c>, not into <c>index</c>.</summary>
    Esql,
}

/// <summary>
/// Everything one Elastic Security connector call needs, the API key in plaintext: Kibana's URL, the key, the Kibana
/// space the rules live in, the rule type, index patterns and schedule. It lives for one call: it is built from the
/// target's stored (encrypted) settings and dropped. <see cref="ToString"/> never prints the key.
/// </summary>
public sealed partial record ElasticConnection : ITargetConnection
{
    public const string DefaultSpace = "default";

    /// <summary>Kibana (not Elasticsearch), e.g. <c>https://kibana.example.com:5601</c>; a base path (<c>/kibana</c>) is kept.</summary>
    public required Uri KibanaUrl { get; init; }

    /// <summary>The API key's encoded value as Kibana shows it once: base64 of <c>id:api_key</c>; sent as <c>Authorization: ApiKey ...</c>.</summary>
    public required string ApiKey { get; init; }

    /// <summary>The Kibana space id (not its display name); <c>default</c> uses <c>/api/...</c>, any other <c>/s/{space}/api/...</c>.</summary>
    public string Space { get; init; } = DefaultSpace;

    public ElasticRuleType RuleType { get; init; } = ElasticRuleType.Query;

    /// <summary>The indices rules search: <c>index</c> of query and EQL rules, the <c>from</c> of ES|QL queries.</summary>
    public IReadOnlyList<string> IndexPatterns { get; init; } = ["logs-*", "winlogbeat-*"];

    /// <summary>Built-in processing pipelines applied when converting rules; <c>ecs-windows</c> maps Sigma's Windows fields to ECS.</summary>
    public IReadOnlyList<ProcessingPipeline> Pipelines { get; init; } = [TargetPipelines.Builtin("ecs-windows")];

    /// <summary>How often the rule runs (<c>interval</c>, Kibana's default 5m).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Extra look-back on top of the interval, so late events are not missed: <c>from</c> is <c>now-(Interval + Lookback)</c>, now-6m by default.</summary>
    public TimeSpan Lookback { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary><c>max_signals</c>: alerts one run may create (Kibana's default 100).</summary>
    public int MaxSignals { get; init; } = 100;

    /// <summary>Whether deployed rules run.</summary>
    public bool Enabled { get; init; } = true;


    /// <summary>Certificate trust, plain http, timeouts, retries and the body limit.</summary>
    public TargetTransport Transport { get; init; } = new();

    /// <summary><c>per_page</c> when listing rules with <c>_find</c>.</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>Listing stops with an error after this many pages.</summary>
    public int MaxPages { get; init; } = 1000;

    /// <summary>The space's path prefix: empty for the default space, else <c>s/{space}/</c>.</summary>
    internal string SpacePrefix => Space == DefaultSpace ? "" : $"s/{Space}/";

    /// <summary><c>interval</c> in Kibana's date-math form, e.g. <c>5m</c>.</summary>
    public string IntervalText => DateMath(Interval);

    /// <summary><c>from</c>, e.g. <c>now-6m</c>.</summary>
    public string FromText => "now-" + DateMath(Interval + Lookback);

    /// <summary>Null when the settings can be used; else what to fix (never quoting the key).</summary>
    public TargetSettingsInvalid? Problem()
    {
        if (Transport.UrlProblem(KibanaUrl, "KibanaUrl", "https://kibana.example.com:5601") is { } url)
            return new TargetSettingsInvalid("KibanaUrl", url);
        if (KibanaUrl.OriginalString.Contains('%', StringComparison.Ordinal) || KibanaUrl.OriginalString.Contains('\\', StringComparison.Ordinal)
            || !BasePath().IsMatch(KibanaUrl.AbsolutePath) || KibanaUrl.Segments.Any(s => s.TrimEnd('/') is "." or ".." or "s" or "api" or "internal"))
            return new TargetSettingsInvalid("KibanaUrl", "KibanaUrl must be Kibana's address, with at most a base path of letters, digits, '.', '_', '~' and '-' (no '/s/{space}' or '/api' in it; the space is a setting of its own).");
        if (KeyProblem(ApiKey) is { } key)
            return new TargetSettingsInvalid("ApiKey", key);
        if (Space is null || !SpaceId().IsMatch(Space))
            return new TargetSettingsInvalid("Space", "Space must be a Kibana space id: 1 to 100 lower-case letters, digits, '_' or '-' (the id shown in the space's URL, not its name).");
        if (!Enum.IsDefined(RuleType))
            return new TargetSettingsInvalid("RuleType", "RuleType must be Query, Eql or Esql.");
        if (IndexPatterns is null || IndexPatterns.Count == 0 || IndexPatterns.Any(p => p is null || !IndexPattern().IsMatch(p)))
            return new TargetSettingsInvalid("IndexPatterns", "IndexPatterns must name one or more indices or patterns: lower-case letters, digits, '*', '.', '_', '-', '+', ':' (remote clusters), up to 255 characters each.");
        if (Transport.Problem() is { } transport)
            return new TargetSettingsInvalid(transport.Field, transport.Problem);
        if (Interval < TimeSpan.FromMinutes(1) || Interval > TimeSpan.FromDays(1) || Lookback < TimeSpan.Zero || Lookback > TimeSpan.FromDays(1)
            || Interval.Ticks % TimeSpan.TicksPerSecond != 0 || Lookback.Ticks % TimeSpan.TicksPerSecond != 0)
            return new TargetSettingsInvalid("Interval", "Interval must be 1 minute to 1 day and Lookback 0 to 1 day, both in whole seconds.");
        if (MaxSignals is < 1 or > 10_000)
            return new TargetSettingsInvalid("MaxSignals", "MaxSignals must be 1 to 10,000.");
        if (PageSize is < 1 or > 1000 || MaxPages < 1)
            return new TargetSettingsInvalid("PageSize", "PageSize must be 1 to 1,000 and MaxPages at least 1.");
        return null;
    }

    /// <summary>The encoded key must decode to <c>id:api_key</c>: a key pasted in another form would be sent where Kibana cannot use it.</summary>
    private static string? KeyProblem(string? key)
    {
        const string expected = "ApiKey must be the API key's encoded value as Kibana or Elasticsearch shows it (base64 of id:api_key), without 'ApiKey ' in front.";
        if (key is null || key.Length is < 16 or > 4096 || key.Any(c => c is <= ' ' or > '~'))
            return expected;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(key));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon > 0 && colon < decoded.Length - 1 && !decoded.Any(char.IsControl) ? null : expected;
        }
        catch (FormatException)
        {
            return expected;
        }
    }

    private static string DateMath(TimeSpan span)
    {
        var seconds = (long)span.TotalSeconds;
        return seconds % 3600 == 0 ? (seconds / 3600).ToString(CultureInfo.InvariantCulture) + "h"
            : seconds % 60 == 0 ? (seconds / 60).ToString(CultureInfo.InvariantCulture) + "m"
            : seconds.ToString(CultureInfo.InvariantCulture) + "s";
    }

    [GeneratedRegex("^[a-z0-9_-]{1,100}$", RegexOptions.CultureInvariant)]
    private static partial Regex SpaceId();

    [GeneratedRegex(@"^(/[A-Za-z0-9._~-]+)*/?$", RegexOptions.CultureInvariant)]
    private static partial Regex BasePath();

    [GeneratedRegex(@"^-?[a-z0-9*._+:][a-z0-9*._+:-]{0,254}$", RegexOptions.CultureInvariant)]
    private static partial Regex IndexPattern();

    /// <summary>Prints the settings with the API key left out: a connection in a log line or an exception must not leak it.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"KibanaUrl = {KibanaUrl}, ApiKey = [redacted], Space = {Space}, RuleType = {RuleType}, IndexPatterns = [{string.Join(", ", IndexPatterns ?? [])}], ");
        builder.Append($"Interval = {Interval}, Lookback = {Lookback}, MaxSignals = {MaxSignals}, Enabled = {Enabled}, ");
        builder.Append($"Transport = {Transport}");
        return true;
    }
}
