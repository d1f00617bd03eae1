using System.Text;
using System.Text.RegularExpressions;
using CraftedSignal.Domain.Sigma.Conversion.Pipelines;
using CraftedSignal.Domain.Targets.Http;

namespace CraftedSignal.Domain.Targets.Splunk;

/// <summary>How the management token is presented: <c>Bearer</c> for Splunk authentication tokens (JWT), <c>Splunk</c> for a session key.</summary>
public enum SplunkAuthScheme
{
    Bearer,
    Splunk,
}

/// <summary>
/// Everything one Splunk connector call needs, secrets in plaintext. It lives for one call: it is built from the target's
/// stored (encrypted) settings and dropped. <see cref="ToString"/> never prints a token.
/// </summary>
public sealed record SplunkConnection : ITargetConnection
{
    public const int MinTokenLength = 16;

    /// <summary>The management (REST) port, e.g. <c>https://splunk.example.com:8089</c>.</summary>
    public required Uri ManagementUrl { get; init; }

    /// <summary>An authentication token (or a session key with <see cref="SplunkAuthScheme.Splunk"/>).</summary>
    public required string Token { get; init; }

    public SplunkAuthScheme AuthScheme { get; init; } = SplunkAuthScheme.Bearer;

    /// <summary>The app the saved searches live in: <c>/servicesNS/{Owner}/{App}/</c>.</summary>
    public string App { get; init; } = "search";

    /// <summary><c>nobody</c> shares the saved searches with the app; a user name keeps them private to that user.</summary>
    public string Owner { get; init; } = "nobody";

    /// <summary>The HTTP Event Collector, e.g. <c>https://splunk.example.com:8088</c>; only live tests need it.</summary>
    public Uri? HecUrl { get; init; }

    /// <summary>The HEC token (a GUID), sent as <c>Authorization: Splunk &lt;token&gt;</c> to <see cref="HecUrl"/> only.</summary>
    public string? HecToken { get; init; }

    /// <summary>The index test events are written to and live tests search; never a production index.</summary>
    public string? TestIndex { get; init; }


    /// <summary>Names of built-in processing pipelines applied when converting rules (e.g. <c>sysmon</c>, <c>splunk-windows</c>).</summary>
    public IReadOnlyList<ProcessingPipeline> Pipelines { get; init; } = [];

    /// <summary>Certificate trust, plain http, timeouts, retries and the body limit.</summary>
    public TargetTransport Transport { get; init; } = new();

    /// <summary>How long a search job may take from dispatch to its last result page.</summary>
    public TimeSpan SearchTimeout { get; init; } = TimeSpan.FromMinutes(2);


    /// <summary>Entries per page when listing saved searches or reading results.</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>A live test reads at most this many result rows.</summary>
    public int MaxSearchResults { get; init; } = 1000;

    /// <summary>Deployed searches run every this many minutes.</summary>
    public int ScheduleMinutes { get; init; } = 5;

    /// <summary>Each run looks at a window that ends this many minutes ago, so events still being indexed are not missed.</summary>
    public int IndexingLagMinutes { get; init; } = 1;

    private static readonly Regex NamespacePart = new("^[A-Za-z0-9_.-]{1,80}$", RegexOptions.CultureInvariant);
    private static readonly Regex IndexName = new("^[a-z0-9_][a-z0-9_-]{0,79}$", RegexOptions.CultureInvariant);

    /// <summary>Null when the settings can be used; else what to fix (never quoting a token).</summary>
    public TargetSettingsInvalid? Problem()
    {
        if (UrlProblem(ManagementUrl, "ManagementUrl") is { } url)
            return url;
        if (TokenProblem(Token, "Token") is { } token)
            return token;
        if (!NamespacePart.IsMatch(App ?? "") || App is "." or ".." or "-")
            return new TargetSettingsInvalid("App", "App must be a Splunk app name (letters, digits, '_', '.', '-'), e.g. 'search'.");
        if (!NamespacePart.IsMatch(Owner ?? "") || Owner is "." or ".." or "-")
            return new TargetSettingsInvalid("Owner", "Owner must be 'nobody' (shared in the app) or a Splunk user name.");
        if (HecUrl is not null)
        {
            if (UrlProblem(HecUrl, "HecUrl") is { } hec)
                return hec;
            if (TokenProblem(HecToken, "HecToken") is { } hecToken)
                return hecToken;
        }

        if (TestIndex is not null && !IndexName.IsMatch(TestIndex))
            return new TargetSettingsInvalid("TestIndex", "TestIndex must be a Splunk index name (lower-case letters, digits, '_', '-').");
        if (Transport.Problem() is { } transport)
            return new TargetSettingsInvalid(transport.Field, transport.Problem);
        if (SearchTimeout <= TimeSpan.Zero)
            return new TargetSettingsInvalid("Timeouts", "Timeouts must be positive.");
        if (PageSize is < 1 or > 10_000 || MaxSearchResults < 1)
            return new TargetSettingsInvalid("Limits", "PageSize must be 1 to 10,000 and MaxSearchResults at least 1.");
        if (ScheduleMinutes is < 1 or > 59 || 60 % ScheduleMinutes != 0 || IndexingLagMinutes is < 0 or > 60)
            return new TargetSettingsInvalid("ScheduleMinutes", "ScheduleMinutes must divide an hour (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30) and IndexingLagMinutes be 0 to 60.");
        return null;
    }

    private TargetSettingsInvalid? UrlProblem(Uri? url, string field) =>
        Transport.UrlProblem(url, field, $"https://splunk.example.com:{(field == "HecUrl" ? 8088 : 8089)}") is { } problem
            ? new TargetSettingsInvalid(field, problem)
            : null;

    private static TargetSettingsInvalid? TokenProblem(string? token, string field) =>
        token is null || token.Length < MinTokenLength || token.Any(c => c is <= ' ' or > '~')
            ? new TargetSettingsInvalid(field, $"{field} must be a Splunk token: at least {MinTokenLength} printable characters without spaces.")
            : null;

    /// <summary>Prints the settings with both tokens left out: a connection in a log line or an exception must not leak them.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"ManagementUrl = {ManagementUrl}, Token = [redacted], AuthScheme = {AuthScheme}, App = {App}, Owner = {Owner}, ");
        builder.Append($"HecUrl = {HecUrl}, HecToken = {(HecToken is null ? "" : "[redacted]")}, TestIndex = {TestIndex}, ");
        builder.Append($"Transport = {Transport}");
        return true;
    }
}
