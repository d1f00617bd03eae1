using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace CraftedSignal.Domain.Targets.Sentinel;

/// <summary>
/// Access tokens from Entra ID, kept in memory until shortly before they expire, one per app registration and scope.
/// An entry is keyed by an HMAC (with a key made for this process) of the authority, tenant, client id, secret and scope:
/// a changed secret never reuses a token, and the key reveals nothing of the secret. Held by the connector, so every
/// call of a target shares one token. Thread-safe.
/// </summary>
public sealed class SentinelTokenCache
{
    /// <summary>A token is refreshed this long before it expires at the most (less for short-lived tokens: a tenth of their life).</summary>
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    internal string KeyOf(SentinelConnection connection) =>
        Convert.ToHexString(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(string.Join('\n',
            connection.AuthorityUrl.AbsoluteUri, connection.TenantId.ToLowerInvariant(), connection.ClientId.ToLowerInvariant(), connection.ClientSecret, connection.Scope))));

    /// <summary>One request for a token at a time per key, so many calls at once make one token request.</summary>
    internal SemaphoreSlim GateOf(string key) => _gates.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));

    internal bool TryGet(string key, DateTimeOffset now, out CachedToken token)
    {
        if (_entries.TryGetValue(key, out var entry) && now < entry.RefreshAt)
        {
            token = entry.Token;
            return true;
        }

        token = default!;
        return false;
    }

    internal CachedToken Store(string key, string accessToken, DateTimeOffset issuedAt, TimeSpan lifetime)
    {
        var margin = TimeSpan.FromTicks(Math.Min(RefreshMargin.Ticks, lifetime.Ticks / 10));
        var token = new CachedToken(accessToken, issuedAt + lifetime);
        _entries[key] = new Entry(token, issuedAt + lifetime - margin);
        foreach (var stale in _entries.Where(e => e.Value.Token.ExpiresOn <= issuedAt).Select(e => e.Key).ToList())
            _entries.TryRemove(stale, out _);
        return token;
    }

    /// <summary>Drops the token ARM refused, unless another call has already replaced it.</summary>
    internal void Forget(string key, string accessToken)
    {
        if (_entries.TryGetValue(key, out var entry) && entry.Token.AccessToken == accessToken)
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
    }

    internal sealed record CachedToken(string AccessToken, DateTimeOffset ExpiresOn)
    {
        public override string ToString() => $"CachedToken {{ AccessToken = [redacted], ExpiresOn = {ExpiresOn:O} }}";
    }

    private sealed record Entry(CachedToken Token, DateTimeOffset RefreshAt);
}
