using CraftedSignal.Domain.Tenancy;

namespace CraftedSignal.Domain.Approvals;

public enum ApprovalStatus
{
    /// <summary>Waiting for reviewers.</summary>
    Pending,

    /// <summary>Enough unique reviewers approved this version.</summary>
    Approved,

    /// <summary>A reviewer rejected the change.</summary>
    Rejected,

    /// <summary>A reviewer asked the author for changes; a new version is submitted as a new request.</summary>
    ChangesRequested,

    /// <summary>The requester took it back.</summary>
    Withdrawn,

    /// <summary>A newer version of the rule was saved while this one waited: reviewers would approve stale content.</summary>
    Superseded,
}

public enum ReviewDecisionKind
{
    Approve,
    RequestChanges,
    Reject,
}

/// <summary>A request to review one version of a rule, decided by a number of unique reviewers fixed when it was made.</summary>
public sealed class ApprovalRequest : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public Guid RuleId { get; set; }

    public int RuleVersion { get; set; }

    /// <summary>The rule's title when it was submitted, so the queue reads well even after the rule changes.</summary>
    public required string RuleTitle { get; set; }

    public required string RequestedByUserId { get; set; }

    public required string RequestedByName { get; set; }

    public string? Message { get; set; }

    /// <summary>Unique approvers needed, copied from the company's policy at submission.</summary>
    public int RequiredApprovals { get; set; }

    public ApprovalStatus Status { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>After this a pending request can no longer be decided: it has to be submitted again.</summary>
    public DateTime ExpiresAt { get; set; }

    public DateTime? DecidedAt { get; set; }

    /// <summary>Changes with every decision, so that two decisions committed at once cannot both be built on the same state.</summary>
    public Guid ConcurrencyStamp { get; set; }

    public List<ReviewDecision> Decisions { get; set; } = [];
}

/// <summary>One reviewer's decision on a request, with their comment. A reviewer decides a request once.</summary>
public sealed class ReviewDecision : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public Guid RequestId { get; set; }

    public required string ReviewerUserId { get; set; }

    public required string ReviewerName { get; set; }

    public ReviewDecisionKind Kind { get; set; }

    public string? Comment { get; set; }

    public DateTime CreatedAt { get; set; }
}
