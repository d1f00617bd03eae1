using System.Text.RegularExpressions;
using CraftedSignal.Domain.Attack;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Rules;

/// <summary>One technique under one tactic: how many live (Active or Monitoring) rules cover it, and how many rules in all.</summary>
public sealed record TechniqueCoverage(string TechniqueId, string? Name, int LiveRules, int TotalRules);

public sealed record TacticCoverage(AttackTactic Tactic, IReadOnlyList<TechniqueCoverage> Techniques)
{
    public int LiveTechniques => Techniques.Count(t => t.LiveRules > 0);
}

/// <summary>
/// The company's ATT&amp;CK matrix: every enterprise tactic of the shipped data in order, then tactics the rules tag that
/// the data is older than (named from their tags), then "Unmapped tactic" when any rule needs it.
/// </summary>
public sealed record CoverageMatrix(IReadOnlyList<TacticCoverage> Tactics, int RulesWithTechniques, string AttackVersion)
{
    /// <summary>Tactic columns, "Unmapped tactic" aside.</summary>
    public int TacticCount => Tactics.Count(t => !t.Tactic.IsUnmapped);

    public bool IsEmpty => Tactics.All(t => t.Techniques.Count == 0);

    /// <summary>Distinct techniques (sub-techniques count on their own) with at least one live rule.</summary>
    public int TechniquesCovered => Tactics.SelectMany(t => t.Techniques).Where(t => t.LiveRules > 0).Select(t => t.TechniqueId).Distinct().Count();

    public int TechniquesTagged => Tactics.SelectMany(t => t.Techniques).Select(t => t.TechniqueId).Distinct().Count();

    /// <summary>Enterprise tactics (not "Unmapped") with at least one live rule.</summary>
    public int TacticsCovered => Tactics.Count(t => !t.Tactic.IsUnmapped && t.LiveTechniques > 0);

    public int MaxLiveRules => Tactics.SelectMany(t => t.Techniques).Select(t => t.LiveRules).DefaultIfEmpty(0).Max();
}

/// <summary>Groups the techniques tagged on the company's rules under the tactics tagged on the same rules.</summary>
public sealed partial class AttackCoverageService(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant)
{
    public async Task<Result<CoverageMatrix>> GetAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var access = await Access.RequireAsync(db, tenant, Permission.View, cancellationToken);
        if (!access.Succeeded)
            return access.Error;

        var rules = await db.DetectionRules.AsNoTracking()
            .Where(r => r.CompanyId == access.Value.CompanyId && r.Tags.Any(t => t.Tag.StartsWith("attack.t")))
            .Select(r => new { r.Id, r.Lifecycle, Tags = r.Tags.Where(t => t.Tag.StartsWith("attack.")).Select(t => t.Tag).ToList() })
            .ToListAsync(cancellationToken);

        var catalog = AttackCatalog.Enterprise;
        var cells = new Dictionary<(string Tactic, string Technique), (int Live, int Total)>();
        var newer = new Dictionary<string, AttackTactic>(StringComparer.Ordinal);
        var rulesWithTechniques = 0;
        foreach (var rule in rules)
        {
            var techniques = rule.Tags.Select(TechniqueId).OfType<string>().Distinct().ToList();
            if (techniques.Count == 0)
                continue;
            rulesWithTechniques++;
            var tactics = rule.Tags.Select(TacticName).OfType<string>()
                .Select(name => catalog.FindTactic(name) ?? (newer.TryGetValue(name, out var known) ? known : newer[name] = AttackTactic.FromTag(name)))
                .Select(t => t.ShortName)
                .Distinct()
                .DefaultIfEmpty(AttackTactic.Unmapped.ShortName)
                .ToList();
            var live = IsAlerting(rule.Lifecycle) ? 1 : 0;
            foreach (var tactic in tactics)
            {
                foreach (var technique in techniques)
                {
                    var (l, t) = cells.GetValueOrDefault((tactic, technique));
                    cells[(tactic, technique)] = (l + live, t + 1);
                }
            }
        }

        var columns = catalog.Matrix
            .Concat(newer.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
            .Append(AttackTactic.Unmapped)
            .Select(tactic => new TacticCoverage(tactic, cells
                .Where(c => c.Key.Tactic == tactic.ShortName)
                .Select(c => new TechniqueCoverage(c.Key.Technique, catalog.Find(c.Key.Technique)?.Name, c.Value.Live, c.Value.Total))
                .OrderByDescending(c => c.LiveRules)
                .ThenBy(c => c.TechniqueId, StringComparer.Ordinal)
                .ToList()))
            .Where(column => !column.Tactic.IsUnmapped || column.Techniques.Count > 0)
            .ToList();
        return new CoverageMatrix(columns, rulesWithTechniques, catalog.Version);
    }

    /// <summary><c>attack.defense-evasion</c> becomes <c>defense-evasion</c> (<c>_</c> read as <c>-</c>); techniques, groups, software and other ids, null.</summary>
    public static string? TacticName(string tag)
    {
        var match = TacticTag().Match(tag);
        return match.Success ? match.Groups[1].Value.Replace('_', '-') : null;
    }

    /// <summary>
    /// Active and Monitoring rules alert, so they cover a technique. Shadow rules are deployed (see
    /// <see cref="RuleLifecycleTransitions.IsLive"/>) but page nobody, so they do not count here.
    /// </summary>
    public static bool IsAlerting(RuleLifecycle lifecycle) => lifecycle is RuleLifecycle.Active or RuleLifecycle.Monitoring;

    /// <summary><c>attack.t1059.001</c> becomes <c>T1059.001</c>; any other tag, null.</summary>
    public static string? TechniqueId(string tag)
    {
        var match = TechniqueTag().Match(tag);
        return match.Success ? "T" + match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"^attack\.t(\d{4}(?:\.\d{3})?)$", RegexOptions.CultureInvariant)]
    private static partial Regex TechniqueTag();

    [GeneratedRegex(@"^attack\.([a-z][a-z_-]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex TacticTag();
}
