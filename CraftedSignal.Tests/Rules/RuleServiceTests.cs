using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Rules;

public sealed class RuleServiceTests : IAsyncLifetime
{
    internal const string Whoami = """
        title: Whoami Execution
        id: 8f3f5e1a-3c55-4c1e-9a44-6a4e3b5f6c10
        status: test
        description: Detects whoami.exe, often run right after initial access.
        author: Olivia
        date: 2026-11-23
        tags:
            - attack.discovery
            - attack.t1033
        logsource:
            category: process_creation
            product: windows
        detection:
            selection:
                Image|endswith: '\whoami.exe'
            condition: selection
        falsepositives:
            - Admin scripts
        level: high
        """;

    private TestDatabase _db = default!;
    private Guid _company;
    private string _author = "";
    private string _viewer = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _author = await _db.AddUserAsync("uma@acme.test");
        _viewer = await _db.AddUserAsync("vera@acme.test");
        _company = await _db.AddCompanyAsync("Acme", _author);
        await _db.AddMemberAsync(_company, _viewer, CompanyRole.Viewer);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Create_SigmaRule_KeepsItsMetadataAndTheFirstVersion()
    {
        var saved = await Rules(_author).CreateAsync(new RuleDraft(RuleFormat.Sigma, Whoami, Message: "first cut"));

        Assert.True(saved.Succeeded, saved.Error?.Message);
        var details = (await Rules(_author).GetAsync(saved.Value.RuleId)).Value!;
        Assert.Equal("Whoami Execution", details.Title);
        Assert.Equal("high", details.Level);
        Assert.Equal(RuleLifecycle.Draft, details.Lifecycle);
        Assert.Equal(["attack.discovery", "attack.t1033"], details.Tags);
        Assert.Equal(1, details.LatestVersion);
        var version = Assert.Single(details.Versions);
        Assert.Equal(RuleService.Sha256(Whoami), version.ContentSha256);
        Assert.Equal("first cut", version.Message);
        Assert.False(details.HasErrors);
        await using var ctx = _db.NewContext();
        Assert.True(await ctx.AuditEntries.IgnoreQueryFilters().AnyAsync(e => e.Action == AuditActions.RuleCreated && e.TargetId == saved.Value.RuleId.ToString()));
    }

    [Fact]
    public async Task Create_WithInvalidYaml_IsSavedAsADraftWithItsDiagnostics()
    {
        const string broken = "title: Half typed\ndetection:\n  selection:\n    Image|endswiht: x\n  condition: selection and\n";

        var saved = await Rules(_author).CreateAsync(new RuleDraft(RuleFormat.Sigma, broken));

        Assert.True(saved.Succeeded);
        Assert.True(saved.Value.Analysis.HasErrors);
        Assert.Contains(saved.Value.Analysis.Diagnostics, d => d.IsError && d.Line == 4);
        var details = (await Rules(_author).GetAsync(saved.Value.RuleId)).Value!;
        Assert.Equal(broken, details.Content);
        Assert.True(details.HasErrors);
        var live = await Rules(_author).ChangeLifecycleAsync(saved.Value.RuleId, RuleLifecycle.Active);
        Assert.IsType<RuleHasErrors>(live.Error);
    }

    [Fact]
    public async Task Save_EveryChange_IsANewImmutableVersion()
    {
        var created = (await Rules(_author).CreateAsync(new RuleDraft(RuleFormat.Sigma, Whoami))).Value!;

        var second = await Rules(_author).SaveAsync(created.RuleId, Whoami.Replace("level: high", "level: critical", StringComparison.Ordinal), basedOnVersion: 1, "raise level");
        var unchanged = await Rules(_author).SaveAsync(created.RuleId, Whoami.Replace("level: high", "level: critical", StringComparison.Ordinal), basedOnVersion: 2);

        Assert.Equal(2, second.Value!.Version);
        Assert.True(unchanged.Value!.Unchanged);
        var details = (await Rules(_author).GetAsync(created.RuleId)).Value!;
        Assert.Equal("critical", details.Level);
        Assert.Equal([2, 1], details.Versions.Select(v => v.Number));
        await using var ctx = _db.NewContext();
        var v1 = await ctx.RuleVersions.IgnoreQueryFilters().SingleAsync(v => v.Number == 1);
        v1.Content = "tampered";
        await Assert.ThrowsAsync<InvalidOperationException>(() => ctx.SaveChangesAsync());
    }

    [Fact]
    public async Task Save_BasedOnAnOlderVersion_IsAConflictThatNamesTheNewerAuthor()
    {
        var created = (await Rules(_author).CreateAsync(new RuleDraft(RuleFormat.Sigma, Whoami))).Value!;
        Assert.True((await Rules(_author).SaveAsync(created.RuleId, Whoami + "\n# tuned\n", 1)).Succeeded);

        var stale = await Rules(_author).SaveAsync(created.RuleId, Whoami + "\n# my edit\n", 1);

        var conflict = Assert.IsType<VersionConflict>(stale.Error);
        Assert.Equal(2, conflict.LatestVersion);
        Assert.Contains("version 2 by uma@acme.test", conflict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangeLifecycle_FollowsTheAllowedTransitionsAndAuditsThem()
    {
        var created = (await Rules(_author).CreateAsync(new RuleDraft(RuleFormat.Sigma, Whoami))).Value!;

        Assert.IsType<TransitionNotAllowed>((await Rules(_author).ChangeLifecycleAsync(created.RuleId, RuleLifecycle.Paused)).Error);
        Assert.True((await Rules(_author).ChangeLifecycleAsync(created.RuleId, RuleLifecycle.Shadow, "learn its noise")).Succeeded);
        Assert.True((await Rules(_author).ChangeLifecycleAsync(created.RuleId, RuleLifecycle.Active)).Succeeded);
        Assert.True((await Rules(_author).ChangeLifecycleAsync(created.RuleId, RuleLifecycle.Killed)).Succeeded);
        var revive = await Rules(_author).ChangeLifecycleAsync(created.RuleId, RuleLifecycle.Active);

        var refused = Assert.IsType<TransitionNotAllowed>(revive.Error);
        Assert.Contains("From Killed it can go to: Draft", refused.Message, StringComparison.Ordinal);
        await using var ctx = _db.NewContext();
        var changes = await ctx.AuditEntries.IgnoreQueryFilters().Where(e => e.Action == AuditActions.RuleLifecycleChanged).OrderBy(e => e.Sequence).Select(e => e.Details).ToListAsync();
        Assert.Equal(3, changes.Count);
        Assert.Contains("\"reason\":\"learn its noise\"", changes[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Viewer_CanReadButNotWrite()
    {
        var created = (await Rules(_author).CreateAsync(new RuleDraft(RuleFormat.Sigma, Whoami))).Value!;

        Assert.True((await Rules(_viewer).GetAsync(created.RuleId)).Succeeded);
        Assert.IsType<NotPermitted>((await Rules(_viewer).CreateAsync(new RuleDraft(RuleFormat.Sigma, Whoami))).Error);
        Assert.IsType<NotPermitted>((await Rules(_viewer).SaveAsync(created.RuleId, Whoami + "#", 1)).Error);
        Assert.IsType<NotPermitted>((await Rules(_viewer).ChangeLifecycleAsync(created.RuleId, RuleLifecycle.Killed)).Error);
        Assert.IsType<NotPermitted>((await Rules(_viewer).ArchiveAsync(created.RuleId)).Error);
    }

    [Fact]
    public async Task AnotherCompany_CannotSeeOrTouchTheRule()
    {
        var created = (await Rules(_author).CreateAsync(new RuleDraft(RuleFormat.Sigma, Whoami))).Value!;
        var eve = await _db.AddUserAsync("eve@globex.test");
        var globex = await _db.AddCompanyAsync("Globex", eve);
        await using var scope = _db.As(eve, globex);
        var theirs = scope.ServiceProvider.GetRequiredService<RuleService>();

        Assert.IsType<NotFound>((await theirs.GetAsync(created.RuleId)).Error);
        Assert.IsType<NotFound>((await theirs.SaveAsync(created.RuleId, "title: x", 1)).Error);
        Assert.IsType<NotFound>((await theirs.ArchiveAsync(created.RuleId)).Error);
        Assert.Equal(0, (await scope.ServiceProvider.GetRequiredService<RuleLibraryService>().ListAsync(new RuleQuery())).Value!.TotalCount);
    }

    [Fact]
    public async Task NativeRule_WithUnbalancedQuery_PointsAtTheProblem()
    {
        var saved = await Rules(_author).CreateAsync(new RuleDraft(RuleFormat.Native, "index=win (EventCode=4688 OR EventCode=1\n| where \"whoami", NativeLanguage.Spl, "Whoami SPL"));

        var diagnostics = saved.Value!.Analysis.Diagnostics;
        Assert.Contains(diagnostics, d => d.Code == "RULE021" && d.Line == 2 && d.Column == 9);
        Assert.Contains(diagnostics, d => d.Code == "RULE022" && d.Line == 1 && d.Column == 11);
    }

    [Fact]
    public async Task Archive_OnlyDraftOrKilledRules_KeepsEveryVersion_AndHidesTheRuleFromTheLibrary()
    {
        var created = (await Rules(_author).CreateAsync(new RuleDraft(RuleFormat.Sigma, Whoami))).Value!;
        Assert.True((await Rules(_author).ChangeLifecycleAsync(created.RuleId, RuleLifecycle.Active)).Succeeded);

        Assert.IsType<RuleNotArchivable>((await Rules(_author).ArchiveAsync(created.RuleId)).Error);
        Assert.True((await Rules(_author).ChangeLifecycleAsync(created.RuleId, RuleLifecycle.Killed)).Succeeded);
        Assert.True((await Rules(_author).ArchiveAsync(created.RuleId)).Succeeded);

        await using var scope = _db.As(_author, _company);
        var library = scope.ServiceProvider.GetRequiredService<RuleLibraryService>();
        Assert.Equal(0, (await library.ListAsync(new RuleQuery())).Value!.TotalCount);
        Assert.Equal(created.RuleId, Assert.Single((await library.ListAsync(new RuleQuery { Archived = true })).Value!.Rows).Id);
        Assert.IsType<RuleArchived>((await Rules(_author).SaveAsync(created.RuleId, Whoami + "# more", 1)).Error);
        Assert.IsType<RuleArchived>((await Rules(_author).ChangeLifecycleAsync(created.RuleId, RuleLifecycle.Draft)).Error);
        await using var ctx = _db.NewContext();
        Assert.True(await ctx.RuleVersions.IgnoreQueryFilters().AnyAsync(v => v.RuleId == created.RuleId));
        Assert.True(await ctx.AuditEntries.IgnoreQueryFilters().AnyAsync(e => e.Action == AuditActions.RuleArchived));
    }

    [Fact]
    public async Task ArchivedRule_IsRestoredOnlyByAnAdmin_AsADraft()
    {
        var created = (await Rules(_author).CreateAsync(new RuleDraft(RuleFormat.Sigma, Whoami))).Value!;
        Assert.True((await Rules(_author).ArchiveAsync(created.RuleId)).Succeeded);
        var admin = await _db.AddUserAsync("ada@acme.test");
        await _db.AddMemberAsync(_company, admin, CompanyRole.Admin);
        var user = await _db.AddUserAsync("ulf@acme.test");
        await _db.AddMemberAsync(_company, user, CompanyRole.User);

        Assert.IsType<NotPermitted>((await _db.As(user, _company).ServiceProvider.GetRequiredService<RuleService>().UnarchiveAsync(created.RuleId)).Error);
        var eve = await _db.AddUserAsync("eve@globex.test");
        var globex = await _db.AddCompanyAsync("Globex", eve);
        Assert.IsType<NotFound>((await _db.As(eve, globex).ServiceProvider.GetRequiredService<RuleService>().UnarchiveAsync(created.RuleId)).Error);
        Assert.True((await _db.As(admin, _company).ServiceProvider.GetRequiredService<RuleService>().UnarchiveAsync(created.RuleId)).Succeeded);

        var rule = (await Rules(_author).GetAsync(created.RuleId)).Value!;
        Assert.Equal((RuleLifecycle.Draft, (DateTime?)null), (rule.Lifecycle, rule.ArchivedAt));
        Assert.True((await Rules(_author).SaveAsync(created.RuleId, Whoami + "# more", 1)).Succeeded);
    }

    [Fact]
    public async Task TheDatabase_RefusesToDeleteARuleWithEvidence()
    {
        var created = (await Rules(_author).CreateAsync(new RuleDraft(RuleFormat.Sigma, Whoami))).Value!;

        // Someone holding the database who tries to make a rule's history disappear with one delete.
        await using var ctx = _db.NewContext();
        ctx.DetectionRules.Remove(await ctx.DetectionRules.IgnoreQueryFilters().SingleAsync(r => r.Id == created.RuleId));

        await Assert.ThrowsAsync<DbUpdateException>(() => ctx.SaveChangesAsync());
        await using var check = _db.NewContext();
        Assert.Equal(1, await check.RuleVersions.IgnoreQueryFilters().CountAsync(v => v.RuleId == created.RuleId));
    }

    private RuleService Rules(string userId) =>
        _db.As(userId, _company, userId == _author ? "uma@acme.test" : "vera@acme.test").ServiceProvider.GetRequiredService<RuleService>();
}

public sealed class NativeRuleChecksTests
{
    [Fact]
    public void Lucene_ThatParses_HasNoError() =>
        Assert.Empty(RuleAnalyzer.Analyze(RuleFormat.Native, NativeLanguage.Lucene, "process.name:whoami.exe AND NOT user.name:svc_*", new NativeMetadata("Whoami")).Diagnostics);

    [Fact]
    public void Lucene_ThatDoesNotParse_SaysWhere()
    {
        var diagnostics = RuleAnalyzer.Analyze(RuleFormat.Native, NativeLanguage.Lucene, "process.name:whoami.exe AND OR user.name:x", new NativeMetadata("Whoami")).Diagnostics;

        var error = Assert.Single(diagnostics);
        Assert.Equal("RULE030", error.Code);
        Assert.Contains("Lucene cannot parse the query", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Line);
        Assert.True(error.Column > 20, $"column {error.Column}");
    }
}

public sealed class RuleConversionsTests
{
    [Fact]
    public void ConvertAll_GivesEveryTargetItsQuery()
    {
        var conversions = RuleConversions.ConvertAll(RuleServiceTests.Whoami);

        Assert.Equal(["splunk", "kusto", "lucene", "esql", "eql"], conversions.Select(c => c.Target));
        Assert.All(conversions, c => Assert.Null(c.Error));
        Assert.Equal("Image=\"*\\\\whoami.exe\"", Assert.Single(conversions[0].Queries));
    }

    [Fact]
    public void ConvertAll_OfABrokenRule_SaysWhyForEachTarget()
    {
        var conversions = RuleConversions.ConvertAll("title: x\ndetection:\n  sel:\n    a|nope: b\n  condition: sel\n");

        Assert.All(conversions, c => Assert.Contains("does not parse", c.Error, StringComparison.Ordinal));
    }
}
