using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Rules;

public sealed class AttackCoverageServiceTests : IAsyncLifetime
{
    private TestDatabase _db = default!;
    private Guid _acme;
    private Guid _globex;
    private string _author = "";
    private string _globexOwner = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _author = await _db.AddUserAsync("uma@acme.test");
        _acme = await _db.AddCompanyAsync("Acme", _author);
        _globexOwner = await _db.AddUserAsync("gus@globex.test");
        _globex = await _db.AddCompanyAsync("Globex", _globexOwner);

        await AddAsync(_author, _acme, "Encoded PowerShell", [RuleLifecycle.Active], "attack.execution", "attack.t1059.001");
        await AddAsync(_author, _acme, "Cmd Spawned By Office", [RuleLifecycle.Active, RuleLifecycle.Monitoring], "attack.execution", "attack.t1059.003");
        await AddAsync(_author, _acme, "PowerShell Download Cradle", [], "attack.execution", "attack.defense_evasion", "attack.t1059.001");
        await AddAsync(_author, _acme, "Scheduled Task Created", [RuleLifecycle.Shadow], "attack.persistence", "attack.execution", "attack.t1053.005");
        await AddAsync(_author, _acme, "Whoami Without Tactic", [RuleLifecycle.Active], "attack.t1033", "attack.g0016");
        await AddAsync(_author, _acme, "Retired Run Key", [RuleLifecycle.Active, RuleLifecycle.Killed], "attack.persistence", "attack.t1547.001");
        await AddAsync(_author, _acme, "Untagged Rule", [RuleLifecycle.Active], "detection.threat-hunting", "attack.execution");
        await AddAsync(_globexOwner, _globex, "Macro Attachment", [RuleLifecycle.Active], "attack.initial-access", "attack.t1566.001");
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Tactics_AreTheFourteenEnterpriseTacticsInKillChainOrder_ThenUnmapped()
    {
        var matrix = await MatrixAsync(_author, _acme);

        Assert.Equal(
            ["reconnaissance", "resource-development", "initial-access", "execution", "persistence", "privilege-escalation", "defense-evasion",
             "credential-access", "discovery", "lateral-movement", "collection", "command-and-control", "exfiltration", "impact", "unmapped"],
            matrix.Tactics.Select(t => t.Tactic.ShortName));
    }

    [Fact]
    public async Task Techniques_AreGroupedUnderEveryTacticOfTheSameRule()
    {
        var matrix = await MatrixAsync(_author, _acme);

        Assert.Equal(["T1059.001", "T1059.003", "T1053.005"], Techniques(matrix, "execution"));
        Assert.Equal(["T1053.005", "T1547.001"], Techniques(matrix, "persistence"));
        Assert.Equal(["T1059.001"], Techniques(matrix, "defense-evasion"));
        Assert.Empty(Techniques(matrix, "initial-access"));
    }

    [Fact]
    public async Task SubTechniques_AreCellsOfTheirOwn_AndNamedWhenKnown()
    {
        var matrix = await MatrixAsync(_author, _acme);
        var execution = Column(matrix, "execution").Techniques;

        Assert.DoesNotContain(execution, t => t.TechniqueId == "T1059");
        Assert.Equal("PowerShell", execution.Single(t => t.TechniqueId == "T1059.001").Name);
        Assert.Equal("Windows Command Shell", execution.Single(t => t.TechniqueId == "T1059.003").Name);
    }

    [Fact]
    public async Task LiveRules_CountActiveAndMonitoring_TotalCountsEveryLifecycle()
    {
        var execution = Column(await MatrixAsync(_author, _acme), "execution").Techniques.ToDictionary(t => t.TechniqueId);
        var persistence = Column(await MatrixAsync(_author, _acme), "persistence").Techniques.ToDictionary(t => t.TechniqueId);

        Assert.Equal((1, 2), (execution["T1059.001"].LiveRules, execution["T1059.001"].TotalRules)); // Active + Draft
        Assert.Equal((1, 1), (execution["T1059.003"].LiveRules, execution["T1059.003"].TotalRules)); // Monitoring
        Assert.Equal((0, 1), (execution["T1053.005"].LiveRules, execution["T1053.005"].TotalRules)); // Shadow pages nobody
        Assert.Equal((0, 1), (persistence["T1547.001"].LiveRules, persistence["T1547.001"].TotalRules)); // Killed
    }

    [Fact]
    public async Task TechniqueOfARuleWithoutTactic_GoesUnderUnmapped()
    {
        var matrix = await MatrixAsync(_author, _acme);

        var unmapped = Assert.Single(matrix.Tactics, t => t.Tactic.IsUnmapped);
        var whoami = Assert.Single(unmapped.Techniques);
        Assert.Equal(("T1033", 1, 1), (whoami.TechniqueId, whoami.LiveRules, whoami.TotalRules));
    }

    [Fact]
    public async Task Summary_CountsCoveredTechniquesAndTactics()
    {
        var matrix = await MatrixAsync(_author, _acme);

        Assert.Equal(3, matrix.TechniquesCovered); // T1059.001, T1059.003, T1033
        Assert.Equal(5, matrix.TechniquesTagged);
        Assert.Equal(1, matrix.TacticsCovered); // execution; "Unmapped" is no tactic
        Assert.Equal(6, matrix.RulesWithTechniques);
        Assert.Equal(1, matrix.MaxLiveRules);
        Assert.False(matrix.IsEmpty);
    }

    [Fact]
    public async Task EachCompany_SeesOnlyTheTechniquesOfItsOwnRules()
    {
        var acme = await MatrixAsync(_author, _acme);
        var globex = await MatrixAsync(_globexOwner, _globex);

        Assert.DoesNotContain(acme.Tactics.SelectMany(t => t.Techniques), t => t.TechniqueId == "T1566.001");
        Assert.Equal(["T1566.001"], globex.Tactics.SelectMany(t => t.Techniques).Select(t => t.TechniqueId));
        Assert.Equal(["T1566.001"], Techniques(globex, "initial-access"));
    }

    [Fact]
    public async Task Viewer_CanView()
    {
        var viewer = await _db.AddUserAsync("vic@acme.test");
        await _db.AddMemberAsync(_acme, viewer, CompanyRole.Viewer);

        var matrix = await MatrixAsync(viewer, _acme);

        Assert.Equal(3, matrix.TechniquesCovered);
    }

    [Fact]
    public async Task NonMember_IsRefused()
    {
        await using var scope = _db.As(_globexOwner, _acme);

        var result = await scope.ServiceProvider.GetRequiredService<AttackCoverageService>().GetAsync();

        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task CompanyWithoutTechniqueTags_IsEmpty_AndHasNoUnmappedColumn()
    {
        var owner = await _db.AddUserAsync("ina@initech.test");
        var initech = await _db.AddCompanyAsync("Initech", owner);
        await AddAsync(owner, initech, "Tactic Only", [RuleLifecycle.Active], "attack.execution", "attack.discovery");

        var matrix = await MatrixAsync(owner, initech);

        Assert.True(matrix.IsEmpty);
        Assert.Equal(14, matrix.Tactics.Count);
    }

    [Fact]
    public async Task TacticsNewerThanTheShippedData_BecomeColumnsOfTheirOwn_AfterTheMatrix_AndKeepTechniqueNames()
    {
        var owner = await _db.AddUserAsync("ina@initech.test");
        var initech = await _db.AddCompanyAsync("Initech", owner);
        await AddAsync(owner, initech, "Masquerading Binary", [RuleLifecycle.Active], "attack.stealth", "attack.t1036.005");
        await AddAsync(owner, initech, "Event Log Cleared", [RuleLifecycle.Active], "attack.defense-impairment", "attack.t1070.001");
        await AddAsync(owner, initech, "Encoded PowerShell", [RuleLifecycle.Active], "attack.execution", "attack.t1059.001");

        var matrix = await MatrixAsync(owner, initech);

        Assert.Equal(["impact", "defense-impairment", "stealth"], matrix.Tactics.Skip(13).Select(t => t.Tactic.ShortName));
        var stealth = Column(matrix, "stealth");
        Assert.Equal(("Stealth", true), (stealth.Tactic.Name, stealth.Tactic.IsNewerThanData));
        Assert.Equal("Match Legitimate Resource Name or Location", Assert.Single(stealth.Techniques).Name);
        Assert.Equal("Defense Impairment", Column(matrix, "defense-impairment").Tactic.Name);
        Assert.Equal((3, 16, "18.1"), (matrix.TacticsCovered, matrix.TacticCount, matrix.AttackVersion));
    }

    [Theory]
    [InlineData("attack.stealth", "stealth")]
    [InlineData("attack.defense_evasion", "defense-evasion")]
    [InlineData("attack.t1059", null)]
    [InlineData("attack.g0016", null)]
    [InlineData("attack.s0002", null)]
    public void TacticName_ReadsWordTagsOnly(string tag, string? expected) =>
        Assert.Equal(expected, AttackCoverageService.TacticName(tag));

    [Theory]
    [InlineData("attack.t1059", "T1059")]
    [InlineData("attack.t1059.001", "T1059.001")]
    [InlineData("attack.execution", null)]
    [InlineData("attack.g0016", null)]
    [InlineData("attack.t1059.01", null)]
    [InlineData("cve.2021-44228", null)]
    public void TechniqueId_ReadsTechniqueTagsOnly(string tag, string? expected) =>
        Assert.Equal(expected, AttackCoverageService.TechniqueId(tag));

    private static TacticCoverage Column(CoverageMatrix matrix, string tactic) => matrix.Tactics.Single(t => t.Tactic.ShortName == tactic);

    private static List<string> Techniques(CoverageMatrix matrix, string tactic) => Column(matrix, tactic).Techniques.Select(t => t.TechniqueId).ToList();

    private async Task<CoverageMatrix> MatrixAsync(string userId, Guid companyId)
    {
        await using var scope = _db.As(userId, companyId);
        var result = await scope.ServiceProvider.GetRequiredService<AttackCoverageService>().GetAsync();
        Assert.True(result.Succeeded, result.Error?.Message);
        return result.Value;
    }

    private async Task AddAsync(string userId, Guid companyId, string title, RuleLifecycle[] lifecycles, params string[] tags)
    {
        await using var scope = _db.As(userId, companyId, userId);
        var rules = scope.ServiceProvider.GetRequiredService<RuleService>();
        var saved = await rules.CreateAsync(new RuleDraft(RuleFormat.Sigma, $"""
            title: {title}
            status: test
            tags:
            {string.Join('\n', tags.Select(t => "    - " + t))}
            logsource:
                category: process_creation
                product: windows
            detection:
                selection:
                    Image|endswith: '\cmd.exe'
                condition: selection
            level: medium
            """));
        Assert.True(saved.Succeeded, saved.Error?.Message);
        foreach (var lifecycle in lifecycles)
            Assert.True((await rules.ChangeLifecycleAsync(saved.Value.RuleId, lifecycle)).Succeeded);
    }
}
