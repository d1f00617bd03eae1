namespace CraftedSignal.Domain.Audit;

/// <summary>
/// The last scheduled verification of one audit chain (a company's, or the instance's): re-computing a million hashes
/// takes seconds, so it runs as background work and pages show its stored result.
/// </summary>
public sealed class AuditChainCheck
{
    public Guid ChainId { get; set; }

    public Guid? CompanyId { get; set; }

    public DateTime CheckedAt { get; set; }

    public long EntriesChecked { get; set; }

    public long? FirstBrokenSequence { get; set; }

    public string? Problem { get; set; }

    public bool IsIntact => FirstBrokenSequence is null;
}
