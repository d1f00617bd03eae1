using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Rules;

public enum RuleSort
{
    UpdatedAt,
    Title,
    Level,
    Lifecycle,
}

/// <summary>What the rules page asks for: filters, full-text search, one sort, one page.</summary>
public sealed record RuleQuery
{
    public string? Search { get; init; }

    public IReadOnlyCollection<RuleLifecycle> Lifecycles { get; init; } = [];

    public IReadOnlyCollection<string> Levels { get; init; } = [];

    public string? Status { get; init; }

    public string? LogSource { get; init; }

    /// <summary>An ATT&amp;CK tactic tag such as <c>attack.execution</c>.</summary>
    public string? Tactic { get; init; }

    /// <summary>An ATT&amp;CK technique such as <c>t1059</c>; sub-techniques (<c>t1059.001</c>) are included.</summary>
    public string? Technique { get; init; }

    public string? Tag { get; init; }

    public string? Owner { get; init; }

    public RuleTestStatus? TestStatus { get; init; }

    /// <summary>Only rules with a version running on this target now.</summary>
    public Guid? DeployedTo { get; init; }

    /// <summary>The archive instead of the library: archived rules only.</summary>
    public bool Archived { get; init; }

    public RuleSort Sort { get; init; } = RuleSort.UpdatedAt;

    public bool Descending { get; init; } = true;

    public int Page { get; init; }

    public int PageSize { get; init; } = 25;
}

public sealed record RuleRow(
    Guid Id,
    string Title,
    string Level,
    string? Status,
    RuleLifecycle Lifecycle,
    string? LogSource,
    string OwnerName,
    int LatestVersion,
    bool HasErrors,
    RuleTestStatus TestStatus,
    DateTime UpdatedAt,
    IReadOnlyList<string> Tags);

public sealed record RulePage(IReadOnlyList<RuleRow> Rows, int TotalCount);

/// <summary>The rule library's query: everything filtered, sorted and paged in the database.</summary>
public sealed class RuleLibraryService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant)
{
    public const int MaxPageSize = 200;

    public async Task<Result<RulePage>> ListAsync(RuleQuery query, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;
        var companyId = access.Value.CompanyId;
        var rules = db.DetectionRules.AsNoTracking().Where(r => r.CompanyId == companyId);
        rules = query.Archived ? rules.Where(r => r.ArchivedAt != null) : rules.Where(r => r.ArchivedAt == null);

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var needle = query.Search.Trim().ToLowerInvariant();
            rules = rules.Where(r => r.SearchText.Contains(needle));
        }

        if (query.Lifecycles.Count > 0)
            rules = rules.Where(r => query.Lifecycles.Contains(r.Lifecycle));
        if (query.Levels.Count > 0)
            rules = rules.Where(r => query.Levels.Contains(r.Level));
        if (!string.IsNullOrWhiteSpace(query.Status))
            rules = rules.Where(r => r.Status == query.Status);
        if (!string.IsNullOrWhiteSpace(query.LogSource))
        {
            var source = query.LogSource.Trim().ToLowerInvariant();
            rules = rules.Where(r => r.LogSourceProduct == source || r.LogSourceCategory == source || r.LogSourceService == source);
        }

        if (!string.IsNullOrWhiteSpace(query.Owner))
            rules = rules.Where(r => r.OwnerName.Contains(query.Owner.Trim()));
        if (query.TestStatus is { } testStatus)
            rules = rules.Where(r => r.TestStatus == testStatus);
        if (AttackTag(query.Tactic) is { } tactic)
            rules = rules.Where(r => r.Tags.Any(t => t.Tag == tactic));
        if (AttackTag(query.Technique) is { } technique)
        {
            var subTechniques = technique + ".";
            rules = rules.Where(r => r.Tags.Any(t => t.Tag == technique || t.Tag.StartsWith(subTechniques)));
        }

        if (query.DeployedTo is { } target)
            rules = rules.Where(r => db.Deployments.Any(d => d.RuleId == r.Id && d.TargetId == target && d.Live));

        if (!string.IsNullOrWhiteSpace(query.Tag))
        {
            var tag = query.Tag.Trim().ToLowerInvariant();
            rules = rules.Where(r => r.Tags.Any(t => t.Tag == tag));
        }

        var total = await rules.CountAsync(cancellationToken);
        var ordered = (query.Sort, query.Descending) switch
        {
            (RuleSort.Title, false) => rules.OrderBy(r => r.Title),
            (RuleSort.Title, true) => rules.OrderByDescending(r => r.Title),
            (RuleSort.Level, false) => rules.OrderBy(r => r.LevelRank).ThenBy(r => r.Title),
            (RuleSort.Level, true) => rules.OrderByDescending(r => r.LevelRank).ThenBy(r => r.Title),
            (RuleSort.Lifecycle, false) => rules.OrderBy(r => r.Lifecycle).ThenBy(r => r.Title),
            (RuleSort.Lifecycle, true) => rules.OrderByDescending(r => r.Lifecycle).ThenBy(r => r.Title),
            (_, false) => rules.OrderBy(r => r.UpdatedAt),
            _ => rules.OrderByDescending(r => r.UpdatedAt),
        };
        var size = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var page = await ordered
            .Skip(Math.Max(0, query.Page) * size)
            .Take(size)
            .Select(r => new
            {
                r.Id,
                r.Title,
                r.Level,
                r.Status,
                r.Lifecycle,
                r.LogSourceProduct,
                r.LogSourceCategory,
                r.LogSourceService,
                r.OwnerName,
                r.LatestVersion,
                r.HasErrors,
                r.TestStatus,
                r.UpdatedAt,
                Tags = r.Tags.Select(t => t.Tag).ToList(),
            })
            .ToListAsync(cancellationToken);

        var rows = page.Select(r => new RuleRow(r.Id, r.Title, r.Level, r.Status, r.Lifecycle,
            string.Join('/', new[] { r.LogSourceProduct, r.LogSourceCategory, r.LogSourceService }.Where(s => s is not null)) is { Length: > 0 } ls ? ls : null,
            r.OwnerName, r.LatestVersion, r.HasErrors, r.TestStatus, r.UpdatedAt, r.Tags.Order(StringComparer.Ordinal).ToList())).ToList();
        return new RulePage(rows, total);
    }

    /// <summary><c>Execution</c>, <c>T1059</c> or <c>attack.t1059</c> all become the tag form <c>attack.…</c>.</summary>
    private static string? AttackTag(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        var tag = value.Trim().ToLowerInvariant().Replace(' ', '-');
        return tag.StartsWith("attack.", StringComparison.Ordinal) ? tag : "attack." + tag;
    }
}
