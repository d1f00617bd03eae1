using CraftedSignal.Domain.Rules;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Rules;

public sealed class RuleLibraryServiceTests : IAsyncLifetime
{
    private TestDatabase _db = default!;
    private Guid _company;
    private string _author = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _author = await _db.AddUserAsync("uma@acme.test");
        _company = await _db.AddCompanyAsync("Acme", _author);
        await using var scope = _db.As(_author, _company, "uma@acme.test");
        var rules = scope.ServiceProvider.GetRequiredService<RuleService>();
        await rules.CreateAsync(new RuleDraft(RuleFormat.Sigma, Sigma("Whoami Execution", "high", "process_creation", "attack.discovery", "attack.t1033", "whoami.exe")));
        await rules.CreateAsync(new RuleDraft(RuleFormat.Sigma, Sigma("Encoded PowerShell", "critical", "process_creation", "attack.execution", "attack.t1059.001", "powershell.exe")));
        await rules.CreateAsync(new RuleDraft(RuleFormat.Sigma, Sigma("Run Key Persistence", "medium", "registry_set", "attack.persistence", "attack.t1547.001", "currentversion")));
        var active = await rules.CreateAsync(new RuleDraft(RuleFormat.Sigma, Sigma("Cmd Spawned By Office", "low", "process_creation", "attack.execution", "attack.t1059.003", "cmd.exe")));
        await rules.ChangeLifecycleAsync(active.Value!.RuleId, RuleLifecycle.Active);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task Search_FindsTitleDescriptionAndDetectionText() =>
        Assert.Equal(["Encoded PowerShell"], await TitlesAsync(new RuleQuery { Search = "POWERSHELL.EXE" }));

    [Fact]
    public async Task Technique_IncludesItsSubTechniques() =>
        Assert.Equal(["Cmd Spawned By Office", "Encoded PowerShell"], await TitlesAsync(new RuleQuery { Technique = "T1059", Sort = RuleSort.Title, Descending = false }));

    [Fact]
    public async Task Tactic_MatchesTheTacticTag() =>
        Assert.Equal(["Run Key Persistence"], await TitlesAsync(new RuleQuery { Tactic = "Persistence" }));

    [Fact]
    public async Task Lifecycle_AndLogSource_Combine() =>
        Assert.Equal(["Cmd Spawned By Office"], await TitlesAsync(new RuleQuery { Lifecycles = [RuleLifecycle.Active], LogSource = "process_creation" }));

    [Fact]
    public async Task Level_SortsBySeverityNotAlphabet() =>
        Assert.Equal(["Encoded PowerShell", "Whoami Execution", "Run Key Persistence", "Cmd Spawned By Office"], await TitlesAsync(new RuleQuery { Sort = RuleSort.Level }));

    [Fact]
    public async Task Status_TestStatus_AndOwner_Filter()
    {
        Assert.Equal(4, (await TitlesAsync(new RuleQuery { Status = "test", Owner = "uma" })).Count);
        Assert.Empty(await TitlesAsync(new RuleQuery { Status = "stable" }));
        Assert.Empty(await TitlesAsync(new RuleQuery { Owner = "someone else" }));
        Assert.Equal(4, (await TitlesAsync(new RuleQuery { TestStatus = RuleTestStatus.None })).Count);
        Assert.Empty(await TitlesAsync(new RuleQuery { TestStatus = RuleTestStatus.Passing }));
        Assert.Equal(["Run Key Persistence"], await TitlesAsync(new RuleQuery { Tag = "ATTACK.T1547.001" }));
    }

    [Fact]
    public async Task Paging_ReturnsThePageAndTheTotal()
    {
        await using var scope = _db.As(_author, _company);
        var library = scope.ServiceProvider.GetRequiredService<RuleLibraryService>();

        var page = (await library.ListAsync(new RuleQuery { Sort = RuleSort.Title, Descending = false, Page = 1, PageSize = 3 })).Value!;

        Assert.Equal(4, page.TotalCount);
        Assert.Equal(["Whoami Execution"], page.Rows.Select(r => r.Title));
    }

    [Fact]
    public async Task NoCompany_SeesNothing()
    {
        await using var scope = _db.As(_author, null);

        Assert.IsType<Domain.Tenancy.NoCurrentCompany>((await scope.ServiceProvider.GetRequiredService<RuleLibraryService>().ListAsync(new RuleQuery())).Error);
    }

    internal static string Sigma(string title, string level, string category, string tactic, string technique, string image) => $"""
        title: {title}
        status: test
        description: Detects {image}.
        tags:
            - {tactic}
            - {technique}
        logsource:
            category: {category}
            product: windows
        detection:
            selection:
                Image|endswith: '\{image}'
            condition: selection
        level: {level}
        """;

    private async Task<IReadOnlyList<string>> TitlesAsync(RuleQuery query)
    {
        await using var scope = _db.As(_author, _company);
        var page = (await scope.ServiceProvider.GetRequiredService<RuleLibraryService>().ListAsync(query)).Value!;
        return page.Rows.Select(r => r.Title).ToList();
    }
}
