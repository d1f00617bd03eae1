using CraftedSignal.Domain.Common;

namespace CraftedSignal.Domain.Security.Paseto;

/// <summary>What a v2.local token carries: the decrypted payload and the footer (authenticated, not encrypted; empty when none).</summary>
public sealed record PasetoMessage(byte[] Payload, byte[] Footer);

/// <summary>
/// The token is not accepted. Altered and made-with-another-key are deliberately one problem; the message never quotes
/// the token.
/// </summary>
public sealed record PasetoTokenRefused(string Problem) : Error($"The token is refused: {Problem}", ErrorKind.Invalid);
