using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Targets.Splunk;

namespace CraftedSignal.Domain.Targets.Settings;

/// <summary>A Splunk target's non-secret settings; its management token and HEC token are <see cref="SecretFields"/>.</summary>
public sealed record SplunkTargetSettings : TargetSettings
{
    public const string TokenField = "Token";
    public const string HecTokenField = "HecToken";

    /// <summary>Stands in for a secret that is stored but not decrypted, so that saving validates the rest without opening it.</summary>
    private const string StoredSecretStandIn = "stored-secret-not-decrypted";

    private static readonly IReadOnlyList<TargetSecretField> Secrets =
    [
        new(TokenField, "Management token", "A Splunk authentication token of a user whose role has search and schedule_search."),
        new(HecTokenField, "HEC token", "The HTTP Event Collector token live tests send events with (only with a HEC URL)."),
    ];

    /// <summary>The management (REST) port, e.g. <c>https://splunk.example.com:8089</c>.</summary>
    public string ManagementUrl { get; init; } = "";

    public SplunkAuthScheme AuthScheme { get; init; } = SplunkAuthScheme.Bearer;

    public string App { get; init; } = "search";

    public string Owner { get; init; } = "nobody";

    /// <summary>The HTTP Event Collector, e.g. <c>https://splunk.example.com:8088</c>; only live tests need it.</summary>
    public string? HecUrl { get; init; }

    public string? TestIndex { get; init; }

    public override TargetKind Kind => TargetKind.Splunk;

    public override IReadOnlyList<TargetSecretField> SecretFields => Secrets;

    public override IReadOnlyList<string> RequiredSecrets() => HecUrl is null ? [TokenField] : [TokenField, HecTokenField];

    public override IReadOnlyList<string> SecretsRedirectedFrom(TargetSettings previous)
    {
        if (previous is not SplunkTargetSettings before)
            return [TokenField, HecTokenField];
        var trust = !Transport.SameTrust(before.Transport);
        var moved = new List<string>();
        if (trust || !SameOrigin(ManagementUrl, before.ManagementUrl))
            moved.Add(TokenField);
        if (HecUrl is not null && (trust || !SameOrigin(HecUrl, before.HecUrl)))
            moved.Add(HecTokenField);
        return moved;
    }

    protected override TargetSettings NormalizedFields() => this with
    {
        ManagementUrl = ManagementUrl?.Trim() ?? "",
        App = App?.Trim() ?? "",
        Owner = Owner?.Trim() ?? "",
        HecUrl = Blank(HecUrl),
        TestIndex = Blank(TestIndex),
    };

    public override Invalid? Problem(IReadOnlyDictionary<string, string> secrets, IReadOnlySet<string> stored, IReadOnlyList<string> pipelines)
    {
        if (!Uri.TryCreate(ManagementUrl, UriKind.Absolute, out _))
            return new Invalid(nameof(ManagementUrl), "ManagementUrl must be an absolute https URL, e.g. https://splunk.example.com:8089.");
        if (HecUrl is not null && !Uri.TryCreate(HecUrl, UriKind.Absolute, out _))
            return new Invalid(nameof(HecUrl), "HecUrl must be an absolute https URL, e.g. https://splunk.example.com:8088.");
        if (TestIndex is not null && HecUrl is null)
            return new Invalid(nameof(HecUrl), "A test index is written to through HEC: set the HEC URL and token too, or leave the test index empty.");
        foreach (var field in RequiredSecrets())
        {
            if (!secrets.ContainsKey(field) && !stored.Contains(field))
                return new Invalid(field, $"Set the {Secrets.Single(s => s.Name == field).Label.ToLowerInvariant()}.");
        }

        string? Secret(string field) => secrets.TryGetValue(field, out var value) ? value : stored.Contains(field) ? StoredSecretStandIn : null;
        return ToConnection(Secret(TokenField) ?? "", HecUrl is null ? null : Secret(HecTokenField), pipelines).Problem() is { } problem
            ? new Invalid(problem.Field, problem.Message)
            : null;
    }

    /// <summary>Same scheme, host and port: where a token is sent. A different path on the same origin reaches the same server.</summary>
    private static bool SameOrigin(string? url, string? other) =>
        Uri.TryCreate(url, UriKind.Absolute, out var a) && Uri.TryCreate(other, UriKind.Absolute, out var b)
        && Uri.Compare(a, b, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    /// <summary>The connection one call uses: these settings with the decrypted tokens.</summary>
    public SplunkConnection ToConnection(string token, string? hecToken, IReadOnlyList<string> pipelines) => new()
    {
        ManagementUrl = new Uri(ManagementUrl, UriKind.Absolute),
        Token = token,
        AuthScheme = AuthScheme,
        App = App,
        Owner = Owner,
        HecUrl = HecUrl is null ? null : new Uri(HecUrl, UriKind.Absolute),
        HecToken = HecUrl is null ? null : hecToken,
        TestIndex = TestIndex,
        Transport = Transport,
        Pipelines = pipelines,
    };
}
