using System.Net;
using CraftedSignal.Domain.Audit;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Tenancy;
using CraftedSignal.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Web;

/// <summary>Server-side sessions: the cookie names a row, and ending the row ends the cookie, whoever holds a copy of it.</summary>
public sealed class SessionTests : IAsyncLifetime
{
    private readonly AppFactory _app = new();
    private string _owner = "";
    private string _admin = "";
    private string _viewer = "";
    private Guid _acme;

    public async Task InitializeAsync()
    {
        _owner = await _app.AddUserAsync("owner@acme.test", "Owner");
        _admin = await _app.AddUserAsync("admin@acme.test", "Admin");
        _viewer = await _app.AddUserAsync("viewer@acme.test", "Viewer");
        _acme = await _app.AddCompanyAsync("Acme", _owner);
        await _app.AddMemberAsync(_acme, _admin, CompanyRole.Admin);
        await _app.AddMemberAsync(_acme, _viewer, CompanyRole.Viewer);
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task ACookieCopiedBeforeSignOut_IsRefusedAfterIt()
    {
        var cookie = await _app.SignInCookieAsync("viewer@acme.test");
        Assert.Equal(HttpStatusCode.OK, (await _app.GetWithCookieAsync("/", cookie)).StatusCode);

        var client = _app.NewClient();
        client.DefaultRequestHeaders.Add("Cookie", cookie);
        var token = await AppFactory.AntiforgeryTokenAsync(client, "/Account/Manage");
        await client.PostAsync("/Account/Logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["ReturnUrl"] = "", ["__RequestVerificationToken"] = token }));

        Assert.Contains("/Account/Login", (await _app.GetWithCookieAsync("/", cookie)).Headers.Location?.ToString(), StringComparison.Ordinal);
        await using var db = _app.NewContext();
        Assert.Equal("signed out", (await db.UserSessions.SingleAsync(s => s.UserId == _viewer)).RevokedReason);
    }

    [Fact]
    public async Task TheCookie_IsAPasetoTokenNamingTheSession_AndAnAlteredOneIsRefused()
    {
        var cookie = await _app.SignInCookieAsync("viewer@acme.test");
        var token = Uri.UnescapeDataString(cookie["craftedsignal.auth=".Length..]);
        await using var db = _app.NewContext();
        var session = await db.UserSessions.SingleAsync(s => s.UserId == _viewer);

        Assert.StartsWith("v2.local.", token, StringComparison.Ordinal);
        Assert.DoesNotContain(session.Id.ToString("N"), token, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _app.GetWithCookieAsync("/", cookie)).StatusCode);
        var i = "v2.local.".Length + 30;
        var altered = token[..i] + (token[i] == 'A' ? 'B' : 'A') + token[(i + 1)..];
        Assert.Contains("/Account/Login", (await _app.GetWithCookieAsync("/", "craftedsignal.auth=" + altered)).Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.Contains("/Account/Login", (await _app.GetWithCookieAsync("/", "craftedsignal.auth=v2.local.AAAA")).Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.Contains("/Account/Login", (await _app.GetWithCookieAsync("/", "craftedsignal.auth=" + new string('x', 5000))).Headers.Location?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AUser_SeesTheirSessions_AndSignsOutAnotherBrowser_WhichIsRefusedAtItsNextRequest()
    {
        var laptop = await _app.SignInCookieAsync("viewer@acme.test");
        var phone = await _app.SignInCookieAsync("viewer@acme.test");

        var page = WebUtility.HtmlDecode(await (await _app.GetWithCookieAsync("/Account/Manage/Sessions", laptop)).Content.ReadAsStringAsync());
        var sessions = Service(_viewer).ListMineAsync(null);
        var list = (await sessions).Value!;
        Assert.Equal(2, list.Count);
        Assert.Contains("(this browser)", page, StringComparison.Ordinal);
        Assert.Contains("Sign out everywhere else", page, StringComparison.Ordinal);

        await using var db = _app.NewContext();
        var phoneSession = (await db.UserSessions.OrderBy(s => s.CreatedAt).ToListAsync())[1].Id;
        Assert.Equal(1, (await Service(_viewer).RevokeMineAsync(phoneSession, null)).Value);

        Assert.Contains("/Account/Login", (await _app.GetWithCookieAsync("/", phone)).Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _app.GetWithCookieAsync("/", laptop)).StatusCode);
        Assert.IsType<NotFound>((await Service(_admin).RevokeMineAsync((await db.UserSessions.FirstAsync(s => s.UserId == _viewer && s.RevokedAt == null)).Id, null)).Error);
        Assert.True(await db.AuditEntries.IgnoreQueryFilters().AnyAsync(e => e.Action == AuditActions.SessionsRevoked && e.ActorUserId == _viewer));
        // The ticket is sealed: neither the user id's claims nor the security stamp are readable in the row.
        var stamp = await db.Users.Where(u => u.Id == _viewer).Select(u => u.SecurityStamp).SingleAsync();
        Assert.All(await db.UserSessions.Select(s => s.Ticket).ToListAsync(), t => Assert.DoesNotContain(stamp!, System.Text.Encoding.UTF8.GetString(t), StringComparison.Ordinal));
    }

    [Fact]
    public async Task ChangingThePassword_SignsOutEveryOtherBrowser_AndKeepsTheOneThatChangedIt()
    {
        var other = await _app.SignInCookieAsync("viewer@acme.test");
        var client = await _app.SignInAsync("viewer@acme.test");
        const string newPassword = "another long passphrase for the viewer";

        var changed = await AppFactory.PostFormAsync(client, "/Account/Manage/ChangePassword", "change-password", new()
        {
            ["Input.OldPassword"] = AppFactory.Password,
            ["Input.NewPassword"] = newPassword,
            ["Input.ConfirmPassword"] = newPassword,
        });

        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        Assert.Contains("/Account/Login", (await _app.GetWithCookieAsync("/", other)).Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        await using var db = _app.NewContext();
        var entry = await db.AuditEntries.IgnoreQueryFilters().SingleAsync(e => e.Action == AuditActions.PasswordChanged);
        Assert.Contains("\"other_sessions_ended\":1", entry.Details, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAdmin_SignsAMemberOutEverywhere_ButNotAnOwner_AndNotAnotherCompanysMember()
    {
        var viewer = await _app.SignInCookieAsync("viewer@acme.test");
        var owner = await _app.SignInCookieAsync("owner@acme.test");
        var stranger = await _app.AddUserAsync("eve@globex.test", "Eve");
        await _app.AddCompanyAsync("Globex", stranger);

        Assert.Equal(1, (await Service(_admin).RevokeMemberAsync(_viewer)).Value);
        Assert.IsType<Forbidden>((await Service(_admin).RevokeMemberAsync(_owner)).Error);
        Assert.IsType<NotFound>((await Service(_admin).RevokeMemberAsync(stranger)).Error);
        Assert.IsType<NotPermitted>((await Service(_viewer).RevokeMemberAsync(_admin)).Error);

        Assert.Contains("/Account/Login", (await _app.GetWithCookieAsync("/", viewer)).Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _app.GetWithCookieAsync("/", owner)).StatusCode);
        await using var db = _app.NewContext();
        var entry = await db.AuditEntries.IgnoreQueryFilters().SingleAsync(e => e.Action == AuditActions.SessionsRevoked);
        Assert.Equal((_admin, _acme, _viewer), (entry.ActorUserId, entry.CompanyId!.Value, entry.TargetId));
    }

    private SessionService Service(string userId)
    {
        var scope = _app.Services.CreateScope();
        var role = _app.NewContext().Memberships.IgnoreQueryFilters().Where(m => m.UserId == userId && m.CompanyId == _acme).Select(m => (CompanyRole?)m.Role).SingleOrDefault();
        scope.ServiceProvider.GetRequiredService<CurrentTenant>().Set(role is null ? null : _acme, userId, userId, role, null);
        return scope.ServiceProvider.GetRequiredService<SessionService>();
    }
}
