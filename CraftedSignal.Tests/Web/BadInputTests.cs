using System.Net;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Web;

/// <summary>Hostile and malformed form input gets a clear message on the same page; nothing is created and nothing crashes.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private readonly AppFactory _app = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<string, string, string, string> BadRegistrations() => new()
    {
        { "", "Olivia", "olivia@acme.test", "Enter a company name." },
        { new string('x', 5000), "Olivia", "olivia@acme.test", "at most 100 characters" },
        { "Acme", "", "olivia@acme.test", "Enter your name, as your colleagues will see it." },
        { "Acme", "Olivia", "not-an-email", "Enter a valid email address" },
        { "Acme", "Olivia", new string('a', 300) + "@acme.test", "at most 256 characters" },
        { "Acme", "Olivia\u0007\u001b[31m", "olivia@acme.test", "control characters" },
    };

    [Theory]
    [MemberData(nameof(BadRegistrations))]
    public async Task Register_WithBadInput_SaysWhatIsWrongAndCreatesNothing(string company, string name, string email, string message)
    {
        var response = await AppFactory.PostFormAsync(_app.NewClient(), "/Account/Register", "register", new()
        {
            ["Input.CompanyName"] = company,
            ["Input.DisplayName"] = name,
            ["Input.Email"] = email,
            ["Input.Password"] = AppFactory.Password,
            ["Input.ConfirmPassword"] = AppFactory.Password,
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(message, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        await using var db = _app.NewContext();
        Assert.False(await db.Users.AnyAsync());
        Assert.False(await db.Companies.AnyAsync());
    }

    [Fact]
    public async Task Register_WithAHugePassword_IsRefusedBeforeHashing()
    {
        var huge = new string('p', 1_000_000);
        var response = await AppFactory.PostFormAsync(_app.NewClient(), "/Account/Register", "register", new()
        {
            ["Input.CompanyName"] = "Acme",
            ["Input.DisplayName"] = "Olivia",
            ["Input.Email"] = "olivia@acme.test",
            ["Input.Password"] = huge,
            ["Input.ConfirmPassword"] = huge,
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("between 12 and 256 characters", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_WithMissingFields_ShowsTheFormAgain()
    {
        var response = await AppFactory.PostFormAsync(_app.NewClient(), "/Account/Register", "register", new());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Choose a password.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_AfterTheInstanceIsClaimed_IsClosedWithoutAnInvitation()
    {
        var owner = await _app.AddUserAsync("olivia@acme.test", "Olivia");
        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var onboarding = scope.ServiceProvider.GetRequiredService<Domain.Tenancy.OnboardingService>();
            Assert.True((await onboarding.ClaimAsync(owner, "Acme", Domain.Audit.Actor.System)).Succeeded);
        }

        var html = WebUtility.HtmlDecode(await _app.NewClient().GetStringAsync("/Account/Register"));

        Assert.Contains("Registration is by invitation", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Input.Password", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/invite/not-a-real-token")]
    [InlineData("/invite/%3Cscript%3Ealert(1)%3C%2Fscript%3E")]
    [InlineData("/Account/Register?invitation=forged")]
    public async Task InvitationLink_ThatIsNotValid_SaysSo(string path)
    {
        var response = await _app.NewClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("This invitation link is not valid.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert(1)</script>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_WithAHugePassword_IsRefusedWithAMessage()
    {
        var response = await AppFactory.PostFormAsync(_app.NewClient(), "/Account/Login", "login", new()
        {
            ["Input.Email"] = "olivia@acme.test",
            ["Input.Password"] = new string('p', 1_000_000),
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("A password can be at most 256 characters.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
