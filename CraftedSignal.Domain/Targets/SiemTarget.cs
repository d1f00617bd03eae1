using CraftedSignal.Domain.Tenancy;

namespace CraftedSignal.Domain.Targets;

/// <summary>The kinds of place a rule can be deployed to. Each has one connector behind <see cref="ITargetConnector"/>.</summary>
public enum TargetKind
{
    /// <summary>Runs in CraftedSignal itself: the rule is compiled by the Sigma engine and evaluated against test events.</summary>
    Sandbox,
    Splunk,
    Sentinel,
    Elastic,
}

/// <summary>A SIEM (or the local sandbox) a company deploys rules to.</summary>
public sealed class SiemTarget : ITenantOwned
{
    public const int NameMaxLength = 100;

    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public required string Name { get; set; }

    public TargetKind Kind { get; set; }

    /// <summary>A read-only target is watched (drift, health) but never written to.</summary>
    public bool ReadOnly { get; set; }

    public DateTime CreatedAt { get; set; }
}
