using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Dashboard;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Domain.Testing;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Tests.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Approvals;

public sealed class ApprovalServiceTests : IAsyncLifetime
{
    private TestDatabase _db = default!;
    private Guid _company;
    private string _author = "";
    private string _reviewer = "";
    private string _second = "";
    private string _viewer = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _author = await _db.AddUserAsync("uma@acme.test");
        _reviewer = await _db.AddUserAsync("rita@acme.test");
        _second = await _db.AddUserAsync("sam@acme.test");
        _viewer = await _db.AddUserAsync("vera@acme.test");
        _company = await _db.AddCompanyAsync("Acme", _author);
        await _db.AddMemberAsync(_company, _reviewer, CompanyRole.User);
        await _db.AddMemberAsync(_company, _second, CompanyRole.Admin);
        await _db.AddMemberAsync(_company, _viewer, CompanyRole.Viewer);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task RuleWithErrors_CannotBeSubmittedForReview()
    {
        var rule = (await Rules(_author).CreateAsync(new RuleDraft(RuleFormat.Sigma, "title: Half typed\ndetection:\n  sel:\n    Image|endswiht: x\n  condition: sel\n"))).Value!.RuleId;

        var submitted = await Approvals(_author).SubmitAsync(rule);

        Assert.Contains("cannot be submitted for review", Assert.IsType<NotSubmittable>(submitted.Error).Message, StringComparison.Ordinal);
        await using var db = _db.NewContext();
        Assert.False(await db.ApprovalRequests.IgnoreQueryFilters().AnyAsync());
    }

    [Fact]
    public async Task RuleWithFailingTests_CannotBeSubmitted()
    {
        var rule = await CreateAsync();
        await using (var db = _db.NewContext())
        {
            (await db.DetectionRules.IgnoreQueryFilters().SingleAsync(r => r.Id == rule)).TestStatus = RuleTestStatus.Failing;
            await db.SaveChangesAsync();
        }

        Assert.Contains("tests of version 1 fail", (await Approvals(_author).SubmitAsync(rule)).Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Author_NeverApprovesTheirOwnChange_AnotherMemberDoes()
    {
        var rule = await CreateAsync();
        var request = (await Approvals(_author).SubmitAsync(rule, "ready")).Value;

        Assert.IsType<OwnChange>((await Approvals(_author).DecideAsync(request, ReviewDecisionKind.Approve, null)).Error);
        var decided = await Approvals(_reviewer).DecideAsync(request, ReviewDecisionKind.Approve, "looks right");

        Assert.Equal(ApprovalStatus.Approved, decided.Value);
        var view = (await Approvals(_author).GetAsync(request)).Value!;
        Assert.Equal((ApprovalStatus.Approved, 1, 1), (view.Request.Status, view.Request.Approvals, view.Request.RequiredApprovals));
        Assert.Equal("looks right", Assert.Single(view.Decisions).Comment);
        await using var db = _db.NewContext();
        var actions = await db.AuditEntries.IgnoreQueryFilters().Where(e => e.Action.StartsWith("review.")).OrderBy(e => e.Sequence).Select(e => e.Action).ToListAsync();
        Assert.Equal([AuditActions.ReviewRequested, AuditActions.ReviewDecided, AuditActions.ReviewApproved], actions);
    }

    [Fact]
    public async Task TheVersionsAuthor_CannotApproveEvenWhenSomeoneElseSubmitted()
    {
        var rule = await CreateAsync();
        var request = (await Approvals(_reviewer).SubmitAsync(rule)).Value;

        Assert.IsType<OwnChange>((await Approvals(_author).DecideAsync(request, ReviewDecisionKind.Approve, null)).Error);
        Assert.IsType<OwnChange>((await Approvals(_reviewer).DecideAsync(request, ReviewDecisionKind.Approve, null)).Error);
        Assert.Equal(ApprovalStatus.Approved, (await Approvals(_second).DecideAsync(request, ReviewDecisionKind.Approve, null)).Value);
    }

    [Fact]
    public async Task TwoRequiredApprovers_AreCountedOncePerReviewer()
    {
        await SetRequiredApprovalsAsync(2);
        var rule = await CreateAsync();
        var request = (await Approvals(_author).SubmitAsync(rule)).Value;

        Assert.Equal(ApprovalStatus.Pending, (await Approvals(_reviewer).DecideAsync(request, ReviewDecisionKind.Approve, null)).Value);
        Assert.Contains("already decided", (await Approvals(_reviewer).DecideAsync(request, ReviewDecisionKind.Approve, null)).Error!.Message, StringComparison.Ordinal);
        Assert.Equal(ApprovalStatus.Pending, (await Approvals(_author).GetAsync(request)).Value!.Request.Status);

        Assert.Equal(ApprovalStatus.Approved, (await Approvals(_second).DecideAsync(request, ReviewDecisionKind.Approve, null)).Value);
    }

    [Fact]
    public async Task ConcurrentApprovals_ApproveExactlyOnce()
    {
        await SetRequiredApprovalsAsync(2);
        var rule = await CreateAsync();
        var request = (await Approvals(_author).SubmitAsync(rule)).Value;

        var results = await Task.WhenAll(
            Task.Run(() => Approvals(_reviewer).DecideAsync(request, ReviewDecisionKind.Approve, null)),
            Task.Run(() => Approvals(_second).DecideAsync(request, ReviewDecisionKind.Approve, null)));

        Assert.All(results, r => Assert.True(r.Succeeded, r.Error?.Message));
        Assert.Contains(results, r => r.Value == ApprovalStatus.Approved);
        await using var db = _db.NewContext();
        Assert.Equal(1, await db.AuditEntries.IgnoreQueryFilters().CountAsync(e => e.Action == AuditActions.ReviewApproved));
        Assert.Equal(ApprovalStatus.Approved, (await db.ApprovalRequests.IgnoreQueryFilters().SingleAsync()).Status);
    }

    [Fact]
    public async Task Viewer_ReadsReviewsButCannotDecide()
    {
        var rule = await CreateAsync();
        var request = (await Approvals(_author).SubmitAsync(rule)).Value;

        Assert.IsType<NotPermitted>((await Approvals(_viewer).DecideAsync(request, ReviewDecisionKind.Approve, null)).Error);
        Assert.IsType<NotPermitted>((await Approvals(_viewer).SubmitAsync(rule)).Error);
        var view = (await Approvals(_viewer).GetAsync(request)).Value!;
        Assert.Equal("Your role can read reviews but not decide them.", view.CannotDecideReason);
    }

    [Fact]
    public async Task RejectAndRequestChanges_NeedAComment_AndCloseTheReview()
    {
        var rule = await CreateAsync();
        var request = (await Approvals(_author).SubmitAsync(rule)).Value;

        Assert.Equal("Comment", Assert.IsType<Invalid>((await Approvals(_reviewer).DecideAsync(request, ReviewDecisionKind.RequestChanges, "  ")).Error).Field);
        Assert.Equal(ApprovalStatus.ChangesRequested, (await Approvals(_reviewer).DecideAsync(request, ReviewDecisionKind.RequestChanges, "Add a filter for the admin scripts.")).Value);
        Assert.Contains("waiting for changes", (await Approvals(_second).DecideAsync(request, ReviewDecisionKind.Approve, null)).Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SavingANewVersion_SupersedesTheOpenReview_AndTheNewOneComparesWithTheApprovedVersion()
    {
        // A company that chose not to require tests: the risk then says the rule has none.
        await using (var scope = _db.As(_author, _company))
            Assert.True((await scope.ServiceProvider.GetRequiredService<CompanyService>().UpdateSettingsAsync(new CompanySettings("Acme", 7, 1, 14, RequireTestsForReview: false))).Succeeded);
        var rule = (await Rules(_author).CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;
        var first = (await Approvals(_author).SubmitAsync(rule)).Value;
        await Approvals(_reviewer).DecideAsync(first, ReviewDecisionKind.Approve, null);
        await SaveAsync(_author, rule, RuleServiceTests.Whoami.Replace("level: high", "level: critical", StringComparison.Ordinal), 1);
        var second = (await Approvals(_author).SubmitAsync(rule)).Value;

        await SaveAsync(_author, rule, RuleServiceTests.Whoami.Replace("whoami.exe", "who.exe", StringComparison.Ordinal), 2);

        Assert.Equal(ApprovalStatus.Superseded, (await Approvals(_author).GetAsync(second)).Value!.Request.Status);
        Assert.Contains("superseded", (await Approvals(_reviewer).DecideAsync(second, ReviewDecisionKind.Approve, null)).Error!.Message, StringComparison.Ordinal);
        var third = (await Approvals(_author).SubmitAsync(rule)).Value;
        var view = (await Approvals(_reviewer).GetAsync(third)).Value!;
        Assert.Equal(1, view.BaseVersion);
        Assert.Contains(view.Changes, c => c.Area == "selection 'selection' Image|endswith" && c.Kind == ChangeKind.Added && c.After == "\\who.exe");
        Assert.Contains(view.Risk.Reasons, r => r.Contains("No tests", StringComparison.Ordinal));
        Assert.Contains(view.Risk.Reasons, r => r.Contains("values were removed", StringComparison.Ordinal));
        Assert.Equal(RiskLevel.High, view.Risk.Level);
        Assert.Null(view.CannotDecideReason);
    }

    [Fact]
    public async Task ExpiredReview_CannotBeDecided_AndTheVersionCanBeSubmittedAgain()
    {
        var rule = await CreateAsync();
        var request = (await Approvals(_author).SubmitAsync(rule)).Value;
        Assert.Contains("already waiting", (await Approvals(_author).SubmitAsync(rule)).Error!.Message, StringComparison.Ordinal);

        _db.Clock.Advance(TimeSpan.FromDays(15));

        Assert.Contains("expired", (await Approvals(_reviewer).DecideAsync(request, ReviewDecisionKind.Approve, null)).Error!.Message, StringComparison.Ordinal);
        Assert.Empty((await Approvals(_reviewer).ListAsync(openOnly: true)).Value!);
        Assert.True((await Approvals(_author).SubmitAsync(rule)).Succeeded);
        Assert.Single((await Approvals(_reviewer).ListAsync(openOnly: true)).Value!);
    }

    [Fact]
    public async Task Withdraw_OnlyByTheRequesterOrAnAdmin()
    {
        var rule = await CreateAsync();
        var request = (await Approvals(_author).SubmitAsync(rule)).Value;

        Assert.IsType<NotDecidable>((await Approvals(_reviewer).WithdrawAsync(request)).Error);
        Assert.True((await Approvals(_author).WithdrawAsync(request)).Succeeded);
        Assert.Equal(ApprovalStatus.Withdrawn, (await Approvals(_author).GetAsync(request)).Value!.Request.Status);
    }

    [Fact]
    public async Task AnotherCompany_CannotSeeOrDecideAReview()
    {
        var rule = await CreateAsync();
        var request = (await Approvals(_author).SubmitAsync(rule)).Value;
        var eve = await _db.AddUserAsync("eve@globex.test");
        var globex = await _db.AddCompanyAsync("Globex", eve);
        await using var scope = _db.As(eve, globex);
        var theirs = scope.ServiceProvider.GetRequiredService<ApprovalService>();

        Assert.IsType<NotFound>((await theirs.GetAsync(request)).Error);
        Assert.IsType<NotFound>((await theirs.DecideAsync(request, ReviewDecisionKind.Approve, null)).Error);
        Assert.IsType<NotFound>((await theirs.SubmitAsync(rule)).Error);
        Assert.Empty((await theirs.ListAsync(openOnly: false)).Value!);
    }

    [Fact]
    public async Task RequiredApprovals_OutsideOneToFive_IsRefused()
    {
        await using var scope = _db.As(_author, _company);
        var companies = scope.ServiceProvider.GetRequiredService<CompanyService>();

        Assert.Equal("RequiredApprovals", Assert.IsType<Invalid>((await companies.UpdateSettingsAsync(new CompanySettings("Acme", 7, 0))).Error).Field);
        Assert.Equal("ReviewLifetimeDays", Assert.IsType<Invalid>((await companies.UpdateSettingsAsync(new CompanySettings("Acme", 7, 2, 91))).Error).Field);
        Assert.True((await companies.UpdateSettingsAsync(new CompanySettings("Acme", 7, 3, 30))).Succeeded);
        Assert.Equal(3, (await companies.GetSettingsAsync()).Value!.RequiredApprovals);
    }

    [Fact]
    public async Task Dashboard_CountsReviewsWaitingForEachReviewer_NotForTheAuthor()
    {
        var rule = await CreateAsync();
        await Rules(_author).CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami.Replace("Whoami Execution", "Second", StringComparison.Ordinal)));
        await Rules(_author).ChangeLifecycleAsync(rule, RuleLifecycle.Active);
        var request = (await Approvals(_author).SubmitAsync(rule)).Value;

        Assert.Equal(new DetectionSummary(2, 1, 0, 0), (await DashboardAsync(_author)).Detection);
        Assert.Equal(1, (await DashboardAsync(_reviewer)).Detection.WaitingForYourReview);
        Assert.Null((await DashboardAsync(_viewer)).Detection.WaitingForYourReview);

        await Approvals(_reviewer).DecideAsync(request, ReviewDecisionKind.Approve, null);

        Assert.Equal(0, (await DashboardAsync(_reviewer)).Detection.WaitingForYourReview);
    }

    private async Task<DashboardSummary> DashboardAsync(string userId) =>
        (await _db.As(userId, _company).ServiceProvider.GetRequiredService<DashboardService>().GetAsync())!;

    private async Task SetRequiredApprovalsAsync(int count)
    {
        await using var scope = _db.As(_author, _company);
        Assert.True((await scope.ServiceProvider.GetRequiredService<CompanyService>().UpdateSettingsAsync(new CompanySettings("Acme", 7, count))).Succeeded);
    }

    /// <summary>A rule by the author whose tests passed: ready for review.</summary>
    private async Task<Guid> CreateAsync()
    {
        var rule = (await Rules(_author).CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;
        await _db.PassTestsAsync(_author, _company, rule);
        return rule;
    }

    /// <summary>Saves a new version as <paramref name="userId"/> and lets the test run that every save starts finish.</summary>
    private async Task SaveAsync(string userId, Guid rule, string content, int basedOn)
    {
        var saved = await Rules(userId).SaveAsync(rule, content, basedOn);
        Assert.True(saved.Succeeded, saved.Error?.Message);
        await _db.RunQueuedWorkAsync();
    }

    private RuleService Rules(string userId) => _db.As(userId, _company).ServiceProvider.GetRequiredService<RuleService>();

    private ApprovalService Approvals(string userId) => _db.As(userId, _company).ServiceProvider.GetRequiredService<ApprovalService>();
}
