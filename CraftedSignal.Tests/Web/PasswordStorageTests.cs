using CraftedSignal.Domain.Identity;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Web;

/// <summary>The app stores Argon2id PHC strings and upgrades older-cost hashes when their owner signs in.</summary>
public sealed class PasswordStorageTests : IAsyncLifetime
{
    private readonly AppFactory _app = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Register_StoresAnArgon2idPhcStringAtTheConfiguredCost()
    {
        await _app.AddUserAsync("olivia@acme.test", "Olivia");

        await using var db = _app.NewContext();
        var hash = await db.Users.Select(u => u.PasswordHash).SingleAsync();
        Assert.StartsWith("$argon2id$v=19$m=65536,t=3,p=4$", hash, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_WithAHashOfAnOlderCost_RehashesAtTheCurrentCost()
    {
        var userId = await _app.AddUserAsync("olivia@acme.test", "Olivia");
        var cheaper = new Argon2idPasswordHasher<ApplicationUser>(Microsoft.Extensions.Options.Options.Create(new PasswordHashingOptions { Iterations = 2, MemoryKiB = 19456, Parallelism = 1 }));
        await using (var db = _app.NewContext())
        {
            var user = await db.Users.SingleAsync(u => u.Id == userId);
            user.PasswordHash = cheaper.HashPassword(user, AppFactory.Password);
            await db.SaveChangesAsync();
        }

        await _app.SignInAsync("olivia@acme.test");

        await using var check = _app.NewContext();
        var upgraded = await check.Users.Where(u => u.Id == userId).Select(u => u.PasswordHash).SingleAsync();
        Assert.StartsWith("$argon2id$v=19$m=65536,t=3,p=4$", upgraded, StringComparison.Ordinal);
        await using var scope = _app.Services.CreateAsyncScope();
        Assert.Same(
            scope.ServiceProvider.GetRequiredService<IPasswordHasher<ApplicationUser>>(),
            _app.Services.GetRequiredService<IPasswordHasher<ApplicationUser>>());
    }
}
