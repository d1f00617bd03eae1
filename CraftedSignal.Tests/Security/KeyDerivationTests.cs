using System.Security.Cryptography;
using CraftedSignal.Domain.Security;

namespace CraftedSignal.Tests.Security;

public sealed class KeyDerivationTests
{
    private static byte[] Range(int from, int toInclusive) => [.. Enumerable.Range(from, toInclusive - from + 1).Select(b => (byte)b)];

    /// <summary>RFC 5869 appendix A, test cases 1, 2 and 3 in order (HKDF-SHA256): IKM, salt, info, L, OKM.</summary>
    public static TheoryData<byte[], byte[], byte[], int, string> Rfc5869 => new()
    {
        { Enumerable.Repeat((byte)0x0b, 22).ToArray(), Range(0x00, 0x0c), Range(0xf0, 0xf9), 42,
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865" },
        { Range(0x00, 0x4f), Range(0x60, 0xaf), Range(0xb0, 0xff), 82,
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87" },
        { Enumerable.Repeat((byte)0x0b, 22).ToArray(), [], [], 42,
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8" },
    };

    [Theory]
    [MemberData(nameof(Rfc5869))]
    public void HkdfSha256_ReproducesTheRfc5869Vectors(byte[] ikm, byte[] salt, byte[] info, int length, string okm)
    {
        Assert.Equal(okm, Convert.ToHexStringLower(KeyDerivation.HkdfSha256(ikm, length, salt, info)));
    }

    /// <summary>RFC 7914 section 11 (PBKDF2-HMAC-SHA256).</summary>
    [Theory]
    [InlineData("passwd", "salt", 1, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")]
    [InlineData("Password", "NaCl", 80000, "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d")]
    public void Pbkdf2Sha256_ReproducesTheRfc7914Vectors(string password, string salt, int iterations, string expected)
    {
        var output = new byte[64];
        KeyDerivation.Pbkdf2Sha256(System.Text.Encoding.ASCII.GetBytes(password), System.Text.Encoding.ASCII.GetBytes(salt), iterations, output);
        Assert.Equal(expected, Convert.ToHexStringLower(output));
    }

    [Fact]
    public void MasterCredentialKey_IsHkdfSha256OfTheSecretWithInfoCredentialsAndNoSalt()
    {
        var secret = RandomNumberGenerator.GetBytes(44);
        var expected = HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, salt: [], info: "credentials"u8.ToArray());

        Assert.Equal(expected, KeyDerivation.MasterCredentialKey(secret));
        using var keyring = CredentialKeyring.FromMasterSecret(secret);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected)[..8]), keyring.KeyId);
    }

    [Fact]
    public void SessionTokenKey_IsHkdfSha256WithInfoSessionToken_UnlikeEveryOtherDerivedKey()
    {
        var secret = RandomNumberGenerator.GetBytes(44);
        var key = KeyDerivation.SessionTokenKey(secret);

        Assert.Equal(HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, salt: [], info: "session-token"u8.ToArray()), key);
        Assert.NotEqual(KeyDerivation.MasterCredentialKey(secret), key);
        Assert.NotEqual(KeyDerivation.DataAtRestKey(secret), key);
        Assert.NotEqual(KeyDerivation.HkdfSha256(secret, 32, [], KeyDerivation.SetupTokenInfo), key);
        Assert.NotEqual(KeyDerivation.SessionTokenKey(RandomNumberGenerator.GetBytes(44)), key);
    }

    [Fact]
    public void PerOperationKey_IsPbkdf2OfTheTenantKeyAndSaltWithTenThousandRounds()
    {
        var tenantKey = RandomNumberGenerator.GetBytes(32);
        var salt = RandomNumberGenerator.GetBytes(16);
        var key = new byte[32];

        KeyDerivation.PerOperationKey(tenantKey, salt, key);

        Assert.Equal(10_000, KeyDerivation.PerOperationIterations);
        Assert.Equal(Rfc2898DeriveBytes.Pbkdf2(tenantKey, salt, 10_000, HashAlgorithmName.SHA256, 32), key);
    }

    [Fact]
    public void Wrap_BindsTheCompany_AndNeedsTheSameMasterKey()
    {
        using var keyring = CredentialKeyring.FromMasterSecret(RandomNumberGenerator.GetBytes(44));
        using var other = CredentialKeyring.FromMasterSecret(RandomNumberGenerator.GetBytes(44));
        var tenantKey = RandomNumberGenerator.GetBytes(32);
        var (company, anotherCompany) = (Guid.NewGuid(), Guid.NewGuid());

        var wrapped = keyring.Wrap(company, tenantKey);

        Assert.Equal(60, wrapped.Length);
        Assert.Equal(tenantKey, keyring.Unwrap(company, wrapped));
        Assert.Null(keyring.Unwrap(anotherCompany, wrapped));
        Assert.Null(other.Unwrap(company, wrapped));
        Assert.NotEqual(wrapped[..12], keyring.Wrap(company, tenantKey)[..12]);
    }

    [Fact]
    public void DisposedKeyring_NeitherWrapsNorUnwraps()
    {
        var keyring = CredentialKeyring.FromMasterSecret(RandomNumberGenerator.GetBytes(44));
        var wrapped = keyring.Wrap(Guid.Empty, new byte[32]);

        keyring.Dispose();

        Assert.Throws<ObjectDisposedException>(() => keyring.Wrap(Guid.Empty, new byte[32]));
        Assert.Throws<ObjectDisposedException>(() => keyring.Unwrap(Guid.Empty, wrapped));
    }
}
