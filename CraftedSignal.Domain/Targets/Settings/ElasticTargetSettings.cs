using System.Text;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Sigma.Conversion.Pipelines;
using CraftedSignal.Domain.Targets.Elastic;

namespace CraftedSignal.Domain.Targets.Settings;

/// <summary>An Elastic Security target's non-secret settings: Kibana's URL, the space, the rule type and index patterns; its API key is the one <see cref="SecretFields"/>.</summary>
public sealed record ElasticTargetSettings : TargetSettings<ElasticConnection>
{
    public const string ApiKeyField = "ApiKey";

    private static readonly IReadOnlyList<TargetSecretField> Secrets =
    [
        new(ApiKeyField, "API key", "The API key's encoded value (base64 of id:api_key) as Kibana shows it once; it needs the Security feature's rules privilege in the space."),
    ];

    /// <summary>A stored key stands in on save as a value of the key's form that is no key.</summary>
    private static readonly string KeyStandIn = Convert.ToBase64String(Encoding.UTF8.GetBytes("stored:secret-not-decrypted"));

    /// <summary>Kibana (not Elasticsearch), e.g. <c>https://kibana.example.com:5601</c>.</summary>
    public string KibanaUrl { get; init; } = "";

    public string Space { get; init; } = ElasticConnection.DefaultSpace;

    public ElasticRuleType RuleType { get; init; } = ElasticRuleType.Query;

    public IReadOnlyList<string> IndexPatterns { get; init; } = ["logs-*", "winlogbeat-*"];

    public override TargetKind Kind => TargetKind.Elastic;

    public override IReadOnlyList<TargetSecretField> SecretFields => Secrets;

    public override IReadOnlyList<string> RequiredSecrets() => [ApiKeyField];

    protected override IReadOnlyList<string?> DestinationsOf(string field) => [KibanaUrl];

    protected override string StoredSecretStandIn(string field) => KeyStandIn;

    protected override TargetSettings NormalizedFields() => this with
    {
        KibanaUrl = KibanaUrl?.Trim() ?? "",
        Space = Blank(Space) ?? ElasticConnection.DefaultSpace,
        IndexPatterns = [.. (IndexPatterns ?? []).Select(p => p?.Trim() ?? "").Where(p => p.Length > 0)],
    };

    protected override Invalid? FieldsProblem() =>
        Uri.TryCreate(KibanaUrl, UriKind.Absolute, out _)
            ? null
            : new Invalid(nameof(KibanaUrl), "KibanaUrl must be an absolute https URL, e.g. https://kibana.example.com:5601.");

    /// <summary>Without a pipeline of the target's own, the connection's default (<c>ecs-windows</c>) maps fields to ECS.</summary>
    public override ElasticConnection ToConnection(IReadOnlyDictionary<string, string> secrets, IReadOnlyList<ProcessingPipeline> pipelines)
    {
        var connection = new ElasticConnection
        {
            KibanaUrl = new Uri(KibanaUrl, UriKind.Absolute),
            ApiKey = secrets.GetValueOrDefault(ApiKeyField) ?? "",
            Space = Space,
            RuleType = RuleType,
            IndexPatterns = IndexPatterns,
            Transport = Transport,
        };
        return pipelines.Count == 0 ? connection : connection with { Pipelines = pipelines };
    }
}
