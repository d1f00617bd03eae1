using System.Text.RegularExpressions;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Domain.Rules;

/// <summary>An enterprise ATT&amp;CK tactic: its Sigma tag form (<c>defense-evasion</c>), display name and id.</summary>
public sealed record AttackTactic(string ShortName, string Name, string? Id)
{
    /// <summary>The 14 enterprise tactics in kill-chain order.</summary>
    public static readonly IReadOnlyList<AttackTactic> Enterprise =
    [
        new("reconnaissance", "Reconnaissance", "TA0043"),
        new("resource-development", "Resource Development", "TA0042"),
        new("initial-access", "Initial Access", "TA0001"),
        new("execution", "Execution", "TA0002"),
        new("persistence", "Persistence", "TA0003"),
        new("privilege-escalation", "Privilege Escalation", "TA0004"),
        new("defense-evasion", "Defense Evasion", "TA0005"),
        new("credential-access", "Credential Access", "TA0006"),
        new("discovery", "Discovery", "TA0007"),
        new("lateral-movement", "Lateral Movement", "TA0008"),
        new("collection", "Collection", "TA0009"),
        new("command-and-control", "Command and Control", "TA0011"),
        new("exfiltration", "Exfiltration", "TA0010"),
        new("impact", "Impact", "TA0040"),
    ];

    /// <summary>Where techniques of rules without a tactic tag go.</summary>
    public static readonly AttackTactic Unmapped = new("unmapped", "Unmapped tactic", null);

    public bool IsUnmapped => Id is null;
}

/// <summary>One technique under one tactic: how many live (Active or Monitoring) rules cover it, and how many rules in all.</summary>
public sealed record TechniqueCoverage(string TechniqueId, string? Name, int LiveRules, int TotalRules);

public sealed record TacticCoverage(AttackTactic Tactic, IReadOnlyList<TechniqueCoverage> Techniques)
{
    public int LiveTechniques => Techniques.Count(t => t.LiveRules > 0);
}

/// <summary>The company's ATT&amp;CK matrix: every enterprise tactic in order, then "Unmapped tactic" when any rule needs it.</summary>
public sealed record CoverageMatrix(IReadOnlyList<TacticCoverage> Tactics, int RulesWithTechniques)
{
    public bool IsEmpty => Tactics.All(t => t.Techniques.Count == 0);

    /// <summary>Distinct techniques (sub-techniques count on their own) with at least one live rule.</summary>
    public int TechniquesCovered => Tactics.SelectMany(t => t.Techniques).Where(t => t.LiveRules > 0).Select(t => t.TechniqueId).Distinct().Count();

    public int TechniquesTagged => Tactics.SelectMany(t => t.Techniques).Select(t => t.TechniqueId).Distinct().Count();

    /// <summary>Enterprise tactics (not "Unmapped") with at least one live rule.</summary>
    public int TacticsCovered => Tactics.Count(t => !t.Tactic.IsUnmapped && t.LiveTechniques > 0);

    public int MaxLiveRules => Tactics.SelectMany(t => t.Techniques).Select(t => t.LiveRules).DefaultIfEmpty(0).Max();
}

/// <summary>Groups the techniques tagged on the company's rules under the tactics tagged on the same rules.</summary>
public sealed partial class AttackCoverage(IDbContextFactory<AppDbContext> dbFactory, CurrentTenant tenant)
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

        var byShortName = AttackTactic.Enterprise.ToDictionary(t => t.ShortName, StringComparer.Ordinal);
        var cells = new Dictionary<(AttackTactic Tactic, string Technique), (int Live, int Total)>();
        var rulesWithTechniques = 0;
        foreach (var rule in rules)
        {
            var techniques = rule.Tags.Select(TechniqueId).OfType<string>().Distinct().ToList();
            if (techniques.Count == 0)
                continue;
            rulesWithTechniques++;
            var tactics = rule.Tags
                .Select(t => byShortName.GetValueOrDefault(t["attack.".Length..].Replace('_', '-')))
                .OfType<AttackTactic>()
                .Distinct()
                .DefaultIfEmpty(AttackTactic.Unmapped)
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

        var columns = AttackTactic.Enterprise
            .Append(AttackTactic.Unmapped)
            .Select(tactic => new TacticCoverage(tactic, cells
                .Where(c => c.Key.Tactic == tactic)
                .Select(c => new TechniqueCoverage(c.Key.Technique, AttackTechniqueNames.Find(c.Key.Technique), c.Value.Live, c.Value.Total))
                .OrderByDescending(c => c.LiveRules)
                .ThenBy(c => c.TechniqueId, StringComparer.Ordinal)
                .ToList()))
            .Where(column => !column.Tactic.IsUnmapped || column.Techniques.Count > 0)
            .ToList();
        return new CoverageMatrix(columns, rulesWithTechniques);
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
}

/// <summary>
/// Names of the techniques Sigma rules tag most often. ATT&amp;CK data is not downloaded (no network), so any other technique
/// shows its id alone.
/// </summary>
internal static class AttackTechniqueNames
{
    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        ["T1003"] = "OS Credential Dumping",
        ["T1003.001"] = "LSASS Memory",
        ["T1005"] = "Data from Local System",
        ["T1016"] = "System Network Configuration Discovery",
        ["T1018"] = "Remote System Discovery",
        ["T1021"] = "Remote Services",
        ["T1021.001"] = "Remote Desktop Protocol",
        ["T1021.002"] = "SMB/Windows Admin Shares",
        ["T1027"] = "Obfuscated Files or Information",
        ["T1033"] = "System Owner/User Discovery",
        ["T1036"] = "Masquerading",
        ["T1041"] = "Exfiltration Over C2 Channel",
        ["T1047"] = "Windows Management Instrumentation",
        ["T1053"] = "Scheduled Task/Job",
        ["T1053.005"] = "Scheduled Task",
        ["T1055"] = "Process Injection",
        ["T1057"] = "Process Discovery",
        ["T1059"] = "Command and Scripting Interpreter",
        ["T1059.001"] = "PowerShell",
        ["T1059.003"] = "Windows Command Shell",
        ["T1059.005"] = "Visual Basic",
        ["T1059.007"] = "JavaScript",
        ["T1070"] = "Indicator Removal",
        ["T1070.001"] = "Clear Windows Event Logs",
        ["T1071"] = "Application Layer Protocol",
        ["T1078"] = "Valid Accounts",
        ["T1082"] = "System Information Discovery",
        ["T1087"] = "Account Discovery",
        ["T1090"] = "Proxy",
        ["T1098"] = "Account Manipulation",
        ["T1105"] = "Ingress Tool Transfer",
        ["T1110"] = "Brute Force",
        ["T1112"] = "Modify Registry",
        ["T1136"] = "Create Account",
        ["T1140"] = "Deobfuscate/Decode Files or Information",
        ["T1190"] = "Exploit Public-Facing Application",
        ["T1204"] = "User Execution",
        ["T1204.002"] = "Malicious File",
        ["T1218"] = "System Binary Proxy Execution",
        ["T1218.005"] = "Mshta",
        ["T1218.011"] = "Rundll32",
        ["T1486"] = "Data Encrypted for Impact",
        ["T1490"] = "Inhibit System Recovery",
        ["T1543.003"] = "Windows Service",
        ["T1547"] = "Boot or Logon Autostart Execution",
        ["T1547.001"] = "Registry Run Keys / Startup Folder",
        ["T1548.002"] = "Bypass User Account Control",
        ["T1562"] = "Impair Defenses",
        ["T1562.001"] = "Disable or Modify Tools",
        ["T1566"] = "Phishing",
        ["T1566.001"] = "Spearphishing Attachment",
        ["T1569.002"] = "Service Execution",
        ["T1572"] = "Protocol Tunneling",
    };

    public static string? Find(string techniqueId) => Names.GetValueOrDefault(techniqueId);
}
