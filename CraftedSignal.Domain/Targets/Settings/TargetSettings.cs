using System.Text.Json;
using System.Text.Json.Serialization;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Sigma.Conversion.Pipelines;
using CraftedSignal.Domain.Targets.Http;

namespace CraftedSignal.Domain.Targets.Settings;

/// <summary>A secret field of a kind's settings: stored encrypted apart from the settings, written only, never read back.</summary>
/// <param name="Name">The field's name, in errors and in the credential's purpose (<c>target:{id}:{Name}</c>).</param>
public sealed record TargetSecretField(string Name, string Label, string Help);

/// <summary>
/// A kind's non-secret settings, stored as JSON on the target and validated on save. Secrets never live here: each kind
/// names its <see cref="SecretFields"/>, and <see cref="TargetService"/> keeps them encrypted in <see cref="TargetSecret"/>.
/// Each kind's record (<see cref="SplunkTargetSettings"/>, <see cref="SentinelTargetSettings"/>, <see cref="ElasticTargetSettings"/>)
/// derives from <see cref="TargetSettings{TConnection}"/>, which checks it by building its connector's connection.
/// </summary>
public abstract record TargetSettings
{
    /// <summary>The longest settings JSON stored (a CA bundle fits).</summary>
    public const int MaxJsonLength = 64 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    [JsonIgnore]
    public abstract TargetKind Kind { get; }

    [JsonIgnore]
    public abstract IReadOnlyList<TargetSecretField> SecretFields { get; }

    /// <summary>PEM of the CA that signs the target's certificate (public: not a secret).</summary>
    public string? TrustedCaPem { get; init; }

    public string? PinnedCertificateSha256 { get; init; }

    public bool AllowUnencryptedHttp { get; init; }

    /// <summary>The transport of a connection built from these settings: their trust, the default timeouts and limits.</summary>
    [JsonIgnore]
    public TargetTransport Transport => new() { TrustedCaPem = TrustedCaPem, PinnedCertificateSha256 = PinnedCertificateSha256, AllowUnencryptedHttp = AllowUnencryptedHttp };

    /// <summary>The secret fields these settings need set (stored or given now).</summary>
    public abstract IReadOnlyList<string> RequiredSecrets();

    /// <summary>
    /// Null when the settings can be saved: <paramref name="secrets"/> holds the new values given now, <paramref name="stored"/>
    /// the fields already set. Else what to fix, naming the field; never quoting a secret.
    /// </summary>
    public abstract Invalid? Problem(IReadOnlyDictionary<string, string> secrets, IReadOnlySet<string> stored, IReadOnlyList<ProcessingPipeline> pipelines);

    /// <summary>
    /// The secret fields whose destination, or protection in transit, differs from <paramref name="previous"/>'s: a stored
    /// value of these is not sent to the new place; it must be entered again, so that changing a URL cannot exfiltrate it.
    /// </summary>
    public abstract IReadOnlyList<string> SecretsRedirectedFrom(TargetSettings previous);

    /// <summary>The same settings with blank optional values as null and values trimmed, as they are stored.</summary>
    public TargetSettings Normalized() => NormalizedFields() with { TrustedCaPem = Blank(TrustedCaPem), PinnedCertificateSha256 = Blank(PinnedCertificateSha256) };

    /// <summary><see cref="Normalized"/> for the kind's own fields.</summary>
    protected abstract TargetSettings NormalizedFields();

    /// <summary>The secret fields of <paramref name="kind"/>; none for the sandbox.</summary>
    public static IReadOnlyList<TargetSecretField> SecretFieldsOf(TargetKind kind) => Empty(kind)?.SecretFields ?? [];

    /// <summary>Default settings of a kind that has settings; null for one that has none (the sandbox) or none yet.</summary>
    public static TargetSettings? Empty(TargetKind kind) => kind switch
    {
        TargetKind.Splunk => new SplunkTargetSettings(),
        TargetKind.Sentinel => new SentinelTargetSettings(),
        TargetKind.Elastic => new ElasticTargetSettings(),
        _ => null,
    };

    public static string Serialize(TargetSettings settings) => JsonSerializer.Serialize(settings, settings.GetType(), Json);

    /// <summary>The stored settings of a target of <paramref name="kind"/>; null for a kind without settings or a target without them.</summary>
    public static TargetSettings? Deserialize(TargetKind kind, string? json) => json is null ? null : kind switch
    {
        TargetKind.Splunk => JsonSerializer.Deserialize<SplunkTargetSettings>(json, Json),
        TargetKind.Sentinel => JsonSerializer.Deserialize<SentinelTargetSettings>(json, Json),
        TargetKind.Elastic => JsonSerializer.Deserialize<ElasticTargetSettings>(json, Json),
        _ => null,
    };

    protected static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
