using Bunit;
using CraftedSignal.Domain.Approvals;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Rules;
using CraftedSignal.Web.Components.Pages.Reviews;
using CraftedSignal.Web.Components.Pages.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CraftedSignal.Tests.Components;

/// <summary>Submitting from the editor, the review queue, and deciding on the review page, as author, reviewer and Viewer.</summary>
public sealed class ReviewPagesTests : IAsyncLifetime
{
    private readonly ComponentTestContext _test = new();
    private string _author = "";
    private string _reviewer = "";
    private string _viewer = "";
    private Guid _company;

    public async Task InitializeAsync()
    {
        await _test.InitializeAsync();
        _author = await _test.Database.AddUserAsync("uma@acme.test", "Uma");
        _reviewer = await _test.Database.AddUserAsync("rita@acme.test", "Rita");
        _viewer = await _test.Database.AddUserAsync("vera@acme.test", "Vera");
        _company = await _test.Database.AddCompanyAsync("Acme", _author);
        await _test.Database.AddMemberAsync(_company, _reviewer, CompanyRole.User);
        await _test.Database.AddMemberAsync(_company, _viewer, CompanyRole.Viewer);
    }

    public Task DisposeAsync() => _test.DisposeAsync();

    [Fact]
    public async Task Editor_RuleWithErrors_CannotBeSubmittedForReview()
    {
        var id = await CreateAsync("title: Half typed\ndetection:\n  sel:\n    Image|endswiht: x\n  condition: sel\n");
        _test.SignIn(_author, "uma@acme.test", _company, CompanyRole.User);

        var page = RenderEditor(id);

        var submit = page.Find("button:contains('Submit for review')");
        Assert.True(submit.HasAttribute("disabled"));
        Assert.Contains("cannot be submitted for review until they are fixed", page.Find("[aria-label='Why it cannot be reviewed']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Editor_SubmitForReview_QueuesTheVersionAndShowsItsStatus()
    {
        var id = await CreateAsync(RuleServiceTests.Whoami);
        _test.SignIn(_author, "uma@acme.test", _company, CompanyRole.User);
        var dialogs = _test.Context.Render<MudDialogProvider>();
        var page = RenderEditor(id);

        page.Find("button:contains('Submit for review')").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Note to reviewers", dialogs.Markup, StringComparison.Ordinal));
        dialogs.Find("textarea").Change("Tightened the image match.");
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Submit for review").Click();

        page.WaitForAssertion(() => Assert.Contains("In review · 0 of 1", page.Find("[aria-label='Review status']").TextContent, StringComparison.Ordinal));
        Assert.True(page.Find("button:contains('Submit for review')").HasAttribute("disabled"));
        await using var db = _test.Database.NewContext();
        var request = await db.ApprovalRequests.IgnoreQueryFilters().SingleAsync();
        Assert.Equal(("Tightened the image match.", 1, ApprovalStatus.Pending), (request.Message, request.RuleVersion, request.Status));
    }

    [Fact]
    public async Task Queue_ListsOpenReviews_AndSaysSoWhenThereAreNone()
    {
        _test.SignIn(_reviewer, "rita@acme.test", _company, CompanyRole.User);
        var empty = _test.Context.Render<ReviewsPage>();
        empty.WaitForAssertion(() => Assert.Contains("Nothing waiting for review", empty.Markup, StringComparison.Ordinal));

        await SubmitAsync(await CreateAsync(RuleServiceTests.Whoami));
        var page = _test.Context.Render<ReviewsPage>();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[aria-label='Reviews'] tbody tr")));
        Assert.Contains("Whoami Execution", page.Markup, StringComparison.Ordinal);
        Assert.Contains("In review · 0 of 1", page.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reviewer_SeesTheRiskAndApproves()
    {
        var review = await SubmitAsync(await CreateAsync(RuleServiceTests.Whoami));
        _test.SignIn(_reviewer, "rita@acme.test", _company, CompanyRole.User);
        var page = RenderReview(review);

        Assert.Contains("Level high: its alerts page people.", page.Find("[aria-label='Risk reasons']").TextContent, StringComparison.Ordinal);
        Assert.Contains("No earlier version: a new rule", page.Markup, StringComparison.Ordinal);
        page.Find("button:contains('Approve')").Click();

        page.WaitForAssertion(() => Assert.Equal("Approved", page.Find("[aria-label='Review status']").TextContent.Trim()));
        Assert.Contains("rita@acme.test · approved", page.Find("[aria-label='Decisions']").TextContent, StringComparison.Ordinal);
        Assert.Contains("This review is approved", page.Find("[aria-label='Why you cannot decide']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reviewer_AskingForChangesWithoutAComment_IsToldToSayWhat()
    {
        var review = await SubmitAsync(await CreateAsync(RuleServiceTests.Whoami));
        _test.SignIn(_reviewer, "rita@acme.test", _company, CompanyRole.User);
        var page = RenderReview(review);

        page.Find("button:contains('Request changes')").Click();

        page.WaitForAssertion(() => Assert.Contains("needs a comment for the author", page.Markup, StringComparison.Ordinal));
        Assert.Contains("In review", page.Find("[aria-label='Review status']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Author_CannotDecideTheirOwnChange_ButCanWithdrawIt()
    {
        var review = await SubmitAsync(await CreateAsync(RuleServiceTests.Whoami));
        _test.SignIn(_author, "uma@acme.test", _company, CompanyRole.User);
        var page = RenderReview(review);

        Assert.Empty(page.FindAll("button:contains('Approve')"));
        Assert.Contains("Authors never approve their own changes", page.Find("[aria-label='Why you cannot decide']").TextContent, StringComparison.Ordinal);
        page.Find("button:contains('Withdraw this review')").Click();

        page.WaitForAssertion(() => Assert.Equal("Withdrawn", page.Find("[aria-label='Review status']").TextContent.Trim()));
    }

    [Fact]
    public async Task Viewer_ReadsTheReviewWithoutButtons()
    {
        var review = await SubmitAsync(await CreateAsync(RuleServiceTests.Whoami));
        _test.SignIn(_viewer, "vera@acme.test", _company, CompanyRole.Viewer);

        var page = RenderReview(review);

        Assert.Empty(page.FindAll("button:contains('Approve')"));
        Assert.Empty(page.FindAll("button:contains('Withdraw')"));
        Assert.Contains("Your role can read reviews but not decide them.", page.Markup, StringComparison.Ordinal);
    }

    private IRenderedComponent<RuleEditorPage> RenderEditor(Guid id)
    {
        var page = _test.Context.Render<RuleEditorPage>(p => p.Add(x => x.RuleId, id));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("h1")));
        return page;
    }

    private IRenderedComponent<ReviewPage> RenderReview(Guid id)
    {
        var page = _test.Context.Render<ReviewPage>(p => p.Add(x => x.ReviewId, id));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("h1")));
        return page;
    }

    private async Task<Guid> CreateAsync(string content)
    {
        Guid rule;
        await using (var scope = _test.Database.As(_author, _company, "Uma"))
            rule = (await scope.ServiceProvider.GetRequiredService<RuleService>().CreateAsync(new RuleDraft(RuleFormat.Sigma, content))).Value!.RuleId;
        await _test.Database.PassTestsAsync(_author, _company, rule);
        return rule;
    }

    private async Task<Guid> SubmitAsync(Guid rule)
    {
        await using var scope = _test.Database.As(_author, _company, "Uma");
        return (await scope.ServiceProvider.GetRequiredService<ApprovalService>().SubmitAsync(rule)).Value;
    }
}
