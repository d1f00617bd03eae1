using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using CraftedSignal.Domain.Security.Paseto;

namespace CraftedSignal.Tests.Benchmarks;

/// <summary>
/// PASETO v2.local with a 200-byte payload (about a session cookie's): each half, and the round trip a request with a
/// freshly issued cookie costs. <c>dotnet run -c Release --project CraftedSignal.Tests -- --filter '*Paseto*'</c>.
/// </summary>
[MemoryDiagnoser]
public class PasetoBenchmarks
{
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(PasetoV2Local.KeyBytes);
    private readonly byte[] _payload = RandomNumberGenerator.GetBytes(200);
    private readonly byte[] _footer = "{\"kid\":\"session-token\"}"u8.ToArray();
    private string _token = "";

    [GlobalSetup]
    public void Setup() => _token = PasetoV2Local.Encrypt(_key, _payload, _footer);

    [Benchmark(Description = "Encrypt 200 B")]
    public string Encrypt() => PasetoV2Local.Encrypt(_key, _payload, _footer);

    [Benchmark(Description = "Decrypt 200 B")]
    public byte[]? Decrypt() => PasetoV2Local.Decrypt(_key, _token, _footer).Value?.Payload;

    [Benchmark(Baseline = true, Description = "Encrypt + decrypt 200 B")]
    public byte[]? RoundTrip() => PasetoV2Local.Decrypt(_key, PasetoV2Local.Encrypt(_key, _payload, _footer), _footer).Value?.Payload;
}
