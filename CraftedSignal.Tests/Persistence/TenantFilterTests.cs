using CraftedSignal.Domain.Rules;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Persistence;

public sealed class TenantFilterTests : IAsyncLifetime
{
    private TestDatabase _db = default!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task EveryTenantOwnedEntity_IsFilteredByTheCurrentCompany()
    {
        await using var db = _db.NewContext();
        var owned = db.Model.GetEntityTypes().Where(e => typeof(ITenantOwned).IsAssignableFrom(e.ClrType)).ToList();

        Assert.True(owned.Count >= 12, $"only {owned.Count} tenant-owned entities in the model");
        Assert.All(owned, e => Assert.NotEmpty(e.GetDeclaredQueryFilters()));
    }

    [Fact]
    public async Task AnotherCompanysContext_SeesNoneOfTheRows()
    {
        var alice = await _db.AddUserAsync("alice@acme.test");
        var acme = await _db.AddCompanyAsync("Acme", alice);
        await using (var scope = _db.As(alice, acme))
            await scope.ServiceProvider.GetRequiredService<RuleService>().CreateAsync(new RuleDraft(RuleFormat.Sigma, Rules.RuleServiceTests.Whoami));
        var eve = await _db.AddUserAsync("eve@globex.test");
        var globex = await _db.AddCompanyAsync("Globex", eve);
        var theirs = new CurrentTenant();
        theirs.Set(globex, eve, "eve", CompanyRole.Owner, null);
        var ours = new CurrentTenant();
        ours.Set(acme, alice, "alice", CompanyRole.Owner, null);

        await using var globexDb = _db.NewContext(theirs);
        await using var acmeDb = _db.NewContext(ours);

        Assert.Equal((0, 0, 0), (await globexDb.DetectionRules.CountAsync(), await globexDb.RuleVersions.CountAsync(), await globexDb.RuleTags.CountAsync()));
        Assert.Equal((1, 1), (await acmeDb.DetectionRules.CountAsync(), await acmeDb.RuleVersions.CountAsync()));
    }
}
