using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Domain.Identity;

/// <summary>
/// Slots for the expensive hashes, taken asynchronously ahead of a call that will hash (a sign-in), so that a flood of
/// requests waits without holding threads, and gives up after a bounded wait.
/// </summary>
public interface IPasswordHashSlots
{
    /// <summary>A slot held by the calling flow until disposed (its hashes take no other), or null when none came free within the wait.</summary>
    ValueTask<IDisposable?> ReserveAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Hashes passwords with Argon2id into PHC strings and asks for a rehash when the stored cost differs from the
/// configured one. Register as a singleton: the instance owns the bound on concurrent hashes. A caller that can await
/// reserves a slot first (<see cref="ReserveAsync"/>); a hash outside a reservation waits for one synchronously, at
/// most <see cref="PasswordHashingOptions.QueueTimeout"/>.
/// </summary>
public sealed class Argon2idPasswordHasher<TUser> : IPasswordHasher<TUser>, IPasswordHashSlots where TUser : class
{
    private readonly AsyncLocal<Reservation?> _reserved = new();
    private readonly PasswordHashingOptions _options;
    private readonly Argon2idCost _cost;
    private readonly IArgon2idKdf _kdf;
    private readonly SemaphoreSlim _slots;
    private int _inFlight;
    private int _peakInFlight;

    public Argon2idPasswordHasher(IOptions<PasswordHashingOptions> options)
        : this(options, KonsciousArgon2idKdf.Instance)
    {
    }

    internal Argon2idPasswordHasher(IOptions<PasswordHashingOptions> options, IArgon2idKdf kdf)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        var errors = value.GetErrors();
        if (errors.Count > 0)
            throw new OptionsValidationException(PasswordHashingOptions.SectionName, typeof(PasswordHashingOptions), errors);

        _options = value;
        _cost = new Argon2idCost(value.Iterations, value.MemoryKiB, value.Parallelism);
        _kdf = kdf;
        _slots = new SemaphoreSlim(value.MaxConcurrentHashes, value.MaxConcurrentHashes);
    }

    /// <summary>The most hashes observed running at the same time; lets tests check the bound.</summary>
    internal int PeakConcurrentHashes => Volatile.Read(ref _peakInFlight);

    public string HashPassword(TUser user, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        var salt = RandomNumberGenerator.GetBytes(_options.SaltBytes);
        var hash = Derive(password, salt, _cost, _options.HashBytes);
        return new Argon2idPhcString(_cost, salt, hash).ToString();
    }

    public PasswordVerificationResult VerifyHashedPassword(TUser user, string hashedPassword, string providedPassword)
    {
        ArgumentNullException.ThrowIfNull(providedPassword);
        // No stored hash is of an empty password (HashPassword refuses it), so nothing needs computing.
        if (providedPassword.Length == 0
            || !Argon2idPhcString.TryParse(hashedPassword, out var stored))
            return PasswordVerificationResult.Failed;

        var actual = Derive(providedPassword, stored.Salt, stored.Cost, stored.Hash.Length);
        if (!CryptographicOperations.FixedTimeEquals(actual, stored.Hash))
            return PasswordVerificationResult.Failed;

        var current = stored.Cost == _cost
            && stored.Salt.Length == _options.SaltBytes
            && stored.Hash.Length == _options.HashBytes;
        return current ? PasswordVerificationResult.Success : PasswordVerificationResult.SuccessRehashNeeded;
    }

    /// <remarks>
    /// Not an async method on purpose: the reservation is made the calling flow's here, synchronously, because a value an
    /// async method gives an <see cref="AsyncLocal{T}"/> does not reach its caller.
    /// </remarks>
    public ValueTask<IDisposable?> ReserveAsync(CancellationToken cancellationToken)
    {
        var reservation = new Reservation(this);
        _reserved.Value = reservation;
        return reservation.AcquireAsync(_slots.WaitAsync(_options.QueueTimeout, cancellationToken));
    }

    private byte[] Derive(string password, byte[] salt, Argon2idCost cost, int hashBytes)
    {
        var reserved = _reserved.Value is { Held: true };
        if (!reserved && !_slots.Wait(_options.QueueTimeout))
            throw new TimeoutException(
                $"No password hashing slot became free within {_options.QueueTimeout} ({_options.MaxConcurrentHashes} hashes already running).");

        var passwordBytes = Encoding.UTF8.GetBytes(password);
        try
        {
            RecordPeak(Interlocked.Increment(ref _inFlight));
            return _kdf.DeriveBytes(passwordBytes, salt, cost, hashBytes);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            CryptographicOperations.ZeroMemory(passwordBytes);
            if (!reserved)
                _slots.Release();
        }
    }

    private void RecordPeak(int inFlight)
    {
        var peak = Volatile.Read(ref _peakInFlight);
        while (inFlight > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peakInFlight, inFlight, peak);
            if (seen == peak)
                return;
            peak = seen;
        }
    }

    /// <summary>A slot taken by <see cref="ReserveAsync"/>: the hashes of the flow that took it run in it until it is disposed.</summary>
    private sealed class Reservation(Argon2idPasswordHasher<TUser> hasher) : IDisposable
    {
        public bool Held { get; private set; }

        public async ValueTask<IDisposable?> AcquireAsync(Task<bool> waiting)
        {
            Held = await waiting;
            return Held ? this : null;
        }

        public void Dispose()
        {
            if (!Held)
                return;
            Held = false;
            hasher._slots.Release();
        }
    }
}
