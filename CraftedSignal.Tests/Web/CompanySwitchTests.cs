using System.Net;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Tests.Web;

public sealed class CompanySwitchTests : IAsyncLifetime
{
    private readonly AppFactory _app = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Switch_ToAnotherOfTheUsersCompanies_ScopesEveryPageToIt()
    {
        var sam = await _app.AddUserAsync("sam@msp.test", "Sam Analyst");
        var acme = await _app.AddCompanyAsync("Acme", sam);
        var globexOwner = await _app.AddUserAsync("owner@globex.test", "Globex Owner");
        var globex = await _app.AddCompanyAsync("Globex", globexOwner);
        await _app.AddMemberAsync(globex, sam, CompanyRole.Viewer);
        var client = await _app.SignInAsync("sam@msp.test");

        var before = WebUtility.HtmlDecode(await client.GetStringAsync("/"));
        Assert.Contains("Acme · you are an Owner", before, StringComparison.Ordinal);

        var switched = await client.PostAsync("/Account/SwitchCompany", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["companyId"] = globex.ToString(),
            ["__RequestVerificationToken"] = await AppFactory.AntiforgeryTokenAsync(client, "/Account/Manage"),
        }));

        Assert.Equal(HttpStatusCode.Redirect, switched.StatusCode);
        var after = WebUtility.HtmlDecode(await client.GetStringAsync("/"));
        Assert.Contains("Globex · you are a Viewer", after, StringComparison.Ordinal);
        var users = await client.GetAsync("/settings/users");
        Assert.Contains("/Account/AccessDenied", users.Headers.Location?.ToString(), StringComparison.Ordinal);

        await using var db = _app.NewContext();
        var entry = await db.AuditEntries.IgnoreQueryFilters().SingleAsync(e => e.Action == AuditActions.CompanySwitched);
        Assert.Equal(globex, entry.CompanyId);
        Assert.Contains(acme.ToString(), entry.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemovedMember_LosesAccessOnTheNextRequest()
    {
        var owner = await _app.AddUserAsync("owner@acme.test", "Owner");
        var acme = await _app.AddCompanyAsync("Acme", owner);
        var admin = await _app.AddUserAsync("admin@acme.test", "Admin");
        await _app.AddMemberAsync(acme, admin, CompanyRole.Admin);
        var client = await _app.SignInAsync("admin@acme.test");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/settings/users")).StatusCode);

        await using (var db = _app.NewContext())
            await db.Memberships.IgnoreQueryFilters().Where(m => m.UserId == admin).ExecuteDeleteAsync();

        var response = await client.GetAsync("/settings/users");
        Assert.Contains("/Account/AccessDenied", response.Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.Contains("not a member of any company", await client.GetStringAsync("/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_WithUnknownEmail_IsAuditedOnTheInstanceChain()
    {
        var response = await AppFactory.PostFormAsync(_app.NewClient(), "/Account/Login", "login", new()
        {
            ["Input.Email"] = "ghost@nowhere.test",
            ["Input.Password"] = "whatever password",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("The email or password is not right.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await using var db = _app.NewContext();
        var entry = await db.AuditEntries.IgnoreQueryFilters().SingleAsync();
        Assert.Equal(AuditActions.SignInFailed, entry.Action);
        Assert.Null(entry.CompanyId);
        Assert.Equal("ghost@nowhere.test", entry.ActorName);
    }

    [Fact]
    public async Task SignInAndOut_AreAudited()
    {
        var owner = await _app.AddUserAsync("owner@acme.test", "Owner");
        var acme = await _app.AddCompanyAsync("Acme", owner);
        var client = await _app.SignInAsync("owner@acme.test");

        var token = await AppFactory.AntiforgeryTokenAsync(client, "/Account/Manage");
        var signedOut = await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ReturnUrl"] = "",
            ["__RequestVerificationToken"] = token,
        }));

        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        await using var db = _app.NewContext();
        var actions = await db.AuditEntries.IgnoreQueryFilters().Where(e => e.CompanyId == acme).OrderBy(e => e.Sequence).Select(e => e.Action).ToListAsync();
        Assert.Equal([AuditActions.SignIn, AuditActions.SignOut], actions);
        var afterwards = await client.GetAsync("/");
        Assert.Contains("/Account/Login", afterwards.Headers.Location?.ToString(), StringComparison.Ordinal);
    }
}
