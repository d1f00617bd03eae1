using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Rules;

public sealed class SemanticDiffTests
{
    [Fact]
    public void Compare_NamesChangedValuesModifiersSelectionsConditionAndMetadata()
    {
        var after = RuleServiceTests.Whoami
            .Replace("level: high", "level: critical", StringComparison.Ordinal)
            .Replace("Image|endswith: '\\whoami.exe'", "Image|endswith:\n            - '\\whoami.exe'\n            - '\\quser.exe'\n    filter:\n        User|contains: 'svc_'", StringComparison.Ordinal)
            .Replace("condition: selection", "condition: selection and not filter", StringComparison.Ordinal);

        var changes = SemanticDiff.Compare(RuleServiceTests.Whoami, after);

        Assert.Contains(changes, c => c is { Kind: ChangeKind.Changed, What: "level", Before: "high", After: "critical" });
        Assert.Contains(changes, c => c is { Kind: ChangeKind.Added, Area: "selection 'selection' Image|endswith", After: "\\quser.exe" });
        Assert.Contains(changes, c => c is { Kind: ChangeKind.Added, What: "selection 'filter'" });
        Assert.Contains(changes, c => c is { What: "condition", Before: "selection", After: "selection and not filter" });
    }

    [Fact]
    public void Compare_IgnoresFormattingAndComments()
    {
        var reformatted = "# tuned by Olivia\n" + RuleServiceTests.Whoami.Replace("    ", "  ", StringComparison.Ordinal);

        Assert.Empty(SemanticDiff.Compare(RuleServiceTests.Whoami, reformatted));
    }

    [Fact]
    public async Task Restore_SavesTheOldContentAsTheNewestVersion()
    {
        await using var db = await TestDatabase.CreateAsync();
        var author = await db.AddUserAsync("uma@acme.test");
        var company = await db.AddCompanyAsync("Acme", author);
        await using var scope = db.As(author, company, "uma@acme.test");
        var rules = scope.ServiceProvider.GetRequiredService<RuleService>();
        var id = (await rules.CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;
        await rules.SaveAsync(id, RuleServiceTests.Whoami.Replace("level: high", "level: low", StringComparison.Ordinal), 1);

        var restored = await rules.RestoreAsync(id, 1);

        Assert.Equal(3, restored.Value!.Version);
        var details = (await rules.GetAsync(id)).Value!;
        Assert.Equal(RuleServiceTests.Whoami, details.Content);
        Assert.Equal("Restored version 1", details.Versions[0].Message);
        Assert.IsType<Domain.Common.NotFound>((await rules.GetVersionContentAsync(id, 9)).Error);
    }
}
