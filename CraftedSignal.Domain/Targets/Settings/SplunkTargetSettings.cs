using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Sigma.Conversion.Pipelines;
using CraftedSignal.Domain.Targets.Splunk;

namespace CraftedSignal.Domain.Targets.Settings;

/// <summary>A Splunk target's non-secret settings; its management token and HEC token are <see cref="SecretFields"/>.</summary>
public sealed record SplunkTargetSettings : TargetSettings<SplunkConnection>
{
    public const string TokenField = "Token";
    public const string HecTokenField = "HecToken";

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

    protected override IReadOnlyList<string?> DestinationsOf(string field) => field switch
    {
        TokenField => [ManagementUrl],
        _ => HecUrl is null ? [] : [HecUrl],
    };

    protected override TargetSettings NormalizedFields() => this with
    {
        ManagementUrl = ManagementUrl?.Trim() ?? "",
        App = App?.Trim() ?? "",
        Owner = Owner?.Trim() ?? "",
        HecUrl = Blank(HecUrl),
        TestIndex = Blank(TestIndex),
    };

    protected override Invalid? FieldsProblem()
    {
        if (!Uri.TryCreate(ManagementUrl, UriKind.Absolute, out _))
            return new Invalid(nameof(ManagementUrl), "ManagementUrl must be an absolute https URL, e.g. https://splunk.example.com:8089.");
        if (HecUrl is not null && !Uri.TryCreate(HecUrl, UriKind.Absolute, out _))
            return new Invalid(nameof(HecUrl), "HecUrl must be an absolute https URL, e.g. https://splunk.example.com:8088.");
        if (TestIndex is not null && HecUrl is null)
            return new Invalid(nameof(HecUrl), "A test index is written to through HEC: set the HEC URL and token too, or leave the test index empty.");
        return null;
    }

    public override SplunkConnection ToConnection(IReadOnlyDictionary<string, string> secrets, IReadOnlyList<ProcessingPipeline> pipelines) => new()
    {
        ManagementUrl = new Uri(ManagementUrl, UriKind.Absolute),
        Token = secrets.GetValueOrDefault(TokenField) ?? "",
        AuthScheme = AuthScheme,
        App = App,
        Owner = Owner,
        HecUrl = HecUrl is null ? null : new Uri(HecUrl, UriKind.Absolute),
        HecToken = HecUrl is null ? null : secrets.GetValueOrDefault(HecTokenField),
        TestIndex = TestIndex,
        Transport = Transport,
        Pipelines = pipelines,
    };
}
