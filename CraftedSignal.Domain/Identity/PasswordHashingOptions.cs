using Microsoft.Extensions.Options;

namespace CraftedSignal.Domain.Identity;

/// <summary>Argon2id cost parameters and the concurrency bound, bound from "Security:PasswordHashing".</summary>
public sealed class PasswordHashingOptions
{
    public const string SectionName = "Security:PasswordHashing";

    // Upper bounds shared by option validation and by the parser of stored hashes: a hash we
    // produce must always be one we agree to verify, and a hostile stored hash cannot ask for more.
    public const int MaxIterations = 10;
    public const int MaxMemoryKiB = 1024 * 1024;
    public const int MaxParallelism = 16;
    public const int MinSaltBytes = 8;
    public const int MaxSaltBytes = 64;
    public const int MinHashBytes = 16;
    public const int MaxHashBytes = 64;

    public int Iterations { get; set; } = 3;

    public int MemoryKiB { get; set; } = 64 * 1024;

    public int Parallelism { get; set; } = 4;

    public int SaltBytes { get; set; } = 16;

    public int HashBytes { get; set; } = 32;

    /// <summary>At most this many hashes are computed at once; each holds <see cref="MemoryKiB"/> while it runs.</summary>
    public int MaxConcurrentHashes { get; set; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>
    /// How long a caller waits for a hashing slot before giving up: a sign-in waits asynchronously and is then told the
    /// server is busy; any other hash throws a <see cref="TimeoutException"/>.
    /// </summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(10);

    internal IReadOnlyList<string> GetErrors()
    {
        var errors = new List<string>();
        if (Iterations is < 1 or > MaxIterations)
            errors.Add($"{nameof(Iterations)} must be between 1 and {MaxIterations} (was {Iterations}).");
        if (Parallelism is < 1 or > MaxParallelism)
            errors.Add($"{nameof(Parallelism)} must be between 1 and {MaxParallelism} (was {Parallelism}).");
        if (MemoryKiB > MaxMemoryKiB || MemoryKiB < 8 * Math.Max(1, Parallelism))
            errors.Add($"{nameof(MemoryKiB)} must be between 8 × {nameof(Parallelism)} and {MaxMemoryKiB} KiB (was {MemoryKiB}).");
        if (SaltBytes is < MinSaltBytes or > MaxSaltBytes)
            errors.Add($"{nameof(SaltBytes)} must be between {MinSaltBytes} and {MaxSaltBytes} (was {SaltBytes}).");
        if (HashBytes is < MinHashBytes or > MaxHashBytes)
            errors.Add($"{nameof(HashBytes)} must be between {MinHashBytes} and {MaxHashBytes} (was {HashBytes}).");
        if (MaxConcurrentHashes < 1)
            errors.Add($"{nameof(MaxConcurrentHashes)} must be at least 1 (was {MaxConcurrentHashes}).");
        if (QueueTimeout <= TimeSpan.Zero && QueueTimeout != Timeout.InfiniteTimeSpan)
            errors.Add($"{nameof(QueueTimeout)} must be positive or infinite (was {QueueTimeout}).");
        else if (QueueTimeout.TotalMilliseconds > int.MaxValue)
            errors.Add($"{nameof(QueueTimeout)} must be at most {TimeSpan.FromMilliseconds(int.MaxValue)} (was {QueueTimeout}).");
        return errors;
    }
}

/// <summary>Rejects nonsense <see cref="PasswordHashingOptions"/> at start-up (use with <c>ValidateOnStart</c>).</summary>
public sealed class PasswordHashingOptionsValidator : IValidateOptions<PasswordHashingOptions>
{
    public ValidateOptionsResult Validate(string? name, PasswordHashingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.GetErrors();
        return errors.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(errors.Select(e => $"{PasswordHashingOptions.SectionName}: {e}"));
    }
}
