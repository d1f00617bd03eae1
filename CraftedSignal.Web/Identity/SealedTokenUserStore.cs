using CraftedSignal.Domain.Identity;
using CraftedSignal.Domain.Persistence;
using CraftedSignal.Domain.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace CraftedSignal.Web.Identity;

/// <summary>
/// Identity's user store, with the two secrets it keeps as user tokens sealed under the <see cref="AtRestKey"/>: the
/// authenticator (TOTP) key and the recovery codes. Everything Identity does with them (enable, verify, reset, redeem a
/// code, count codes) goes through <see cref="SetTokenAsync"/> and <see cref="GetTokenAsync"/>, so they are sealed on
/// the way in and opened on the way out; each is bound to its user and token, so a value copied to another row is
/// refused. Values stored before sealing are read as they are and sealed at the next start (<see cref="SealStoredAsync"/>).
/// Identity's own <c>ProtectPersonalData</c> switch would also encrypt user names and emails, which the product looks up.
/// </summary>
public sealed class SealedTokenUserStore(AppDbContext context, AtRestKey key, ILogger<SealedTokenUserStore> logger, IdentityErrorDescriber? describer = null)
    : UserOnlyStore<ApplicationUser, AppDbContext>(context, describer)
{
    /// <summary>Identity's own login provider for the tokens it keeps itself.</summary>
    public const string InternalLoginProvider = "[AspNetUserStore]";

    private static readonly HashSet<string> Sealed = new(StringComparer.Ordinal) { "AuthenticatorKey", "RecoveryCodes" };

    public override Task SetTokenAsync(ApplicationUser user, string loginProvider, string name, string? value, CancellationToken cancellationToken) =>
        base.SetTokenAsync(user, loginProvider, name, IsSealed(loginProvider, name) && value is not null ? key.SealText(value, Purpose(user.Id, name)) : value, cancellationToken);

    public override async Task<string?> GetTokenAsync(ApplicationUser user, string loginProvider, string name, CancellationToken cancellationToken)
    {
        var stored = await base.GetTokenAsync(user, loginProvider, name, cancellationToken);
        if (!IsSealed(loginProvider, name) || stored is null || !AtRestKey.IsSealed(stored))
            return stored;
        var opened = key.OpenText(stored, Purpose(user.Id, name));
        if (opened is null)
            // Not sealed by this master secret for this user: as if there were none, so no code is accepted against it.
            logger.LogWarning("The {Token} of user {UserId} does not open with this master secret; it is treated as absent", name, user.Id);
        return opened;
    }

    /// <summary>Seals the authenticator keys and recovery codes stored before sealing existed; returns how many.</summary>
    public static async Task<int> SealStoredAsync(AppDbContext db, AtRestKey key, CancellationToken cancellationToken = default)
    {
        var plain = await db.UserTokens
            .Where(t => t.LoginProvider == InternalLoginProvider && (t.Name == "AuthenticatorKey" || t.Name == "RecoveryCodes") && t.Value != null && !t.Value.StartsWith(AtRestKey.TextPrefix))
            .ToListAsync(cancellationToken);
        foreach (var token in plain)
            token.Value = key.SealText(token.Value!, Purpose(token.UserId, token.Name));
        await db.SaveChangesAsync(cancellationToken);
        return plain.Count;
    }

    private static bool IsSealed(string loginProvider, string name) => loginProvider == InternalLoginProvider && Sealed.Contains(name);

    private static string Purpose(string userId, string name) => $"user-token:{userId}:{name}";
}
