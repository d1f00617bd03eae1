using System.Net;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Security;
using CraftedSignal.Tests.Infrastructure;
using CraftedSignal.Web.Identity;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CraftedSignal.Tests.Web;

/// <summary>
/// Someone holding a copy of the data folder, without the master secret: the Data Protection keys (which sign the
/// cookies), the TOTP secrets and the recovery codes are all sealed under a key derived from it, so the copy gives them
/// no cookie and no code. With the master secret, the copy works (the control that proves the test can tell).
/// </summary>
public sealed class KeysAtRestTests : IAsyncLifetime
{
    private const string OtherSecret = "someone else's master secret, not ours: 7f3a9c1e5b2d8f4a6c0e";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "craftedsignal-at-rest-" + Guid.NewGuid().ToString("N"));
    private readonly List<string> _folders = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        foreach (var folder in _folders.Append(_folder))
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Still held by SQLite's pool on some runs; the temp folder is cleaned by the OS.
            }
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task ACopyOfTheDataFolder_WithoutTheMasterSecret_GivesNoUsableCookie_AndWithItDoes()
    {
        string cookie;
        await using (var app = new AppFactory(_folder))
        {
            var owner = await app.AddUserAsync("owner@acme.test", "Owner");
            await app.AddCompanyAsync("Acme", owner);
            cookie = await app.SignInCookieAsync("owner@acme.test");
            Assert.Equal(HttpStatusCode.OK, (await app.GetWithCookieAsync("/", cookie)).StatusCode);
        }

        var keyFiles = Directory.GetFiles(Path.Combine(_folder, "keys"), "key-*.xml");
        Assert.NotEmpty(keyFiles);
        Assert.All(keyFiles, f =>
        {
            var xml = File.ReadAllText(f);
            Assert.Contains("sealedKey", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        });

        await using (var stranger = new AppFactory(Copy(), settings: new Dictionary<string, string> { ["Security:MasterSecret"] = OtherSecret }))
            Assert.Contains("/Account/Login", (await stranger.GetWithCookieAsync("/", cookie)).Headers.Location?.ToString(), StringComparison.Ordinal);
        await using (var restored = new AppFactory(Copy()))
            Assert.Equal(HttpStatusCode.OK, (await restored.GetWithCookieAsync("/", cookie)).StatusCode);
    }

    [Fact]
    public async Task AuthenticatorKeysAndRecoveryCodes_AreSealed_AndACopyWithoutTheMasterSecretAcceptsNoCode()
    {
        string key;
        IReadOnlyList<string> codes;
        await using (var app = new AppFactory(_folder))
        {
            var userId = await app.AddUserAsync("owner@acme.test", "Owner");
            await using var scope = app.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = (await users.FindByIdAsync(userId))!;
            await users.ResetAuthenticatorKeyAsync(user);
            key = (await users.GetAuthenticatorKeyAsync(user))!;
            codes = [.. (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))!];
            Assert.True(await users.VerifyTwoFactorTokenAsync(user, TokenOptions.DefaultAuthenticatorProvider, Totp(key)));

            await using var db = app.NewContext();
            var stored = await db.UserTokens.Where(t => t.UserId == userId).Select(t => t.Value!).ToListAsync();
            Assert.Equal(2, stored.Count);
            Assert.All(stored, v => Assert.StartsWith(AtRestKey.TextPrefix, v, StringComparison.Ordinal));
            Assert.DoesNotContain(stored, v => v.Contains(key, StringComparison.Ordinal) || v.Contains(codes[0], StringComparison.Ordinal));
        }

        await using (var stranger = new AppFactory(Copy(), settings: new Dictionary<string, string> { ["Security:MasterSecret"] = OtherSecret }))
        {
            await using var scope = stranger.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = (await users.FindByEmailAsync("owner@acme.test"))!;
            Assert.Null(await users.GetAuthenticatorKeyAsync(user));
            Assert.False(await users.VerifyTwoFactorTokenAsync(user, TokenOptions.DefaultAuthenticatorProvider, Totp(key)));
            Assert.False((await users.RedeemTwoFactorRecoveryCodeAsync(user, codes[0])).Succeeded);
        }

        await using (var restored = new AppFactory(Copy()))
        {
            await using var scope = restored.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = (await users.FindByEmailAsync("owner@acme.test"))!;
            Assert.True(await users.VerifyTwoFactorTokenAsync(user, TokenOptions.DefaultAuthenticatorProvider, Totp(key)));
            Assert.True((await users.RedeemTwoFactorRecoveryCodeAsync(user, codes[0])).Succeeded);
        }
    }

    [Fact]
    public async Task WhatWasStoredBeforeSealing_IsSealedAtTheNextStart()
    {
        string userId;
        await using (var app = new AppFactory(_folder))
        {
            userId = await app.AddUserAsync("owner@acme.test", "Owner");
            await using var db = app.NewContext();
            db.UserTokens.Add(new IdentityUserToken<string> { UserId = userId, LoginProvider = SealedTokenUserStore.InternalLoginProvider, Name = "AuthenticatorKey", Value = "JBSWY3DPEHPK3PXP" });
            await db.SaveChangesAsync();
        }

        // A key written by an older version: its secret in the clear.
        DataProtectionProvider.Create(new DirectoryInfo(Path.Combine(_folder, "keys")), b => b.SetApplicationName("CraftedSignal")).CreateProtector("old").Protect("cookie");
        Assert.Contains(Directory.GetFiles(Path.Combine(_folder, "keys")), f => File.ReadAllText(f).Contains("<masterKey", StringComparison.Ordinal));

        await using (var app = new AppFactory(_folder))
        {
            await using var scope = app.Services.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.Equal("JBSWY3DPEHPK3PXP", await users.GetAuthenticatorKeyAsync((await users.FindByIdAsync(userId))!));
            await using var db = app.NewContext();
            Assert.StartsWith(AtRestKey.TextPrefix, await db.UserTokens.Where(t => t.UserId == userId).Select(t => t.Value).SingleAsync(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(_folder, "keys")), f => File.ReadAllText(f).Contains("<masterKey", StringComparison.Ordinal));
    }

    /// <summary>The data folder copied elsewhere after a checkpoint, as a backup would take it.</summary>
    private string Copy()
    {
        SqliteConnection.ClearAllPools();
        var copy = Path.Combine(Path.GetTempPath(), "craftedsignal-copy-" + Guid.NewGuid().ToString("N"));
        _folders.Add(copy);
        foreach (var file in Directory.EnumerateFiles(_folder, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(_folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return copy;
    }

    /// <summary>The current RFC 6238 code of a base32 authenticator key, as an authenticator app computes it.</summary>
    private static string Totp(string base32Key)
    {
        var key = Base32Decode(base32Key);
        var counter = BitConverter.GetBytes(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30);
        if (BitConverter.IsLittleEndian)
            Array.Reverse(counter);
#pragma warning disable CA5350 // RFC 6238 authenticators use HMAC-SHA1; this computes what their apps do.
        var hash = System.Security.Cryptography.HMACSHA1.HashData(key, counter);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var code = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (code % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] Base32Decode(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = 0;
        var value = 0;
        var output = new List<byte>();
        foreach (var c in text.TrimEnd('=').ToUpperInvariant())
        {
            value = (value << 5) | alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                output.Add((byte)(value >> (bits - 8)));
                bits -= 8;
            }
        }

        return [.. output];
    }
}
