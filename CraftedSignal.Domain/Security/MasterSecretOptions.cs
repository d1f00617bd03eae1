namespace CraftedSignal.Domain.Security;

/// <summary>Configuration section "Security": where the master secret comes from. Exactly one of the two may be set.</summary>
public sealed class MasterSecretOptions
{
    public const string Section = "Security";

    /// <summary>The master secret itself, usually from the environment variable <c>Security__MasterSecret</c>.</summary>
    public string? MasterSecret { get; set; }

    /// <summary>A file that holds the master secret (a mounted container secret, say); relative to the content root.</summary>
    public string? MasterSecretFile { get; set; }

    /// <summary>
    /// Set by the host in Development only: the data folder's generated secret, used (and generated once) when neither
    /// setting is given. Never bound from configuration, so no setting can turn the fallback on in Production.
    /// </summary>
    internal string? DevelopmentSecretFile { get; set; }
}
