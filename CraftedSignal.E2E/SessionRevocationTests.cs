using System.Text.RegularExpressions;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CraftedSignal.E2E;

/// <summary>An Admin signs a member out everywhere: the member's open tab stops working within seconds, without a reload.</summary>
public sealed class SessionRevocationTests(BrowserApp shared) : SharedAppTest(shared)
{
    [Fact]
    public async Task ARevokedSession_ClosesTheMembersOpenTab()
    {
        var team = await NewTeamAsync("Umbrella Detection");
        var user = await team.PageAsync(CompanyRole.User);
        await user.GotoAsync("/rules");
        await Browser.WaitForInteractiveAsync(user);
        await user.GotoAsync("/Account/Manage/Sessions");
        await Assertions.Expect(user.GetByLabel("Sessions")).ToContainTextAsync("(this browser)");
        await Browser.ShotAsync(user, "27-account-sessions");
        await user.GotoAsync("/rules");
        await Browser.WaitForInteractiveAsync(user);

        await using (var scope = App.Services.CreateAsyncScope())
        {
            var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
            await using (db)
            {
                var admin = await db.Users.Where(u => u.Email == team[CompanyRole.Admin].Email).Select(u => u.Id).SingleAsync();
                var member = await db.Users.Where(u => u.Email == team[CompanyRole.User].Email).Select(u => u.Id).SingleAsync();
                scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(team.CompanyId, admin, team[CompanyRole.Admin].Email, CompanyRole.Admin, null);
                Assert.True((await scope.ServiceProvider.GetRequiredService<SessionService>().RevokeMemberAsync(member)).Value >= 1);
            }
        }

        // The circuit hears of it at once and its user is signed out: the page goes to sign-in by itself.
        await Assertions.Expect(user).ToHaveURLAsync(new Regex("/Account/Login"), new() { Timeout = 15_000 });
        AssertNoContentSecurityPolicyViolations();
    }
}
