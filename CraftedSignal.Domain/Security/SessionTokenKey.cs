using System.Security.Cryptography;
using CraftedSignal.Domain.Common;
using CraftedSignal.Domain.Security.Paseto;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Domain.Security;

/// <summary>
/// The key of the session cookie's PASETO v2.local tokens: HKDF-SHA256 of the master secret with its own info
/// ("session-token"), in memory only. A token opens only under the master secret that made it.
/// </summary>
public sealed class SessionTokenKey : IDisposable
{
    private readonly byte[] _key;

    private SessionTokenKey(byte[] key) => _key = key;

    internal static SessionTokenKey Load(MasterSecretOptions options, bool generateIfMissing, ILogger logger) =>
        MasterSecretLoader.Derive(options, generateIfMissing, logger, secret => new SessionTokenKey(KeyDerivation.SessionTokenKey(secret)));

    public string Encrypt(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> footer) => PasetoV2Local.Encrypt(_key, payload, footer);

    public Result<PasetoMessage> Decrypt(string? token, byte[] expectedFooter) => PasetoV2Local.Decrypt(_key, token, expectedFooter);

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
