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

    public DateTime? UpdatedAt { get; set; }

    /// <summary>The kind's non-secret settings as JSON (<see cref="Settings.TargetSettings"/>); secrets are in <see cref="Settings.TargetSecret"/>.</summary>
    public string? Settings { get; set; }

    /// <summary>The built-in processing pipeline rules are converted with, by name; or none.</summary>
    public string? Pipeline { get; set; }

    /// <summary>A pasted pySigma pipeline (YAML text, never a path), parsed on save; used instead of <see cref="Pipeline"/>.</summary>
    public string? PipelineYaml { get; set; }
}
