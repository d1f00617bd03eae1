namespace CraftedSignal.Domain.Identity;

/// <summary>The raw Argon2id (v1.3) function; the hasher owns salts, encoding and the concurrency bound.</summary>
internal interface IArgon2idKdf
{
    byte[] DeriveBytes(byte[] password, byte[] salt, Argon2idCost cost, int hashBytes);
}
