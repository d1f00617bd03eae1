using CraftedSignal.Domain.Tenancy;

namespace CraftedSignal.Domain.Testing;

public enum TestExpectation
{
    /// <summary>At least one event (or exactly <see cref="RuleTestCase.ExpectedCount"/>) must match.</summary>
    Alert,

    /// <summary>No event may match.</summary>
    NoAlert,
}

/// <summary>A named set of sample events and what the rule must do with them.</summary>
public sealed class RuleTestCase : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public Guid RuleId { get; set; }

    public required string Name { get; set; }

    public TestExpectation Expectation { get; set; }

    /// <summary>When set with <see cref="TestExpectation.Alert"/>: exactly this many events must match.</summary>
    public int? ExpectedCount { get; set; }

    /// <summary>JSON: an array, JSON Lines, or concatenated objects.</summary>
    public required string Events { get; set; }

    public DateTime UpdatedAt { get; set; }
}

public enum TestRunStatus
{
    Queued,
    Running,
    Passed,
    Failed,
    Error,
}

/// <summary>One run of every test case of a rule against one version; its id is the durable work item's id.</summary>
public sealed class TestRun : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public Guid RuleId { get; set; }

    public int RuleVersion { get; set; }

    public TestRunStatus Status { get; set; }

    public string RequestedBy { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    /// <summary>How many cases the run has to go through, set when it starts; results arrive one case at a time.</summary>
    public int CaseCount { get; set; }

    public int Passed { get; set; }

    public int Failed { get; set; }

    public string? Error { get; set; }

    public List<TestResult> Results { get; set; } = [];
}

/// <summary>How one test case fared in a run: which events matched, and which selections made them match.</summary>
public sealed class TestResult : ITenantOwned
{
    public Guid Id { get; set; }

    public Guid CompanyId { get; set; }

    public Guid TestRunId { get; set; }

    public Guid TestCaseId { get; set; }

    public required string CaseName { get; set; }

    public bool Passed { get; set; }

    public int MatchCount { get; set; }

    public int EventCount { get; set; }

    /// <summary>JSON: [{"event": 0, "selections": ["selection"]}, ...] for the events that matched.</summary>
    public string Explanation { get; set; } = "[]";

    public required string Message { get; set; }
}
