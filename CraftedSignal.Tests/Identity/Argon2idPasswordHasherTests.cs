using System.Text;
using System.Text.RegularExpressions;
using CraftedSignal.Domain.Identity;
using CraftedSignal.Tests.Benchmarks;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Tests.Identity;

public class Argon2idPasswordHasherTests
{
    private static readonly object User = new();

    // Cheap enough for unit tests; Argon2 needs m >= 8 * p KiB.
    private static PasswordHashingOptions Cheap(int iterations = 1, int memoryKiB = 64, int parallelism = 2) =>
        new() { Iterations = iterations, MemoryKiB = memoryKiB, Parallelism = parallelism };

    private static Argon2idPasswordHasher<object> Hasher(PasswordHashingOptions options) => new(Options.Create(options));

    [Fact]
    public void HashPassword_WithProductionOptions_WritesPhcStringWithProductionCost()
    {
        var hasher = Hasher(new PasswordHashingOptions());

        var hash = hasher.HashPassword(User, "correct horse battery staple");

        // 16-byte salt and 32-byte hash in unpadded base64 are 22 and 43 characters.
        Assert.Matches(new Regex(@"^\$argon2id\$v=19\$m=65536,t=3,p=4\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$"), hash);
        Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword(User, hash, "correct horse battery staple"));
    }

    [Fact]
    public void HashPassword_AtProductionCost_MatchesReferenceImplementation()
    {
        var expected = ReferenceArgon2Cli.Encode("correct horse battery staple", "somesaltsomesalt", 3, 65536, 4, 32);

        var actual = Encode(KonsciousArgon2idKdf.Instance, "correct horse battery staple", "somesaltsomesalt", new(3, 65536, 4), 32);

        Assert.Equal(expected, actual);
    }

    public static TheoryData<string, int, int, int, int> ReferenceCases() => new()
    {
        { "password", 1, 64, 1, 32 },
        { "password", 3, 64, 4, 32 },
        { "pässwörd ✓", 2, 256, 2, 16 },
        { "x", 1, 32, 4, 64 },
        { new string('x', 100), 4, 128, 3, 32 },
    };

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void DeriveBytes_ForEveryCandidateLibrary_MatchesReferenceImplementation(
        string password, int iterations, int memoryKiB, int parallelism, int hashBytes)
    {
        var expected = ReferenceArgon2Cli.Encode(password, "somesaltsomesalt", iterations, memoryKiB, parallelism, hashBytes);
        var cost = new Argon2idCost(iterations, memoryKiB, parallelism);

        Assert.Equal(expected, Encode(KonsciousArgon2idKdf.Instance, password, "somesaltsomesalt", cost, hashBytes));
        Assert.Equal(expected, Encode(IsopohArgon2idKdf.Instance, password, "somesaltsomesalt", cost, hashBytes));
        Assert.Equal(expected, Encode(ReferenceArgon2idKdf.Instance, password, "somesaltsomesalt", cost, hashBytes));
    }

    [Fact]
    public void Verify_HashFromReferenceImplementation_Succeeds()
    {
        var stored = ReferenceArgon2Cli.Encode("hunter2", "0123456789abcdef", 1, 64, 2, 32);

        var result = Hasher(Cheap()).VerifyHashedPassword(User, stored, "hunter2");

        Assert.Equal(PasswordVerificationResult.Success, result);
    }

    [Fact]
    public void Verify_WithRightPassword_Succeeds()
    {
        var hasher = Hasher(Cheap());

        var result = hasher.VerifyHashedPassword(User, hasher.HashPassword(User, "s3cret!"), "s3cret!");

        Assert.Equal(PasswordVerificationResult.Success, result);
    }

    [Theory]
    [InlineData("s3cret")]
    [InlineData("s3cret!!")]
    [InlineData("S3cret!")]
    [InlineData("")]
    public void Verify_WithWrongPassword_Fails(string provided)
    {
        var hasher = Hasher(Cheap());

        var result = hasher.VerifyHashedPassword(User, hasher.HashPassword(User, "s3cret!"), provided);

        Assert.Equal(PasswordVerificationResult.Failed, result);
    }

    [Fact]
    public void HashPassword_WithEmptyPassword_IsRejected()
    {
        // Identity's password validators never let an empty password through; Konscious would reject it anyway.
        var exception = Assert.Throws<ArgumentException>(() => Hasher(Cheap()).HashPassword(User, ""));

        Assert.Equal("password", exception.ParamName);
    }

    [Fact]
    public void HashPassword_SamePasswordTwice_UsesFreshSalts()
    {
        var hasher = Hasher(Cheap());

        Assert.NotEqual(hasher.HashPassword(User, "same"), hasher.HashPassword(User, "same"));
    }

    [Fact]
    public void Verify_WithChangedIterations_AsksForRehash()
    {
        var stored = Hasher(Cheap(iterations: 2)).HashPassword(User, "s3cret!");

        var result = Hasher(Cheap(iterations: 3)).VerifyHashedPassword(User, stored, "s3cret!");

        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, result);
    }

    [Theory]
    [InlineData(nameof(PasswordHashingOptions.MemoryKiB))]
    [InlineData(nameof(PasswordHashingOptions.Parallelism))]
    [InlineData(nameof(PasswordHashingOptions.SaltBytes))]
    [InlineData(nameof(PasswordHashingOptions.HashBytes))]
    public void Verify_WithChangedParameter_AsksForRehash(string parameter)
    {
        var stored = Hasher(Cheap()).HashPassword(User, "s3cret!");
        var current = Cheap();
        switch (parameter)
        {
            case nameof(PasswordHashingOptions.MemoryKiB): current.MemoryKiB = 128; break;
            case nameof(PasswordHashingOptions.Parallelism): current.Parallelism = 4; break;
            case nameof(PasswordHashingOptions.SaltBytes): current.SaltBytes = 32; break;
            case nameof(PasswordHashingOptions.HashBytes): current.HashBytes = 64; break;
        }

        var result = Hasher(current).VerifyHashedPassword(User, stored, "s3cret!");

        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, result);
    }

    [Fact]
    public void Verify_WithChangedParametersAndWrongPassword_Fails()
    {
        var stored = Hasher(Cheap(iterations: 2)).HashPassword(User, "s3cret!");

        var result = Hasher(Cheap(iterations: 3)).VerifyHashedPassword(User, stored, "wrong");

        Assert.Equal(PasswordVerificationResult.Failed, result);
    }

    private const string Salt = "c29tZXNhbHRzb21lc2FsdA";
    private const string Hash = "7kn67Sj9v+3lgM3lpdjd3Q";

    public static TheoryData<string> MalformedHashes() => new()
    {
        "",
        " ",
        "garbage",
        "$",
        "$$$$$",
        // ASP.NET Identity V3 (PBKDF2) hashes are not supported: there are none to migrate.
        "AQAAAAIAAYagAAAAEKGvJ4BNMbp9J8ph1XZ+Y6XeUuIDhWObWwe/P1h8Gx0ITaqqH6IpLOSqUkmy2GmUdQ==",
        $"$argon2i$v=19$m=64,t=1,p=4${Salt}${Hash}",
        $"$argon2d$v=19$m=64,t=1,p=4${Salt}${Hash}",
        $"$ARGON2ID$v=19$m=64,t=1,p=4${Salt}${Hash}",
        $"$argon2id$v=16$m=64,t=1,p=4${Salt}${Hash}",
        $"$argon2id$m=64,t=1,p=4${Salt}${Hash}",
        $"$argon2id$v=19$t=1,m=64,p=4${Salt}${Hash}",
        $"$argon2id$v=19$m=64,t=1${Salt}${Hash}",
        $"$argon2id$v=19$m=64,t=1,p=4,keyid=abc${Salt}${Hash}",
        $"$argon2id$v=19$m=064,t=1,p=4${Salt}${Hash}",
        $"$argon2id$v=19$m=+64,t=1,p=4${Salt}${Hash}",
        $"$argon2id$v=19$m=-64,t=1,p=4${Salt}${Hash}",
        $"$argon2id$v=19$m= 64,t=1,p=4${Salt}${Hash}",
        $"$argon2id$v=19$m=６４,t=1,p=4${Salt}${Hash}",
        $"$argon2id$v=19$m=,t=1,p=4${Salt}${Hash}",
        // Costs a hostile row could use to exhaust memory or CPU, and costs Argon2 itself rejects.
        $"$argon2id$v=19$m=4294967296,t=1,p=4${Salt}${Hash}",
        $"$argon2id$v=19$m=99999999999999999999,t=1,p=4${Salt}${Hash}",
        $"$argon2id$v=19$m=1048577,t=1,p=4${Salt}${Hash}",
        $"$argon2id$v=19$m=64,t=11,p=4${Salt}${Hash}",
        $"$argon2id$v=19$m=64,t=0,p=4${Salt}${Hash}",
        $"$argon2id$v=19$m=64,t=1,p=0${Salt}${Hash}",
        $"$argon2id$v=19$m=4096,t=1,p=17${Salt}${Hash}",
        $"$argon2id$v=19$m=31,t=1,p=4${Salt}${Hash}",
        // Salt and hash: missing, padded, wrong alphabet, non-canonical, too short, extra segments.
        $"$argon2id$v=19$m=64,t=1,p=4${Salt}",
        $"$argon2id$v=19$m=64,t=1,p=4$${Hash}",
        $"$argon2id$v=19$m=64,t=1,p=4${Salt}$",
        $"$argon2id$v=19$m=64,t=1,p=4${Salt}==${Hash}",
        $"$argon2id$v=19$m=64,t=1,p=4${Salt}${Hash}==",
        $"$argon2id$v=19$m=64,t=1,p=4${Salt}$7kn67Sj9v-3lgM3lpdjd3Q",
        $"$argon2id$v=19$m=64,t=1,p=4${Salt}$7kn67Sj9v_3lgM3lpdjd3Q",
        $"$argon2id$v=19$m=64,t=1,p=4${Salt}$7kn67Sj9v+3lgM3lpdjd3R",
        $"$argon2id$v=19$m=64,t=1,p=4${Salt}$7kn67Sj9v+3lgM3lpdjd3",
        $"$argon2id$v=19$m=64,t=1,p=4$c2FsdA${Hash}",
        $"$argon2id$v=19$m=64,t=1,p=4${Salt}$AAAA",
        $"$argon2id$v=19$m=64,t=1,p=4${Salt}${Hash}$extra",
        $"$argon2id$v=19$m=64,t=1,p=4${Salt}${Hash} ",
        $" $argon2id$v=19$m=64,t=1,p=4${Salt}${Hash}",
        $"$argon2id$v=19$m=64,t=1,p=4${Salt}${Hash}\0",
        $"$argon2id$v=19$m=64,t=1,p=4${Salt}${new string('A', 100_000)}",
    };

    [Theory]
    [MemberData(nameof(MalformedHashes))]
    public void Verify_WithMalformedOrHostileHash_FailsWithoutThrowing(string stored)
    {
        var result = Hasher(Cheap()).VerifyHashedPassword(User, stored, "password");

        Assert.Equal(PasswordVerificationResult.Failed, result);
    }

    [Fact]
    public void Verify_WellFormedVariantOfMalformedCases_Succeeds()
    {
        // Guards the malformed cases above: they fail because of what was changed, not because the base is wrong.
        var stored = $"$argon2id$v=19$m=64,t=1,p=4${Salt}${Hash}";

        var options = Cheap(iterations: 1, memoryKiB: 64, parallelism: 4);
        options.HashBytes = 16;

        var result = Hasher(options).VerifyHashedPassword(User, stored, "password");

        Assert.Equal(PasswordVerificationResult.Success, result);
    }

    private static string Encode(IArgon2idKdf kdf, string password, string salt, Argon2idCost cost, int hashBytes)
    {
        var saltBytes = Encoding.UTF8.GetBytes(salt);
        return new Argon2idPhcString(cost, saltBytes, kdf.DeriveBytes(Encoding.UTF8.GetBytes(password), saltBytes, cost, hashBytes)).ToString();
    }
}
