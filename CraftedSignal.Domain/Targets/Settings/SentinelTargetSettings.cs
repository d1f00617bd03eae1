using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Sigma.Conversion.Pipelines;
using CraftedSignal.Domain.Targets.Sentinel;

namespace CraftedSignal.Domain.Targets.Settings;

/// <summary>
/// A Microsoft Sentinel target's non-secret settings: the Entra ID app registration (tenant, client id) and the workspace
/// (subscription, resource group, workspace name), with the cloud's endpoints; its client secret is the one <see cref="SecretFields"/>.
/// </summary>
public sealed record SentinelTargetSettings : TargetSettings<SentinelConnection>
{
    public const string ClientSecretField = "ClientSecret";

    private static readonly IReadOnlyList<TargetSecretField> Secrets =
    [
        new(ClientSecretField, "Client secret", "The value of a client secret of the app registration (not its Secret ID); its service principal needs Microsoft Sentinel Contributor on the workspace."),
    ];

    public string TenantId { get; init; } = "";

    public string ClientId { get; init; } = "";

    public string SubscriptionId { get; init; } = "";

    public string ResourceGroup { get; init; } = "";

    public string WorkspaceName { get; init; } = "";

    /// <summary>Entra ID's token service: the public cloud's unless another cloud's (US Government, China) is set.</summary>
    public string AuthorityUrl { get; init; } = SentinelConnection.PublicAuthority.ToString();

    public string ResourceManagerUrl { get; init; } = SentinelConnection.PublicResourceManager.ToString();

    /// <summary>Lets the two endpoints be hosts other than the Azure clouds' (a proxy in an air-gapped network).</summary>
    public bool AllowCustomEndpoints { get; init; }

    public override TargetKind Kind => TargetKind.Sentinel;

    public override IReadOnlyList<TargetSecretField> SecretFields => Secrets;

    public override IReadOnlyList<string> RequiredSecrets() => [ClientSecretField];

    /// <summary>The secret goes to Entra ID, and the access token it gets to Resource Manager: moving either needs it entered again.</summary>
    protected override IReadOnlyList<string?> DestinationsOf(string field) => [AuthorityUrl, ResourceManagerUrl];

    protected override TargetSettings NormalizedFields() => this with
    {
        TenantId = TenantId?.Trim() ?? "",
        ClientId = ClientId?.Trim() ?? "",
        SubscriptionId = SubscriptionId?.Trim() ?? "",
        ResourceGroup = ResourceGroup?.Trim() ?? "",
        WorkspaceName = WorkspaceName?.Trim() ?? "",
        AuthorityUrl = AuthorityUrl?.Trim() ?? "",
        ResourceManagerUrl = ResourceManagerUrl?.Trim() ?? "",
    };

    protected override Invalid? FieldsProblem()
    {
        if (!Uri.TryCreate(AuthorityUrl, UriKind.Absolute, out _))
            return new Invalid(nameof(AuthorityUrl), $"AuthorityUrl must be an absolute https URL, e.g. {SentinelConnection.PublicAuthority}.");
        if (!Uri.TryCreate(ResourceManagerUrl, UriKind.Absolute, out _))
            return new Invalid(nameof(ResourceManagerUrl), $"ResourceManagerUrl must be an absolute https URL, e.g. {SentinelConnection.PublicResourceManager}.");
        return null;
    }

    /// <summary>Without a pipeline of the target's own, the connection's default (<c>sentinel-windows</c>) sets the table.</summary>
    public override SentinelConnection ToConnection(IReadOnlyDictionary<string, string> secrets, IReadOnlyList<ProcessingPipeline> pipelines)
    {
        var connection = new SentinelConnection
        {
            TenantId = TenantId,
            ClientId = ClientId,
            ClientSecret = secrets.GetValueOrDefault(ClientSecretField) ?? "",
            SubscriptionId = SubscriptionId,
            ResourceGroup = ResourceGroup,
            WorkspaceName = WorkspaceName,
            AuthorityUrl = new Uri(AuthorityUrl, UriKind.Absolute),
            ResourceManagerUrl = new Uri(ResourceManagerUrl, UriKind.Absolute),
            AllowCustomEndpoints = AllowCustomEndpoints,
            Transport = Transport,
        };
        return pipelines.Count == 0 ? connection : connection with { Pipelines = pipelines };
    }
}
