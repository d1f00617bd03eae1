using CraftedSignal.Domain.Tenancy;

namespace CraftedSignal.Domain.Rules;

public enum RuleFormat
{
    Sigma,
    Native,
}

/// <summary>The query languages a native (non-Sigma) rule can be written in.</summary>
public enum NativeLanguage
{
    Spl,
    Kql,
    Lucene,
    Esql,
    Eql,
}

public enum RuleTestStatus
{
    None,
    Passing,
    Failing,
}

/// <summary>
/// A detection rule of one company. Its content lives in immutable <see cref="RuleVersion"/>s; the columns here
/// describe the latest version so that the library can filter and sort without parsing anything.
/// </summary>
public sealed class DetectionRule : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public RuleFormat Format { get; set; }

    public NativeLanguage? Language { get; set; }

    public required string Title { get; set; }

    public string? Description { get; set; }

    /// <summary>The rule's own <c>id</c> (Sigma), used to match re-imports to the same rule.</summary>
    public string? SigmaId { get; set; }

    public string Level { get; set; } = "medium";

    /// <summary>0 (informational) to 4 (critical), so the library can sort by severity.</summary>
    public int LevelRank { get; set; } = 2;

    /// <summary>The Sigma <c>status</c> field (stable, test, experimental, ...), not the lifecycle.</summary>
    public string? Status { get; set; }

    public string? LogSourceProduct { get; set; }

    public string? LogSourceCategory { get; set; }

    public string? LogSourceService { get; set; }

    public RuleLifecycle Lifecycle { get; set; } = RuleLifecycle.Draft;

    public string? OwnerUserId { get; set; }

    public string OwnerName { get; set; } = "";

    /// <summary>Expected alerts per day in normal operation: the noise budget a reviewer weighs.</summary>
    public int? NoiseExpectedPerDay { get; set; }

    /// <summary>Alerts per day above which the rule is too noisy to keep live as it is.</summary>

    public int? NoiseMaxPerDay { get; set; }

    /// <summary>References (URLs or citations), one per line.</summary>
    public string References { get; set; } = "";

    /// <summary>Known false positives, one per line.</summary>
    public string FalsePositives { get; set; } = "";

    public int LatestVersion { get; set; }

    /// <summary>The latest version has errors: it is kept as a draft but cannot be submitted or go live.</summary>
    public bool HasErrors { get; set; }

    public int ErrorCount { get; set; }

    public int WarningCount { get; set; }

    public RuleTestStatus TestStatus { get; set; }

    /// <summary>Lower-cased title, description and detection text, for full-text search in any database.</summary>
    public string SearchText { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    /// <summary>
    /// When the rule was archived: hidden from the library, never deleted, so its versions, reviews, test runs and
    /// deployments stay as evidence. An Admin can restore it.
    /// </summary>
    public DateTime? ArchivedAt { get; set; }

    public string? ArchivedBy { get; set; }

    public List<RuleTag> Tags { get; set; } = [];
}

/// <summary>One tag of the latest version (lower-case), such as <c>attack.t1059.001</c> or <c>attack.execution</c>.</summary>
public sealed class RuleTag : ITenantOwned
{
    public Guid RuleId { get; set; }

    public Guid CompanyId { get; set; }

    public required string Tag { get; set; }
}

/// <summary>An immutable snapshot of a rule's content. Every save makes a new one; none is ever changed.</summary>
public sealed class RuleVersion : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid RuleId { get; set; }

    public Guid CompanyId { get; set; }

    public int Number { get; set; }

    public required string Content { get; set; }

    /// <summary>SHA-256 of the UTF-8 content, lower-case hex.</summary>
    public required string ContentSha256 { get; set; }

    /// <summary>
    /// Who wrote the content. A version whose content an earlier version already had (a restore, a re-import, a revert)
    /// keeps that version's author, so that authorship cannot be laundered by saving someone's content again.
    /// </summary>
    public string? AuthorUserId { get; set; }

    public required string AuthorName { get; set; }

    /// <summary>Who saved, restored or imported this version when that was not its author; null when the author saved it.</summary>
    public string? RecordedByUserId { get; set; }

    public string? RecordedByName { get; set; }

    public DateTime CreatedAt { get; set; }

    public string? Message { get; set; }

    /// <summary>Where the content came from when it was imported: a source name, a URL or file name, and that file's SHA-256.</summary>
    public string? SourceName { get; set; }

    public string? SourceUrl { get; set; }

    public string? SourceSha256 { get; set; }
}
