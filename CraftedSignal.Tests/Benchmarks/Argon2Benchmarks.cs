using System.Text;
using BenchmarkDotNet.Attributes;
using CraftedSignal.Domain.Identity;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Tests.Benchmarks;

/// <summary>
/// One Argon2id hash at the production cost (t=3, m=64 MiB, p=4, 32-byte output) per library, against the
/// reference C implementation in-process. The hasher rows include salt generation, PHC encoding and the semaphore.
/// </summary>
[MemoryDiagnoser]
public class Argon2Benchmarks
{
    private static readonly Argon2idCost Production = new(Iterations: 3, MemoryKiB: 64 * 1024, Parallelism: 4);
    private readonly byte[] _password = Encoding.UTF8.GetBytes("correct horse battery staple");
    private readonly byte[] _salt = Encoding.UTF8.GetBytes("somesaltsomesalt");
    private readonly Argon2idPasswordHasher<object> _konsciousHasher =
        new(Options.Create(new PasswordHashingOptions()), KonsciousArgon2idKdf.Instance);
    private readonly Argon2idPasswordHasher<object> _isopohHasher =
        new(Options.Create(new PasswordHashingOptions()), IsopohArgon2idKdf.Instance);
    private readonly object _user = new();

    [Benchmark(Baseline = true, Description = "Reference C (libargon2.so.1)")]
    public byte[] ReferenceC() => ReferenceArgon2idKdf.Instance.DeriveBytes(_password, _salt, Production, 32);

    [Benchmark(Description = "Konscious 1.3.1")]
    public byte[] Konscious() => KonsciousArgon2idKdf.Instance.DeriveBytes(_password, _salt, Production, 32);

    [Benchmark(Description = "Isopoh 2.0.0")]
    public byte[] Isopoh() => IsopohArgon2idKdf.Instance.DeriveBytes(_password, _salt, Production, 32);

    [Benchmark(Description = "Argon2idPasswordHasher on Konscious")]
    public string HasherOnKonscious() => _konsciousHasher.HashPassword(_user, "correct horse battery staple");

    [Benchmark(Description = "Argon2idPasswordHasher on Isopoh")]
    public string HasherOnIsopoh() => _isopohHasher.HashPassword(_user, "correct horse battery staple");
}
