using Konscious.Security.Cryptography;

namespace CraftedSignal.Domain.Identity;

/// <summary>Argon2id from Konscious.Security.Cryptography.Argon2 (managed, lanes run on the thread pool).</summary>
internal sealed class KonsciousArgon2idKdf : IArgon2idKdf
{
    public static KonsciousArgon2idKdf Instance { get; } = new();

    public byte[] DeriveBytes(byte[] password, byte[] salt, Argon2idCost cost, int hashBytes)
    {
        using var argon2 = new Argon2id(password)
        {
            Salt = salt,
            Iterations = cost.Iterations,
            MemorySize = cost.MemoryKiB,
            DegreeOfParallelism = cost.Parallelism,
        };
        return argon2.GetBytes(hashBytes);
    }
}
