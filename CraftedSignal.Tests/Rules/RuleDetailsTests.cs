using System.Text.Json;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Rules;

/// <summary>Owner, noise budget, references and false positives; a native rule's metadata edited outside its query.</summary>
public sealed class RuleDetailsTests : IAsyncLifetime
{
    private TestDatabase _db = default!;
    private Guid _company;
    private string _author = "";
    private string _colleague = "";
    private string _viewer = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _author = await _db.AddUserAsync("uma@acme.test", "Uma");
        _colleague = await _db.AddUserAsync("carl@acme.test", "Carl");
        _viewer = await _db.AddUserAsync("vera@acme.test", "Vera");
        _company = await _db.AddCompanyAsync("Acme", _author);
        await _db.AddMemberAsync(_company, _colleague, CompanyRole.User);
        await _db.AddMemberAsync(_company, _viewer, CompanyRole.Viewer);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task SigmaRule_KeepsReferencesAndFalsePositivesFromItsYaml()
    {
        var content = RuleServiceTests.Whoami.Replace("falsepositives:", "references:\n    - https://attack.mitre.org/techniques/T1033/\nfalsepositives:", StringComparison.Ordinal);

        var id = (await Rules().CreateAsync(new RuleDraft(RuleFormat.Sigma, content))).Value!.RuleId;

        var details = (await Rules().GetAsync(id)).Value!;
        Assert.Equal(["https://attack.mitre.org/techniques/T1033/"], details.References);
        Assert.Equal(["Admin scripts"], details.FalsePositives);
    }

    [Fact]
    public async Task OwnerAndNoiseBudget_AreSavedAndAuditedWithBeforeAndAfter()
    {
        var id = await CreateSigmaAsync();

        var result = await Rules().UpdateDetailsAsync(id, new RuleDetailsChange(_colleague, 5, 40));

        Assert.True(result.Succeeded, result.Error?.Message);
        var details = (await Rules().GetAsync(id)).Value!;
        Assert.Equal((_colleague, "Carl", 5, 40), (details.OwnerUserId, details.OwnerName, details.NoiseExpectedPerDay, details.NoiseMaxPerDay));
        await using var db = _db.NewContext();
        var entry = await db.AuditEntries.IgnoreQueryFilters().SingleAsync(e => e.Action == AuditActions.RuleDetailsChanged);
        using var audit = JsonDocument.Parse(entry.Details!);
        Assert.Equal(["owner", "noiseExpectedPerDay", "noiseMaxPerDay"], audit.RootElement.GetProperty("changed").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Uma", audit.RootElement.GetProperty("before").GetProperty("owner").GetString());
        Assert.Equal("Carl", audit.RootElement.GetProperty("after").GetProperty("owner").GetString());
    }

    [Fact]
    public async Task SavingTheSameDetails_WritesNoAuditEntry()
    {
        var id = await CreateSigmaAsync();
        await Rules().UpdateDetailsAsync(id, new RuleDetailsChange(_author, 1, 2));

        Assert.True((await Rules().UpdateDetailsAsync(id, new RuleDetailsChange(_author, 1, 2))).Succeeded);

        await using var db = _db.NewContext();
        Assert.Equal(1, await db.AuditEntries.IgnoreQueryFilters().CountAsync(e => e.Action == AuditActions.RuleDetailsChanged));
    }

    [Theory]
    [InlineData(-1, null, "NoiseExpectedPerDay")]
    [InlineData(null, 1_000_001, "NoiseMaxPerDay")]
    [InlineData(50, 10, "NoiseMaxPerDay")]
    public async Task NoiseBudget_OutOfBounds_IsRefusedAndNothingChanges(int? expected, int? max, string field)
    {
        var id = await CreateSigmaAsync();

        var result = await Rules().UpdateDetailsAsync(id, new RuleDetailsChange(_author, expected, max));

        Assert.Equal(field, Assert.IsType<Invalid>(result.Error).Field);
        var details = (await Rules().GetAsync(id)).Value!;
        Assert.Null(details.NoiseExpectedPerDay);
        Assert.Null(details.NoiseMaxPerDay);
    }

    [Fact]
    public async Task Owner_MustBeAMemberWhoCanEditRules()
    {
        var id = await CreateSigmaAsync();
        var outsider = await _db.AddUserAsync("eve@globex.test", "Eve");
        await _db.AddCompanyAsync("Globex", outsider);

        Assert.Equal("Owner", Assert.IsType<Invalid>((await Rules().UpdateDetailsAsync(id, new RuleDetailsChange(_viewer, null, null))).Error).Field);
        Assert.Equal("Owner", Assert.IsType<Invalid>((await Rules().UpdateDetailsAsync(id, new RuleDetailsChange(outsider, null, null))).Error).Field);
        Assert.Equal("Owner", Assert.IsType<Invalid>((await Rules().UpdateDetailsAsync(id, new RuleDetailsChange("no-such-user", null, null))).Error).Field);

        var owners = (await Rules().ListPossibleOwnersAsync()).Value!;
        Assert.Equal(["Carl", "Uma"], owners.Select(o => o.Name));
    }

    [Fact]
    public async Task Viewer_AndAnotherCompany_CannotChangeDetails()
    {
        var id = await CreateSigmaAsync();
        var eve = await _db.AddUserAsync("eve@globex.test", "Eve");
        var globex = await _db.AddCompanyAsync("Globex", eve);

        Assert.IsType<NotPermitted>((await Rules(_viewer).UpdateDetailsAsync(id, new RuleDetailsChange(_viewer, 1, 1))).Error);
        await using var theirs = _db.As(eve, globex);
        Assert.IsType<NotFound>((await theirs.ServiceProvider.GetRequiredService<RuleService>().UpdateDetailsAsync(id, new RuleDetailsChange(eve, 1, 1))).Error);
    }

    [Fact]
    public async Task SigmaRule_RefusesNativeMetadata_ItLivesInTheYaml()
    {
        var id = await CreateSigmaAsync();

        var result = await Rules().UpdateDetailsAsync(id, new RuleDetailsChange(_author, null, null, new NativeMetadata("Other title")));

        Assert.Equal("Metadata", Assert.IsType<Invalid>(result.Error).Field);
        Assert.Equal("Whoami Execution", (await Rules().GetAsync(id)).Value!.Title);
    }

    [Fact]
    public async Task NativeRule_MetadataIsEditedInTheDetails_AndKeptThroughNewVersions()
    {
        var id = (await Rules().CreateAsync(new RuleDraft(RuleFormat.Native, "index=win EventCode=4688 whoami", NativeLanguage.Spl, "Whoami SPL"))).Value!.RuleId;
        var metadata = new NativeMetadata("Whoami in SPL", "Whoami run by anyone", "high", ["attack.discovery", "ATTACK.T1033"],
            ["https://attack.mitre.org/techniques/T1033/"], ["Inventory scripts"]);

        Assert.True((await Rules().UpdateDetailsAsync(id, new RuleDetailsChange(_author, null, null, metadata))).Succeeded);
        Assert.True((await Rules().SaveAsync(id, "index=win EventCode=4688 whoami.exe", 1)).Succeeded);

        var details = (await Rules().GetAsync(id)).Value!;
        Assert.Equal(("Whoami in SPL", "Whoami run by anyone", "high", 2), (details.Title, details.Description, details.Level, details.LatestVersion));
        Assert.Equal(["attack.discovery", "attack.t1033"], details.Tags);
        Assert.Equal(["https://attack.mitre.org/techniques/T1033/"], details.References);
        Assert.Equal(["Inventory scripts"], details.FalsePositives);
        var library = _db.As(_author, _company).ServiceProvider.GetRequiredService<RuleLibraryService>();
        Assert.Equal(1, (await library.ListAsync(new RuleQuery { Technique = "T1033" })).Value!.TotalCount);
        Assert.Equal(1, (await library.ListAsync(new RuleQuery { Search = "anyone" })).Value!.TotalCount);
    }

    [Fact]
    public async Task NativeRule_WithoutTitle_HasAnError_UntilTheDetailsGiveItOne()
    {
        var id = (await Rules().CreateAsync(new RuleDraft(RuleFormat.Native, "index=win whoami", NativeLanguage.Spl))).Value!.RuleId;
        Assert.True((await Rules().GetAsync(id)).Value!.HasErrors);

        await Rules().UpdateDetailsAsync(id, new RuleDetailsChange(_author, null, null, new NativeMetadata("Whoami")));

        Assert.False((await Rules().GetAsync(id)).Value!.HasErrors);
    }

    [Theory]
    [InlineData("", "medium", "x", "Title")]
    [InlineData("Ok", "severe", "x", "Level")]
    [InlineData("Ok", "medium", "attack t1059", "Tags")]
    [InlineData("Ok", "medium", "<script>", "Tags")]
    public async Task NativeMetadata_Invalid_SaysWhichField(string title, string level, string tag, string field)
    {
        var id = (await Rules().CreateAsync(new RuleDraft(RuleFormat.Native, "index=win whoami", NativeLanguage.Spl, "Whoami"))).Value!.RuleId;

        var result = await Rules().UpdateDetailsAsync(id, new RuleDetailsChange(_author, null, null, new NativeMetadata(title, null, level, [tag])));

        Assert.Equal(field, Assert.IsType<Invalid>(result.Error).Field);
        Assert.Equal("Whoami", (await Rules().GetAsync(id)).Value!.Title);
    }

    [Fact]
    public async Task NativeMetadata_TooManyOrTooLongReferences_AreRefused()
    {
        var id = (await Rules().CreateAsync(new RuleDraft(RuleFormat.Native, "index=win whoami", NativeLanguage.Spl, "Whoami"))).Value!.RuleId;

        var many = await Rules().UpdateDetailsAsync(id, new RuleDetailsChange(_author, null, null,
            new NativeMetadata("Whoami", References: Enumerable.Range(0, 51).Select(i => $"https://example.test/{i}").ToList())));
        var long_ = await Rules().UpdateDetailsAsync(id, new RuleDetailsChange(_author, null, null,
            new NativeMetadata("Whoami", References: ["ok", new string('x', 2001)])));

        Assert.Contains("at most 50", many.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", long_.Error!.Message, StringComparison.Ordinal);
    }

    private async Task<Guid> CreateSigmaAsync() =>
        (await Rules().CreateAsync(new RuleDraft(RuleFormat.Sigma, RuleServiceTests.Whoami))).Value!.RuleId;

    private RuleService Rules(string? userId = null) =>
        _db.As(userId ?? _author, _company, userId is null ? "Uma" : null).ServiceProvider.GetRequiredService<RuleService>();
}
