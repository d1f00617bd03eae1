using System.Runtime.InteropServices;
using CraftedSignal.Domain.Identity;

namespace CraftedSignal.Tests.Benchmarks;

/// <summary>
/// The reference C implementation (libargon2.so.1, the library behind Debian's <c>argon2</c> CLI), called in-process.
/// Only the benchmarks and tests use it: the product stays managed so it never needs the native library.
/// </summary>
internal sealed partial class ReferenceArgon2idKdf : IArgon2idKdf
{
    private const string Library = "libargon2.so.1";
    private const int Ok = 0;

    public static ReferenceArgon2idKdf Instance { get; } = new();

    public byte[] DeriveBytes(byte[] password, byte[] salt, Argon2idCost cost, int hashBytes)
    {
        var hash = new byte[hashBytes];
        var result = Argon2idHashRaw(
            (uint)cost.Iterations, (uint)cost.MemoryKiB, (uint)cost.Parallelism,
            password, (nuint)password.Length, salt, (nuint)salt.Length, hash, (nuint)hash.Length);
        return result == Ok ? hash : throw new InvalidOperationException($"argon2id_hash_raw failed with code {result}.");
    }

    // int argon2id_hash_raw(uint32_t t_cost, uint32_t m_cost, uint32_t parallelism, const void *pwd, size_t pwdlen,
    //                       const void *salt, size_t saltlen, void *hash, size_t hashlen);
    [LibraryImport(Library, EntryPoint = "argon2id_hash_raw")]
    private static partial int Argon2idHashRaw(
        uint iterations, uint memoryKiB, uint parallelism,
        byte[] password, nuint passwordLength, byte[] salt, nuint saltLength, byte[] hash, nuint hashLength);
}
