using CraftedSignal.Domain.Identity;
using Isopoh.Cryptography.Argon2;

namespace CraftedSignal.Tests.Benchmarks;

/// <summary>Candidate library measured against Konscious: Isopoh.Cryptography.Argon2.</summary>
internal sealed class IsopohArgon2idKdf : IArgon2idKdf
{
    public static IsopohArgon2idKdf Instance { get; } = new();

    public byte[] DeriveBytes(byte[] password, byte[] salt, Argon2idCost cost, int hashBytes)
    {
        var config = new Argon2Config
        {
            Type = Argon2Type.HybridAddressing,
            Version = Argon2Version.Nineteen,
            TimeCost = cost.Iterations,
            MemoryCost = cost.MemoryKiB,
            Lanes = cost.Parallelism,
            Threads = cost.Parallelism,
            Password = password,
            Salt = salt,
            HashLength = hashBytes,
        };
        using var argon2 = new Argon2(config);
        using var hash = argon2.Hash();
        return hash.Buffer.ToArray();
    }
}
