using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Sandbox;
using CraftedSignal.Domain.Testing;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Sandbox;

public sealed class SandboxDemoTests : IAsyncLifetime
{
    private TestDatabase _db = default!;
    private Guid _company;
    private string _owner = "";

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        _owner = await _db.AddUserAsync("olivia@acme.test");
        _company = await _db.AddCompanyAsync("Acme", _owner);
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task TheDemo_DeploysRulesWhoseTestsPass_AndEachFiresOnAFewOfItsEvents()
    {
        var demo = await Service<SandboxDemo>().CreateAsync();
        Assert.True(demo.Succeeded, demo.Error?.Message);
        await _db.RunQueuedWorkAsync();
        await _db.RunQueuedWorkAsync();

        Assert.True(demo.Value!.Events >= 3000);
        var alerts = (await Service<SandboxService>().ListAlertsAsync(new AlertQuery(demo.Value.TargetId, Take: 500))).Value!;
        var rules = await Service<RuleLibraryService>().ListAsync(new RuleQuery());
        Assert.Equal(demo.Value.Rules, rules.Value!.TotalCount);
        Assert.All(rules.Value.Rows, r => Assert.Equal(RuleTestStatus.Passing, r.TestStatus));
        var perRule = alerts.Items.GroupBy(a => a.RuleTitle).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(demo.Value.Rules, perRule.Count);
        Assert.All(perRule.Values, count => Assert.InRange(count, 1, 10));
        Assert.All(alerts.Items.Where(a => a.RuleTitle.Contains("Office", StringComparison.Ordinal)),
            a => Assert.Equal("office_parent, shell_child", a.Selections));
        Assert.IsType<Conflict>((await Service<SandboxDemo>().CreateAsync()).Error);
        await using var db = _db.NewContext();
        var audit = await db.AuditEntries.IgnoreQueryFilters().SingleAsync(e => e.Action == AuditActions.SandboxDemoCreated);
        Assert.Contains("deployedWithoutReview", audit.Details!, StringComparison.Ordinal);
    }

    private T Service<T>()
        where T : notnull => _db.As(_owner, _company).ServiceProvider.GetRequiredService<T>();
}
