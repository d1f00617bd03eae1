using System.Text;
using System.Text.Json;
using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Domain.Testing;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Tests.Rules;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Approvals;

/// <summary>
/// The ways an insider could get their own change approved, or make evidence disappear, and that each is closed: authorship
/// through later versions, restores and imports; submission before the tests finished; decisions racing each other;
/// approvals from people who are no longer entitled.
/// </summary>
public sealed class SeparationOfDutiesTests : IAsyncLifetime
{
    private TestDatabase _db = default!;
    private Guid _company;
    private string _alice = "";
    private string _bob = "";
    private string _mallory = "";
    private string _carol = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _alice = await _db.AddUserAsync("alice@acme.test");
        _bob = await _db.AddUserAsync("bob@acme.test");
        _mallory = await _db.AddUserAsync("mallory@acme.test");
        _carol = await _db.AddUserAsync("carol@acme.test");
        _company = await _db.AddCompanyAsync("Acme", _alice);
        await _db.AddMemberAsync(_company, _bob, CompanyRole.User);
        await _db.AddMemberAsync(_company, _mallory, CompanyRole.User);
        await _db.AddMemberAsync(_company, _carol, CompanyRole.Admin);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Reviewer_WhoWroteAnEarlierUnapprovedVersion_CannotApproveTheLaterOne()
    {
        var rule = await CreateApprovedAsync();
        await SaveAsync(_mallory, rule, WithFilter("mallory-tols"), 1);
        await SaveAsync(_bob, rule, WithFilter("mallory-tools"), 2);
        var review = await SubmitAsync(_bob, rule);

        Assert.IsType<OwnChange>((await Approvals(_mallory).DecideAsync(review, ReviewDecisionKind.Approve, null)).Error);
        Assert.NotNull((await Approvals(_mallory).GetAsync(review)).Value!.CannotDecideReason);
        Assert.Equal(0, (await Service<Domain.Dashboard.DashboardService>(_mallory).GetAsync())!.Detection.WaitingForYourReview);
        Assert.Equal(1, (await Service<Domain.Dashboard.DashboardService>(_carol).GetAsync())!.Detection.WaitingForYourReview);
        Assert.Equal(ApprovalStatus.Approved, (await Approvals(_carol).DecideAsync(review, ReviewDecisionKind.Approve, null)).Value);
    }

    [Fact]
    public async Task RestoredVersion_KeepsItsAuthor_RecordsTheRestorer_AndNeitherMayApproveIt()
    {
        var rule = await CreateApprovedAsync();
        var mallorys = WithImages("\\whoami.exe", "\\mallory.exe");
        await SaveAsync(_mallory, rule, mallorys, 1);
        await SaveAsync(_alice, rule, RuleServiceTests.Whoami + "\n# reverted\n", 2);

        var restored = await Rules(_bob).RestoreAsync(rule, 2);
        Assert.True(restored.Succeeded, restored.Error?.Message);
        await _db.RunQueuedWorkAsync();

        await using (var db = _db.NewContext())
        {
            var version = await db.RuleVersions.IgnoreQueryFilters().SingleAsync(v => v.RuleId == rule && v.Number == 4);
            Assert.Equal((_mallory, _bob), (version.AuthorUserId, version.RecordedByUserId));
        }

        var review = await SubmitAsync(_bob, rule);
        Assert.IsType<OwnChange>((await Approvals(_mallory).DecideAsync(review, ReviewDecisionKind.Approve, null)).Error);
        Assert.IsType<OwnChange>((await Approvals(_bob).DecideAsync(review, ReviewDecisionKind.Approve, null)).Error);
        Assert.IsType<OwnChange>((await Approvals(_alice).DecideAsync(review, ReviewDecisionKind.Approve, null)).Error);
        Assert.Equal(ApprovalStatus.Approved, (await Approvals(_carol).DecideAsync(review, ReviewDecisionKind.Approve, null)).Value);
    }

    [Fact]
    public async Task ReImport_SupersedesTheOpenReview_StartsTheTests_AndKeepsTheAuthorOfKnownContent()
    {
        var rule = await CreateTestedAsync(_alice);
        var review = await SubmitAsync(_alice, rule);
        var changed = RuleServiceTests.Whoami.Replace("level: high", "level: critical", StringComparison.Ordinal);

        var first = await Transfer(_bob).ImportAsync([new ImportFile("whoami.yml", Encoding.UTF8.GetBytes(changed))], "git");

        Assert.Equal(ImportOutcome.Updated, Assert.Single(first.Value!.Files).Outcome);
        Assert.Equal(ApprovalStatus.Superseded, (await Approvals(_alice).GetAsync(review)).Value!.Request.Status);
        await using (var db = _db.NewContext())
        {
            var run = await db.TestRuns.IgnoreQueryFilters().OrderByDescending(r => r.CreatedAt).FirstAsync(r => r.RuleId == rule);
            Assert.Equal((2, TestRunStatus.Queued), (run.RuleVersion, run.Status));
            Assert.Contains(run.Id, _db.Queue.Enqueued);
        }

        // Importing Alice's original content again is not Bob's authorship.
        await Transfer(_bob).ImportAsync([new ImportFile("whoami.yml", Encoding.UTF8.GetBytes(RuleServiceTests.Whoami))], "git");
        await using (var db = _db.NewContext())
        {
            var version = await db.RuleVersions.IgnoreQueryFilters().SingleAsync(v => v.RuleId == rule && v.Number == 3);
            Assert.Equal((_alice, _bob), (version.AuthorUserId, version.RecordedByUserId));
            var bobs = await db.RuleVersions.IgnoreQueryFilters().SingleAsync(v => v.RuleId == rule && v.Number == 2);
            Assert.Equal((_bob, (string?)null), (bobs.AuthorUserId, bobs.RecordedByUserId));
        }
    }

    [Fact]
    public async Task Import_CannotGrowARulePastTheTestCaseLimit()
    {
        var cases = Enumerable.Range(1, RuleTestService.MaxCasesPerRule + 1)
            .Select(i => new TestCaseFile($"case {i:D3}", TestExpectation.NoAlert, null, """{"Image": "C:\\Windows\\notepad.exe"}"""));
        var tests = JsonSerializer.SerializeToUtf8Bytes(cases, new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } });

        var imported = await Transfer(_alice).ImportAsync([new ImportFile("whoami.yml", Encoding.UTF8.GetBytes(RuleServiceTests.Whoami), tests)], "git");

        var file = Assert.Single(imported.Value!.Files);
        Assert.Contains($"at most {RuleTestService.MaxCasesPerRule} test cases", file.Reason, StringComparison.Ordinal);
        await using var db = _db.NewContext();
        Assert.Equal(RuleTestService.MaxCasesPerRule, await db.RuleTestCases.IgnoreQueryFilters().CountAsync(c => c.RuleId == file.RuleId));
        Assert.Single(await db.TestRuns.IgnoreQueryFilters().Where(r => r.RuleId == file.RuleId).ToListAsync());
    }

    [Fact]
    public async Task Submission_WaitsForAFinishedRunThatPassed_AndAnEditedCaseNeedsANewRun()
    {
        var rule = (await Rules(_alice).CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;
        Assert.Contains("add a test case", (await Approvals(_alice).SubmitAsync(rule)).Error!.Message, StringComparison.Ordinal);
        var tests = Service<RuleTestService>(_alice);
        var caseId = (await tests.SaveCaseAsync(rule, null, "whoami runs", TestExpectation.Alert, null, """{"Image": "C:\\Windows\\System32\\whoami.exe"}""")).Value;
        await tests.StartRunAsync(rule);

        Assert.Contains("still running", (await Approvals(_alice).SubmitAsync(rule)).Error!.Message, StringComparison.Ordinal);
        Assert.Contains("still running", (await Approvals(_alice).WhyNotSubmittableAsync(rule)).Value, StringComparison.Ordinal);
        await _db.RunQueuedWorkAsync();
        Assert.Null((await Approvals(_alice).WhyNotSubmittableAsync(rule)).Value);

        await tests.SaveCaseAsync(rule, caseId, "whoami runs", TestExpectation.Alert, 2, """{"Image": "C:\\Windows\\System32\\whoami.exe"}""");
        Assert.Contains("no finished test run", (await Approvals(_alice).SubmitAsync(rule)).Error!.Message, StringComparison.Ordinal);
        await tests.StartRunAsync(rule);
        await _db.RunQueuedWorkAsync();
        Assert.Contains("fail", (await Approvals(_alice).SubmitAsync(rule)).Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutTests_SubmissionIsAllowedOnlyWhenTheCompanyChoseSo_AndThatChoiceIsAudited()
    {
        var rule = (await Rules(_alice).CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;
        Assert.False((await Approvals(_alice).SubmitAsync(rule)).Succeeded);

        Assert.True((await Service<CompanyService>(_alice).UpdateSettingsAsync(new CompanySettings("Acme", 7, 1, 14, RequireTestsForReview: false))).Succeeded);

        Assert.True((await Approvals(_alice).SubmitAsync(rule)).Succeeded);
        await using var db = _db.NewContext();
        var entry = await db.AuditEntries.IgnoreQueryFilters().SingleAsync(e => e.Action == AuditActions.CompanySettingsChanged);
        Assert.Contains("\"requireTestsForReview\":false", entry.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RejectionAndFinalApproval_CommittedTogether_TellOneStory()
    {
        for (var round = 0; round < 6; round++)
        {
            var rule = await CreateTestedAsync(_alice, $"Race {round}");
            var review = await SubmitAsync(_alice, rule);

            var results = await Task.WhenAll(
                Task.Run(() => Approvals(_bob).DecideAsync(review, ReviewDecisionKind.Reject, "Too broad.")),
                Task.Run(() => Approvals(_carol).DecideAsync(review, ReviewDecisionKind.Approve, null)));

            Assert.Single(results, r => r.Succeeded);
            var winner = results.Single(r => r.Succeeded).Value;
            Assert.Contains("can no longer be decided", results.Single(r => !r.Succeeded).Error!.Message, StringComparison.Ordinal);
            await using var db = _db.NewContext();
            var request = await db.ApprovalRequests.IgnoreQueryFilters().Include(r => r.Decisions).SingleAsync(r => r.Id == review);
            Assert.Equal(winner, request.Status);
            Assert.Single(request.Decisions);
            var approvedEntries = await db.AuditEntries.IgnoreQueryFilters().CountAsync(e => e.Action == AuditActions.ReviewApproved && e.Details!.Contains(review.ToString()));
            Assert.Equal(winner == ApprovalStatus.Approved ? 1 : 0, approvedEntries);
        }
    }

    [Fact]
    public async Task ApprovalFromAReviewerRemovedSince_NoLongerCounts()
    {
        Assert.True((await Service<CompanyService>(_alice).UpdateSettingsAsync(new CompanySettings("Acme", 7, 2))).Succeeded);
        var rule = await CreateTestedAsync(_alice);
        var review = await SubmitAsync(_alice, rule);
        Assert.Equal(ApprovalStatus.Pending, (await Approvals(_mallory).DecideAsync(review, ReviewDecisionKind.Approve, null)).Value);
        var members = Service<MembershipService>(_alice);
        var mallory = (await members.ListAsync()).Value!.Single(m => m.UserId == _mallory);
        Assert.True((await members.RemoveAsync(mallory.MembershipId)).Succeeded);

        Assert.Equal(ApprovalStatus.Pending, (await Approvals(_bob).DecideAsync(review, ReviewDecisionKind.Approve, null)).Value);
        Assert.Equal(ApprovalStatus.Approved, (await Approvals(_carol).DecideAsync(review, ReviewDecisionKind.Approve, null)).Value);
        await using var db = _db.NewContext();
        var approved = await db.AuditEntries.IgnoreQueryFilters().SingleAsync(e => e.Action == AuditActions.ReviewApproved);
        Assert.DoesNotContain(_mallory, approved.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemovedOrDemotedMember_LosesAccessAtOnce_AndTheirSessionsAreRevoked()
    {
        var notifier = _db.As(null, null).ServiceProvider.GetRequiredService<MembershipNotifier>();
        var changes = new List<MembershipChange>();
        notifier.Changed += changes.Add;
        await using var bobsTab = _db.As(_bob, _company);
        Assert.True((await bobsTab.ServiceProvider.GetRequiredService<RuleLibraryService>().ListAsync(new RuleQuery())).Succeeded);
        Assert.True((await bobsTab.ServiceProvider.GetRequiredService<CompanyService>().GetSettingsAsync()).Succeeded);
        var stampBefore = await StampAsync(_bob);

        var members = Service<MembershipService>(_alice);
        var bob = (await members.ListAsync()).Value!.Single(m => m.UserId == _bob);
        Assert.True((await members.ChangeRoleAsync(bob.MembershipId, CompanyRole.Viewer)).Succeeded);
        var stampDemoted = await StampAsync(_bob);
        Assert.True((await members.RemoveAsync(bob.MembershipId)).Succeeded);

        // The same open tab (same scope, same tenant as when it connected) reads nothing more.
        Assert.False((await bobsTab.ServiceProvider.GetRequiredService<RuleLibraryService>().ListAsync(new RuleQuery())).Succeeded);
        Assert.False((await bobsTab.ServiceProvider.GetRequiredService<CompanyService>().GetSettingsAsync()).Succeeded);
        Assert.False((await bobsTab.ServiceProvider.GetRequiredService<ApprovalService>().ListAsync(openOnly: false)).Succeeded);
        Assert.NotEqual(stampBefore, stampDemoted);
        Assert.NotEqual(stampDemoted, await StampAsync(_bob));
        Assert.Equal([new MembershipChange(_bob, _company, CompanyRole.Viewer), new MembershipChange(_bob, _company, null)], changes);
    }

    [Fact]
    public async Task SaveRetries_OnlyTheAuditChainsOwnConflict()
    {
        await CreateTestedAsync(_alice);
        await using var db = _db.NewContext();
        var chain = await Assert.ThrowsAsync<SqliteException>(() => db.Database.ExecuteSqlRawAsync("""
            INSERT INTO AuditEntries (ChainId, CompanyId, Sequence, Timestamp, ActorName, Action, PreviousHash, Hash)
            SELECT ChainId, CompanyId, Sequence, Timestamp, ActorName, Action, PreviousHash, Hash FROM AuditEntries LIMIT 1
            """));
        var other = await Assert.ThrowsAsync<SqliteException>(() => db.Database.ExecuteSqlRawAsync("""
            INSERT INTO RuleVersions (Id, RuleId, CompanyId, Number, Content, ContentSha256, AuthorName, CreatedAt)
            SELECT 'a0000000-0000-0000-0000-000000000001', RuleId, CompanyId, Number, Content, ContentSha256, AuthorName, CreatedAt FROM RuleVersions LIMIT 1
            """));

        Assert.True(AppDbContext.IsAuditChainConflict(new DbUpdateException("chain", chain)));
        Assert.False(AppDbContext.IsAuditChainConflict(new DbUpdateException("version", other)));
        Assert.False(AppDbContext.IsAuditChainConflict(new DbUpdateConcurrencyException("stamp", chain)));
    }

    private async Task<string?> StampAsync(string userId)
    {
        await using var db = _db.NewContext();
        return await db.Users.Where(u => u.Id == userId).Select(u => u.SecurityStamp).SingleAsync();
    }

    /// <summary>The whoami rule with an exclusion for command lines that contain <paramref name="marker"/>.</summary>
    private static string WithFilter(string marker) => RuleServiceTests.Whoami.Replace("    condition: selection",
        $"    filter:\n        CommandLine|contains: '{marker}'\n    condition: selection and not filter", StringComparison.Ordinal);

    private static string WithImages(params string[] images) => RuleServiceTests.Whoami.Replace("        Image|endswith: '\\whoami.exe'",
        "        Image|endswith:\n" + string.Join("\n", images.Select(i => $"            - '{i}'")), StringComparison.Ordinal);

    /// <summary>A rule by Alice, tested and approved by Carol: version 1 is the last approved one.</summary>
    private async Task<Guid> CreateApprovedAsync()
    {
        var rule = await CreateTestedAsync(_alice);
        var review = await SubmitAsync(_alice, rule);
        Assert.Equal(ApprovalStatus.Approved, (await Approvals(_carol).DecideAsync(review, ReviewDecisionKind.Approve, null)).Value);
        return rule;
    }

    private async Task<Guid> CreateTestedAsync(string userId, string? title = null)
    {
        var content = title is null ? RuleServiceTests.Whoami : RuleServiceTests.Whoami
            .Replace("Whoami Execution", title, StringComparison.Ordinal).Replace("8f3f5e1a-3c55-4c1e-9a44-6a4e3b5f6c10", Guid.NewGuid().ToString(), StringComparison.Ordinal);
        var rule = (await Rules(userId).CreateAsync(new RuleDraft(RuleFormat.Sigma, content))).Value!.RuleId;
        await _db.PassTestsAsync(userId, _company, rule);
        return rule;
    }

    private async Task SaveAsync(string userId, Guid rule, string content, int basedOn)
    {
        var saved = await Rules(userId).SaveAsync(rule, content, basedOn);
        Assert.True(saved.Succeeded, saved.Error?.Message);
        await _db.RunQueuedWorkAsync();
    }

    private async Task<Guid> SubmitAsync(string userId, Guid rule)
    {
        var submitted = await Approvals(userId).SubmitAsync(rule);
        Assert.True(submitted.Succeeded, submitted.Error?.Message);
        return submitted.Value;
    }

    private RuleService Rules(string userId) => Service<RuleService>(userId);

    private ApprovalService Approvals(string userId) => Service<ApprovalService>(userId);

    private RuleTransferService Transfer(string userId) => Service<RuleTransferService>(userId);

    private T Service<T>(string userId)
        where T : notnull => _db.As(userId, _company, userId).ServiceProvider.GetRequiredService<T>();
}
