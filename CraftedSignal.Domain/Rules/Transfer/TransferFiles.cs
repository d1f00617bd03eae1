using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Testing;

namespace CraftedSignal.Domain.Rules;

/// <summary>
/// A file offered for import: its path inside the upload, its bytes, and its side files if any: tests (<c>NAME.tests.json</c>)
/// and details (<c>NAME.meta.json</c>).
/// </summary>
public sealed record ImportFile(string Path, byte[] Content, byte[]? Tests = null, byte[]? Meta = null);

/// <summary>
/// What <c>NAME.meta.json</c> beside a rule holds: what its content cannot say. For a native query its id (to match a
/// re-import), title, description, level, tags, references and false positives; for any rule its noise budget.
/// </summary>
public sealed record RuleMetaFile(
    Guid? Id = null,
    string? Title = null,
    string? Description = null,
    string? Level = null,
    IReadOnlyList<string>? Tags = null,
    IReadOnlyList<string>? References = null,
    IReadOnlyList<string>? FalsePositives = null,
    int? NoiseExpectedPerDay = null,
    int? NoiseMaxPerDay = null);

/// <summary>One test case as <c>NAME.tests.json</c> beside <c>NAME.yml</c> holds it.</summary>
public sealed record TestCaseFile(string Name, TestExpectation Expectation, int? ExpectedCount, string Events);

public enum ImportOutcome
{
    Imported,
    Updated,
    Unchanged,
    Rejected,
}

public sealed record ImportedFile(string Path, ImportOutcome Outcome, Guid? RuleId, int? Version, string? Reason, IReadOnlyList<RuleDiagnostic> Diagnostics);

public sealed record ImportSummary(IReadOnlyList<ImportedFile> Files)
{
    public int Count(ImportOutcome outcome) => Files.Count(f => f.Outcome == outcome);
}

public sealed record ImportTooLarge(string Detail) : Error(Detail, ErrorKind.Invalid);

public sealed record ZipSlip(string EntryPath)
    : Error($"The zip holds a path outside its root ('{EntryPath}'). Nothing was imported: rebuild the zip with relative paths.", ErrorKind.Invalid);

public sealed record NotAZip()
    : Error("The file is not a readable zip archive. Upload a .zip, or the .yml files themselves.", ErrorKind.Invalid);
