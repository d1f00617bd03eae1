using CraftedSignal.Domain.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Tests.Identity;

public class Argon2idPasswordHasherConcurrencyTests
{
    private static readonly object User = new();

    private static PasswordHashingOptions Cheap(int maxConcurrentHashes) =>
        new() { Iterations = 1, MemoryKiB = 256, Parallelism = 2, MaxConcurrentHashes = maxConcurrentHashes };

    [Fact]
    public void HashPassword_ManyAtOnceWithOneSlot_NeverRunsTwoHashesTogether()
    {
        var hasher = new Argon2idPasswordHasher<object>(Options.Create(Cheap(maxConcurrentHashes: 1)));

        RunTogether(16, () => hasher.HashPassword(User, "burst"));

        Assert.Equal(1, hasher.PeakConcurrentHashes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void HashAndVerify_ManyAtOnce_RunAtMostMaxConcurrentHashesInTheKdf(int maxConcurrentHashes)
    {
        // The KDF counts for itself, so this does not trust the hasher's own bookkeeping.
        var kdf = new SlowCountingKdf(TimeSpan.FromMilliseconds(30));
        var hasher = new Argon2idPasswordHasher<object>(Options.Create(Cheap(maxConcurrentHashes)), kdf);
        var stored = hasher.HashPassword(User, "burst");

        RunTogether(12, i =>
        {
            if (i % 2 == 0)
                hasher.HashPassword(User, "burst");
            else
                hasher.VerifyHashedPassword(User, stored, "burst");
        });

        // Twelve callers holding 30 ms each always fill every slot, so the bound is reached and never passed.
        Assert.Equal(maxConcurrentHashes, kdf.Peak);
        Assert.Equal(maxConcurrentHashes, hasher.PeakConcurrentHashes);
    }

    [Fact]
    public async Task HashPassword_WhenNoSlotFreesWithinQueueTimeout_ThrowsTimeout()
    {
        using var release = new ManualResetEventSlim();
        var kdf = new BlockingKdf(release);
        var options = Cheap(maxConcurrentHashes: 1);
        options.QueueTimeout = TimeSpan.FromMilliseconds(50);
        var hasher = new Argon2idPasswordHasher<object>(Options.Create(options), kdf);
        var holder = Task.Run(() => hasher.HashPassword(User, "first"));
        Assert.True(kdf.Entered.Wait(TimeSpan.FromSeconds(10)));

        var exception = Assert.Throws<TimeoutException>(() => hasher.HashPassword(User, "second"));

        release.Set();
        Assert.StartsWith("$argon2id$", await holder);
        Assert.Contains("1 hashes already running", exception.Message);
        Assert.DoesNotContain("second", exception.Message);
    }

    [Fact]
    public async Task Reserve_GivesUpAfterTheQueueTimeout_AndHashesInsideUseTheReservedSlot()
    {
        var options = Cheap(maxConcurrentHashes: 1);
        options.QueueTimeout = TimeSpan.FromMilliseconds(200);
        var hasher = new Argon2idPasswordHasher<object>(Options.Create(options));

        string stored;
        using (var held = await hasher.ReserveAsync(CancellationToken.None))
        {
            Assert.NotNull(held);
            // Inside the reservation, hashing takes no second slot (it would wait forever for its own).
            stored = hasher.HashPassword(User, "inside");
            Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword(User, stored, "inside"));

            // Another flow finds no slot: it waits asynchronously, then is told no.
            var others = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(async () => await hasher.ReserveAsync(CancellationToken.None))));
            Assert.All(others, Assert.Null);
        }

        using var next = await hasher.ReserveAsync(CancellationToken.None);
        Assert.NotNull(next);
        Assert.Equal(1, hasher.PeakConcurrentHashes);
    }

    private static void RunTogether(int callers, Action work) => RunTogether(callers, _ => work());

    private static void RunTogether(int callers, Action<int> work)
    {
        using var start = new Barrier(callers);
        var threads = Enumerable.Range(0, callers)
            .Select(i => new Thread(() =>
            {
                start.SignalAndWait();
                work(i);
            }))
            .ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
    }

    private sealed class SlowCountingKdf(TimeSpan duration) : IArgon2idKdf
    {
        private readonly Lock _gate = new();
        private int _running;
        private int _peak;

        public int Peak => Volatile.Read(ref _peak);

        public byte[] DeriveBytes(byte[] password, byte[] salt, Argon2idCost cost, int hashBytes)
        {
            var running = Interlocked.Increment(ref _running);
            lock (_gate)
                _peak = Math.Max(_peak, running);
            Thread.Sleep(duration);
            Interlocked.Decrement(ref _running);
            return KonsciousArgon2idKdf.Instance.DeriveBytes(password, salt, cost, hashBytes);
        }
    }

    // Holds the first caller until released; later callers (if the bound let them in) pass straight through.
    private sealed class BlockingKdf(ManualResetEventSlim release) : IArgon2idKdf
    {
        private int _calls;

        public ManualResetEventSlim Entered { get; } = new();

        public byte[] DeriveBytes(byte[] password, byte[] salt, Argon2idCost cost, int hashBytes)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Entered.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            }
            return KonsciousArgon2idKdf.Instance.DeriveBytes(password, salt, cost, hashBytes);
        }
    }
}
