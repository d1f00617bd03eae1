using Bunit;
using CraftedSignal.Domain.Jobs;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Domain.Testing;
using CraftedSignal.Tests.Rules;
using CraftedSignal.Web.Components.Pages.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Components;

/// <summary>
/// The editor's side panel: problems (clicking one moves Monaco's cursor), converted queries, tests with their
/// progress and explanations, and the details form. Monaco itself runs in the browser and is covered by the E2E tests.
/// </summary>
public sealed class RuleEditorPageTests : IAsyncLifetime
{
    private const string WithUnknownModifier = """
        title: Whoami Execution
        status: test
        logsource:
            category: process_creation
            product: windows
        detection:
            selection:
                Image|endswiht: '\whoami.exe'
            condition: selection
        level: high
        """;

    private readonly ComponentTestContext _test = new();
    private string _author = "";
    private string _viewer = "";
    private Guid _company;

    public async Task InitializeAsync()
    {
        await _test.InitializeAsync();
        _author = await _test.Database.AddUserAsync("uma@acme.test", "Uma");
        _viewer = await _test.Database.AddUserAsync("vera@acme.test", "Vera");
        _company = await _test.Database.AddCompanyAsync("Acme", _author);
        await _test.Database.AddMemberAsync(_company, _viewer, CompanyRole.Viewer);
    }

    public Task DisposeAsync() => _test.DisposeAsync();

    [Fact]
    public async Task Problems_ListEachDiagnosticAtItsLine_AndClickingOneRevealsItInTheEditor()
    {
        var id = await CreateAsync(WithUnknownModifier);
        _test.SignIn(_author, "uma@acme.test", _company, CompanyRole.User);

        var page = Render(id);

        var problem = page.FindAll("[aria-label='Problems'] .mud-list-item").Single(i => i.TextContent.Contains("endswiht", StringComparison.Ordinal));
        Assert.Contains("line 8, column", problem.TextContent, StringComparison.Ordinal);
        var listed = page.FindAll("[aria-label='Problems'] .mud-list-item").Count;
        Assert.Contains($"Problems ({listed})", page.Find(".mud-tab").TextContent, StringComparison.Ordinal);
        problem.Click();
        var reveal = _test.Context.JSInterop.VerifyInvoke("sigmaEditor.reveal");
        Assert.Equal(["rule-editor", 8], reveal.Arguments.Take(2));
    }

    [Fact]
    public async Task Queries_ShowTheRuleConvertedForEveryTarget()
    {
        var id = await CreateAsync(RuleServiceTests.Whoami);
        _test.SignIn(_author, "uma@acme.test", _company, CompanyRole.User);
        var page = Render(id);

        OpenTab(page, "Queries");

        var queries = page.FindAll("pre.query");
        Assert.Equal(5, queries.Count);
        Assert.Contains("Image=\"*\\\\whoami.exe\"", page.Find("pre[aria-label='Splunk SPL query']").TextContent, StringComparison.Ordinal);
        Assert.Contains("endswith", page.Find("pre[aria-label='Microsoft Sentinel KQL query']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tests_ShowEachCasesResultAndTheSelectionThatMatched()
    {
        var id = await CreateAsync(RuleServiceTests.Whoami);
        await using (var scope = _test.Database.As(_author, _company, "Uma"))
        {
            var tests = scope.ServiceProvider.GetRequiredService<RuleTestService>();
            await tests.SaveCaseAsync(id, null, "whoami runs", TestExpectation.Alert, null, """{"Image": "C:\\Windows\\System32\\whoami.exe"}""");
            await tests.SaveCaseAsync(id, null, "notepad runs", TestExpectation.Alert, null, """{"Image": "C:\\Windows\\notepad.exe"}""");
            var run = (await tests.StartRunAsync(id)).Value;
            await _test.Database.RunWorkAsync(run);
        }

        _test.SignIn(_author, "uma@acme.test", _company, CompanyRole.User);
        var page = Render(id);
        OpenTab(page, "Tests");

        page.WaitForAssertion(() => Assert.Contains("Failed · version 1 · 1 passed, 1 failed", page.Find("[aria-label='Test run status']").TextContent, StringComparison.Ordinal));
        var cases = page.FindAll("[aria-label='Test cases'] .mud-list-item");
        Assert.Contains("Expected an alert, but none of 1 event(s) matched.", cases.Single(c => c.TextContent.Contains("notepad runs", StringComparison.Ordinal)).TextContent, StringComparison.Ordinal);
        Assert.Contains("event 0 matched by selection", cases.Single(c => c.TextContent.Contains("whoami runs", StringComparison.Ordinal)).TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tests_WhileRunning_ShowHowManyCasesAreDone()
    {
        var id = await CreateAsync(RuleServiceTests.Whoami);
        Guid run;
        await using (var scope = _test.Database.As(_author, _company, "Uma"))
        {
            var tests = scope.ServiceProvider.GetRequiredService<RuleTestService>();
            await tests.SaveCaseAsync(id, null, "a", TestExpectation.Alert, null, """{"Image": "x\\whoami.exe"}""");
            var b = (await tests.SaveCaseAsync(id, null, "b", TestExpectation.Alert, null, """{"Image": "x\\whoami.exe"}""")).Value;
            run = (await tests.StartRunAsync(id)).Value;
            await using var db = _test.Database.NewContext();
            var row = await db.TestRuns.IgnoreQueryFilters().SingleAsync(r => r.Id == run);
            row.Status = TestRunStatus.Running;
            row.CaseCount = 2;
            db.TestResults.Add(new TestResult { Id = Guid.NewGuid(), CompanyId = _company, TestRunId = run, TestCaseId = b, CaseName = "b", Passed = true, MatchCount = 1, EventCount = 1, Explanation = "[]", Message = "1 of 1 event(s) matched, as expected." });
            await db.SaveChangesAsync();
        }

        _test.SignIn(_author, "uma@acme.test", _company, CompanyRole.User);
        var page = Render(id);
        OpenTab(page, "Tests");

        page.WaitForAssertion(() => Assert.Contains("1 of 2 case(s) done", page.Markup, StringComparison.Ordinal));
        Assert.Contains("Running · 1 of 2", page.Find("[aria-label='Test run status']").TextContent, StringComparison.Ordinal);
        Assert.Single(page.FindAll(".case-pending"));
        Assert.NotNull(page.Find("button:contains('Run tests')").GetAttribute("disabled"));
    }

    [Fact]
    public async Task Details_NoiseBudgetBelowExpectation_IsRefusedOnTheField_AndAValidOneIsSaved()
    {
        var id = await CreateAsync(RuleServiceTests.Whoami);
        _test.SignIn(_author, "uma@acme.test", _company, CompanyRole.User);
        var page = Render(id);
        OpenTab(page, "Details");

        Assert.Contains("Admin scripts", page.Find("[aria-label='About this rule']").TextContent, StringComparison.Ordinal);
        var numbers = page.FindAll("input[inputmode='numeric'], input[type='number']");
        numbers[0].Change("50");
        numbers[1].Change("10");
        page.Find("button:contains('Save details')").Click();

        page.WaitForAssertion(() => Assert.Contains("The maximum (10) is below the expected 50 alerts per day", page.Markup, StringComparison.Ordinal));
        numbers = page.FindAll("input[inputmode='numeric'], input[type='number']");
        numbers[1].Change("80");
        page.Find("button:contains('Save details')").Click();
        await page.WaitForAssertionAsync(async () =>
        {
            await using var db = _test.Database.NewContext();
            var rule = await db.DetectionRules.IgnoreQueryFilters().SingleAsync(r => r.Id == id);
            Assert.Equal((50, 80), (rule.NoiseExpectedPerDay, rule.NoiseMaxPerDay));
        });
    }

    [Fact]
    public async Task Details_OfANativeRule_EditItsMetadata()
    {
        Guid id;
        await using (var scope = _test.Database.As(_author, _company, "Uma"))
            id = (await scope.ServiceProvider.GetRequiredService<RuleService>().CreateAsync(new RuleDraft(RuleFormat.Native, "index=win whoami", NativeLanguage.Spl, "Whoami SPL"))).Value!.RuleId;
        _test.SignIn(_author, "uma@acme.test", _company, CompanyRole.User);
        var page = Render(id);

        Assert.Contains("mud-disabled", page.FindAll(".mud-tab").Single(t => t.TextContent.Trim() == "Queries").ClassName, StringComparison.Ordinal);
        OpenTab(page, "Details");
        var fields = page.FindAll("textarea");
        fields[1].Change("attack.discovery\nattack.t1033");
        page.Find("button:contains('Save details')").Click();

        await page.WaitForAssertionAsync(async () =>
        {
            await using var db = _test.Database.NewContext();
            Assert.Equal(["attack.discovery", "attack.t1033"], await db.RuleTags.IgnoreQueryFilters().Where(t => t.RuleId == id).Select(t => t.Tag).OrderBy(t => t).ToListAsync());
        });
    }

    [Fact]
    public async Task Viewer_SeesTheRuleButNoWayToChangeIt()
    {
        var id = await CreateAsync(RuleServiceTests.Whoami);
        _test.SignIn(_viewer, "vera@acme.test", _company, CompanyRole.Viewer);
        var page = Render(id);

        Assert.Contains("Whoami Execution", page.Find("h1").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("button:contains('Save')"));
        Assert.DoesNotContain("Lifecycle", page.Markup, StringComparison.Ordinal);
        OpenTab(page, "Details");
        Assert.Empty(page.FindAll("button:contains('Save details')"));
        Assert.Contains("Uma", page.Find("[aria-label='Ownership and noise budget']").TextContent, StringComparison.Ordinal);
        OpenTab(page, "Tests");
        Assert.Empty(page.FindAll("button:contains('Add test')"));
    }

    [Fact]
    public async Task AnotherCompanysRule_CannotBeOpened()
    {
        var id = await CreateAsync(RuleServiceTests.Whoami);
        var eve = await _test.Database.AddUserAsync("eve@globex.test", "Eve");
        var globex = await _test.Database.AddCompanyAsync("Globex", eve);
        _test.SignIn(eve, "eve@globex.test", globex, CompanyRole.Owner);

        var page = Render(id);

        Assert.Contains("This rule cannot be opened", page.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("whoami", page.Markup, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ArchivedRule_SaysSo_OffersNoEditing_AndAnOwnerRestoresIt()
    {
        var id = await CreateAsync(RuleServiceTests.Whoami);
        await using (var scope = _test.Database.As(_author, _company, "Uma"))
            Assert.True((await scope.ServiceProvider.GetRequiredService<RuleService>().ArchiveAsync(id)).Succeeded);
        _test.SignIn(_author, "uma@acme.test", _company, CompanyRole.Owner);

        var page = Render(id);

        Assert.Contains("cannot change", page.FindAll(".mud-alert").Single(a => a.TextContent.Contains("Archived on", StringComparison.Ordinal)).TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("button:contains('Submit for review')"));
        Assert.Empty(page.FindAll("button:contains('Lifecycle')"));
        page.Find("button:contains('Restore from archive')").Click();

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("button:contains('Submit for review')")));
        await using var db = _test.Database.NewContext();
        Assert.Null((await db.DetectionRules.IgnoreQueryFilters().SingleAsync(r => r.Id == id)).ArchivedAt);
    }

    private IRenderedComponent<RuleEditorPage> Render(Guid id)
    {
        var page = _test.Context.Render<RuleEditorPage>(p => p.Add(x => x.RuleId, id));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear-indeterminate")));
        return page;
    }

    private static void OpenTab(IRenderedComponent<RuleEditorPage> page, string title) =>
        page.FindAll(".mud-tab").First(t => t.TextContent.Trim().StartsWith(title, StringComparison.Ordinal)).Click();

    private async Task<Guid> CreateAsync(string content)
    {
        await using var scope = _test.Database.As(_author, _company, "Uma");
        return (await scope.ServiceProvider.GetRequiredService<RuleService>().CreateAsync(new RuleDraft(RuleFormat.Sigma, content))).Value!.RuleId;
    }
}
