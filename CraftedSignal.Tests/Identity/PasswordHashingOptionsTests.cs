using CraftedSignal.Domain.Identity;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Tests.Identity;

public class PasswordHashingOptionsTests
{
    [Fact]
    public void Defaults_AreTheProductionCost()
    {
        var options = new PasswordHashingOptions();

        Assert.Equal((3, 65536, 4, 16, 32), (options.Iterations, options.MemoryKiB, options.Parallelism, options.SaltBytes, options.HashBytes));
        Assert.Equal(Math.Max(1, Environment.ProcessorCount), options.MaxConcurrentHashes);
        Assert.True(new PasswordHashingOptionsValidator().Validate(null, options).Succeeded);
    }

    public static TheoryData<string, Action<PasswordHashingOptions>> NonsenseOptions() => new()
    {
        { "Iterations", o => o.Iterations = 0 },
        { "Iterations", o => o.Iterations = 11 },
        { "Parallelism", o => o.Parallelism = 0 },
        { "Parallelism", o => o.Parallelism = 17 },
        { "MemoryKiB", o => o.MemoryKiB = 31 },
        { "MemoryKiB", o => o.MemoryKiB = -1 },
        { "MemoryKiB", o => o.MemoryKiB = 2 * 1024 * 1024 },
        { "SaltBytes", o => o.SaltBytes = 4 },
        { "SaltBytes", o => o.SaltBytes = 65 },
        { "HashBytes", o => o.HashBytes = 8 },
        { "HashBytes", o => o.HashBytes = 65 },
        { "MaxConcurrentHashes", o => o.MaxConcurrentHashes = 0 },
        { "QueueTimeout", o => o.QueueTimeout = TimeSpan.Zero },
        { "QueueTimeout", o => o.QueueTimeout = TimeSpan.FromDays(30) },
    };

    [Theory]
    [MemberData(nameof(NonsenseOptions))]
    public void Hasher_WithNonsenseOption_RefusesToStartNamingTheOption(string option, Action<PasswordHashingOptions> spoil)
    {
        var options = new PasswordHashingOptions();
        spoil(options);

        var exception = Assert.Throws<OptionsValidationException>(() => new Argon2idPasswordHasher<object>(Options.Create(options)));

        Assert.Contains(option, exception.Message);
        Assert.Single(exception.Failures);
        Assert.True(new PasswordHashingOptionsValidator().Validate(null, options).Failed);
    }

    [Fact]
    public void Hasher_WithInfiniteQueueTimeout_Starts()
    {
        var options = new PasswordHashingOptions { QueueTimeout = Timeout.InfiniteTimeSpan };

        Assert.NotNull(new Argon2idPasswordHasher<object>(Options.Create(options)));
    }
}
