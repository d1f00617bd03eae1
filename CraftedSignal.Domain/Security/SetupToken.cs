using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Domain.Security;

/// <summary>
/// The token that claims a fresh instance reachable from other machines. It is derived from the master secret (HKDF-SHA256,
/// info "setup-token"), never stored: a copy of the database does not give it, and the app and the <c>setup-token</c> verb
/// arrive at the same one. It opens nothing once the instance is claimed (the claim happens once).
/// </summary>
public sealed class SetupToken
{
    private const int TokenBytes = 16;

    private readonly byte[] _token;

    private SetupToken(byte[] token) => _token = token;

    /// <summary>32 hex digits in four groups, easy to copy from a log line.</summary>
    public string Value => string.Join('-', Convert.ToHexStringLower(_token).Chunk(8).Select(c => new string(c)));

    internal static SetupToken Load(MasterSecretOptions options, bool generateIfMissing, ILogger logger) =>
        MasterSecretLoader.Derive(options, generateIfMissing, logger, secret => FromMasterSecret(secret));

    internal static SetupToken FromMasterSecret(ReadOnlySpan<byte> masterSecret) =>
        new(KeyDerivation.HkdfSha256(masterSecret, TokenBytes, [], KeyDerivation.SetupTokenInfo));

    /// <summary>Compares in fixed time; dashes, spaces and case do not matter.</summary>
    public bool Matches(string? candidate)
    {
        var hex = new string([.. (candidate ?? "").Where(c => c is not ('-' or ' '))]).ToLowerInvariant();
        var expected = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(_token));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(hex), expected);
    }
}
