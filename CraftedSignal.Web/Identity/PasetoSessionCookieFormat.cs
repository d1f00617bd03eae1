using System.Security.Claims;
using System.Text;
using System.Text.Json;
using CraftedSignal.Domain.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace CraftedSignal.Web.Identity;

/// <summary>
/// The sign-in cookie's value: a PASETO v2.local token (XChaCha20-Poly1305 under <see cref="SessionTokenKey"/>) whose
/// payload names the server-side session row (<see cref="SessionTicketStore"/>), and nothing else. A token altered,
/// made under another master secret or for another purpose (its footer) is no ticket, so the browser is signed out.
/// </summary>
public sealed class PasetoSessionCookieFormat(SessionTokenKey key) : ISecureDataFormat<AuthenticationTicket>
{
    /// <summary>Authenticated, not secret: what the token is for, so a token made for anything else is refused.</summary>
    private static readonly byte[] Footer = "craftedsignal:session-cookie:v1"u8.ToArray();

    public string Protect(AuthenticationTicket data) => Protect(data, purpose: null);

    public string Protect(AuthenticationTicket data, string? purpose)
    {
        var session = data.Principal.FindFirst(SessionTicketStore.SessionIdClaim)?.Value
            ?? throw new InvalidOperationException("The sign-in cookie names a session row only; this ticket has none (is the session store configured?).");
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Payload(session));
        return key.Encrypt(payload, Footer);
    }

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, purpose: null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        var opened = key.Decrypt(protectedText, Footer);
        if (!opened.Succeeded)
            return null;
        Payload? payload;
        try
        {
            payload = JsonSerializer.Deserialize<Payload>(opened.Value!.Payload);
        }
        catch (JsonException)
        {
            return null;
        }

        if (payload?.Sid is not { Length: 32 } session || !Guid.TryParseExact(session, "N", out _))
            return null;
        var identity = new ClaimsIdentity([new Claim(SessionTicketStore.SessionIdClaim, session)], IdentityConstants.ApplicationScheme);
        return new AuthenticationTicket(new ClaimsPrincipal(identity), IdentityConstants.ApplicationScheme);
    }

    private sealed record Payload(string Sid);
}
