using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Tenancy;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace CraftedSignal.E2E;

/// <summary>
/// The app on a loopback port and a Chromium to drive it. One is shared by every browser test that does not need a fresh
/// instance (<see cref="SharedAppCollection"/>); each such test gets a <see cref="Team"/> of its own, so it sees only its
/// own company's rules and reviews.
/// </summary>
public sealed class BrowserApp : IAsyncLifetime
{
    private int _teams;

    public AppHost App { get; } = new();

    public Browser Chromium { get; } = new();

    public async Task InitializeAsync()
    {
        App.Start();
        await Chromium.StartAsync();
    }

    /// <summary>Where the members' stored browser states (their session cookies) are kept while the app runs.</summary>
    public string StateDirectory { get; } = Directory.CreateTempSubdirectory("craftedsignal-e2e-state-").FullName;

    public async Task DisposeAsync()
    {
        await Chromium.DisposeAsync();
        await App.DisposeAsync();
        Directory.Delete(StateDirectory, recursive: true);
    }

    /// <summary>A company with an Owner, an Admin, a User and a Viewer (Olivia, Adam, Uma and Vera), none signed in yet.</summary>
    public async Task<Team> NewTeamAsync(string company = "Acme Detection")
    {
        var number = Interlocked.Increment(ref _teams);
        await using var scope = App.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var now = DateTime.UtcNow;
        var companyId = Guid.CreateVersion7();
        var members = new Dictionary<CompanyRole, Member>();
        await using var db = await scope.ServiceProvider.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        db.Companies.Add(new Company { Id = companyId, Name = company, CreatedAt = now });
        foreach (var (role, name) in new[] { (CompanyRole.Owner, "Olivia Owner"), (CompanyRole.Admin, "Adam Admin"), (CompanyRole.User, "Uma User"), (CompanyRole.Viewer, "Vera Viewer") })
        {
            var first = name.Split(' ')[0].ToLowerInvariant();
            var email = number == 1 ? $"{first}@acme.test" : $"{first}+{number}@acme.test";
            var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = name, CreatedAt = now };
            var created = await users.CreateAsync(user, BrowserTestBase.Password);
            Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
            db.Memberships.Add(new Membership { Id = Guid.CreateVersion7(), CompanyId = companyId, UserId = user.Id, Role = role, JoinedAt = now });
            members[role] = new Member(email, name);
        }

        await db.SaveChangesAsync();
        return new Team(this, companyId, members);
    }
}

public sealed record Member(string Email, string Name)
{
    public string FirstName => Name.Split(' ')[0];
}

/// <summary>
/// A company's people in the browser. Each member signs in once, through the sign-in page; every later page of theirs
/// starts from the browser state that sign-in stored (its cookies), as a returning user's browser would.
/// </summary>
public sealed class Team(BrowserApp shared, Guid companyId, IReadOnlyDictionary<CompanyRole, Member> members)
{
    private readonly Dictionary<CompanyRole, string> _states = [];

    public Guid CompanyId { get; } = companyId;

    public Member this[CompanyRole role] => members[role];

    /// <summary>A new browser page signed in as the member with <paramref name="role"/>, on the dashboard and interactive.</summary>
    public async Task<IPage> PageAsync(CompanyRole role, int width = 1366, int height = 860, string colorScheme = "light")
    {
        var member = members[role];
        if (_states.TryGetValue(role, out var state))
        {
            var returning = await shared.Chromium.NewPageAsync(shared.App.BaseUrl, width, height, colorScheme, state);
            await returning.GotoAsync("/");
            await WelcomedAsync(returning, member);
            return returning;
        }

        var page = await shared.Chromium.NewPageAsync(shared.App.BaseUrl, width, height, colorScheme);
        await page.GotoAsync("/Account/Login");
        await page.GetByLabel("Email").FillAsync(member.Email);
        await page.GetByLabel("Password").FillAsync(BrowserTestBase.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await WelcomedAsync(page, member);
        var path = Path.Combine(shared.StateDirectory, $"{Guid.NewGuid():N}.json");
        await page.Context.StorageStateAsync(new() { Path = path });
        _states[role] = path;
        return page;
    }

    private static async Task WelcomedAsync(IPage page, Member member)
    {
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Welcome, {member.FirstName}" })).ToBeVisibleAsync();
        await Browser.WaitForInteractiveAsync(page);
    }
}

[CollectionDefinition(Name)]
public sealed class SharedAppCollection : ICollectionFixture<BrowserApp>
{
    public const string Name = "shared app";
}
