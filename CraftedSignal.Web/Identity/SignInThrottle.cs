using CraftedSignal.Domain.Audit;
using Microsoft.Extensions.Options;

namespace CraftedSignal.Web.Identity;

/// <summary>How failed sign-ins are throttled (<c>Security:SignInThrottle</c>).</summary>
public sealed class SignInThrottleOptions
{
    public const string SectionName = "Security:SignInThrottle";

    /// <summary>Failures for one account from one address within <see cref="Window"/> before that address may not try that account again.</summary>
    public int FailuresPerAccountAndAddress { get; set; } = 5;

    /// <summary>Failures from one address, whatever the accounts, within <see cref="Window"/> before it may not try any.</summary>
    public int FailuresPerAddress { get; set; } = 20;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The most windows kept at once; past it, closed ones are flushed early and the oldest open ones end.</summary>
    public int MaxTracked { get; set; } = 100_000;
}

/// <summary>Who failed to sign in, as the audit entry names them: the account's user and company when the account exists.</summary>
public sealed record SignInAttempt(string Address, string Account, string Method, string? UserId, Guid? CompanyId, string ActorName);

/// <summary>The failures of one account from one address within one window: the first was audited, the rest are counted here.</summary>
public sealed record SignInFailureCount(SignInAttempt First, int Attempts, int Refused, DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// Throttles failed sign-ins by their source, never by the account alone, so that a stranger cannot lock anyone out: after
/// <see cref="SignInThrottleOptions.FailuresPerAccountAndAddress"/> failures for an account from one address, that address
/// may not try that account until the window ends (the owner, elsewhere, still signs in), and after
/// <see cref="SignInThrottleOptions.FailuresPerAddress"/> failures from an address it may not try any account. The first
/// failure of a window is audited at once; the others (and the attempts refused) are counted, and the count is audited
/// once when the window ends (<see cref="TakeEnded"/>), so a flood writes two entries per account and address per window.
/// Windows live in this process's memory: each node of a cluster counts its own.
/// </summary>
public sealed class SignInThrottle(IOptions<SignInThrottleOptions> options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Address, string Account), Window> _pairs = [];
    private readonly Dictionary<string, Window> _addresses = new(StringComparer.Ordinal);
    private readonly List<SignInFailureCount> _ended = [];

    /// <summary>The account-and-address windows kept now (at most <see cref="SignInThrottleOptions.MaxTracked"/>).</summary>
    internal int TrackedWindows
    {
        get
        {
            lock (_lock)
                return _pairs.Count;
        }
    }

    /// <summary>How long the address must wait before it may try the account again; null when it may now.</summary>
    public TimeSpan? Refusal(string address, string account)
    {
        var now = time.GetUtcNow();
        var limits = options.Value;
        lock (_lock)
        {
            var refusedUntil = DateTimeOffset.MinValue;
            if (Open(_pairs.GetValueOrDefault((address, account)), now) is { } pair && pair.Failures >= limits.FailuresPerAccountAndAddress)
                refusedUntil = pair.Ends;
            if (Open(_addresses.GetValueOrDefault(address), now) is { } all && all.Failures >= limits.FailuresPerAddress && all.Ends > refusedUntil)
                refusedUntil = all.Ends;
            if (refusedUntil == DateTimeOffset.MinValue)
                return null;
            if (_pairs.GetValueOrDefault((address, account)) is { } counted && counted.Ends > now)
                counted.Refused++;
            return refusedUntil - now;
        }
    }

    /// <summary>Counts a failure; true when it is the first of its window, so the caller audits it.</summary>
    public bool RecordFailure(SignInAttempt attempt)
    {
        var now = time.GetUtcNow();
        var window = options.Value.Window;
        lock (_lock)
        {
            if (_pairs.Count >= options.Value.MaxTracked)
                EndWindows(now, force: true);
            var key = (attempt.Address, attempt.Account);
            var first = false;
            if (Open(_pairs.GetValueOrDefault(key), now) is not { } pair)
            {
                if (_pairs.Remove(key, out var old))
                    End(old);
                pair = _pairs[key] = new Window(attempt, now, now + window);
                first = true;
            }

            pair.Failures++;
            pair.Last = now;
            if (Open(_addresses.GetValueOrDefault(attempt.Address), now) is not { } all)
                all = _addresses[attempt.Address] = new Window(attempt, now, now + window);
            all.Failures++;
            return first;
        }
    }

    /// <summary>A successful sign-in ends its account and address window (its count is still audited); the address's own count stays.</summary>
    public void RecordSuccess(string address, string account)
    {
        lock (_lock)
        {
            if (_pairs.Remove((address, account), out var pair))
                End(pair);
        }
    }

    /// <summary>The counts of the windows that have ended (all of them when <paramref name="all"/>, as at shutdown), each once, for their audit entry.</summary>
    public IReadOnlyList<SignInFailureCount> TakeEnded(bool all = false)
    {
        lock (_lock)
        {
            EndWindows(time.GetUtcNow(), all);
            var ended = _ended.ToList();
            _ended.Clear();
            return ended;
        }
    }

    private void EndWindows(DateTimeOffset now, bool force)
    {
        foreach (var (key, pair) in _pairs.Where(p => force || p.Value.Ends <= now).ToList())
        {
            _pairs.Remove(key);
            End(pair);
        }

        foreach (var address in _addresses.Where(a => force || a.Value.Ends <= now).Select(a => a.Key).ToList())
            _addresses.Remove(address);
    }

    /// <summary>A window's count goes to the audit only when more happened than its first, audited, failure.</summary>
    private void End(Window pair)
    {
        if (pair.Failures > 1 || pair.Refused > 0)
            _ended.Add(new SignInFailureCount(pair.First, pair.Failures + pair.Refused, pair.Refused, pair.Started, pair.Last));
    }

    private static Window? Open(Window? window, DateTimeOffset now) => window is not null && window.Ends > now ? window : null;

    private sealed class Window(SignInAttempt first, DateTimeOffset started, DateTimeOffset ends)
    {
        public SignInAttempt First { get; } = first;

        public DateTimeOffset Started { get; } = started;

        public DateTimeOffset Ends { get; } = ends;

        public DateTimeOffset Last { get; set; } = started;

        public int Failures { get; set; }

        public int Refused { get; set; }
    }
}

/// <summary>Audits the counts of ended sign-in failure windows every minute, and all of them when the server stops.</summary>
public sealed class SignInThrottleAuditor(SignInThrottle throttle, IServiceScopeFactory scopes, TimeProvider time, ILogger<SignInThrottleAuditor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await AuditAsync(all: false, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await AuditAsync(all: true, cancellationToken);
    }

    /// <summary>One audit entry per ended window: how many attempts, how many of them refused unheard, from when to when.</summary>
    public async Task AuditAsync(bool all, CancellationToken cancellationToken)
    {
        var ended = throttle.TakeEnded(all);
        if (ended.Count == 0)
            return;
        await using var scope = scopes.CreateAsyncScope();
        var audit = scope.ServiceProvider.GetRequiredService<AuditTrailService>();
        foreach (var count in ended)
        {
            try
            {
                var first = count.First;
                await audit.RecordAsync(new Actor(first.UserId, first.ActorName, first.Address == Security.RateLimits.UnknownAddress ? null : first.Address), first.CompanyId, AuditActions.SignInFailuresCounted, "user", first.UserId,
                    new { method = first.Method, attempts = count.Attempts, refused_without_checking = count.Refused, from = count.From, to = count.To, audited_individually = 1 },
                    cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Could not audit {Attempts} failed sign-ins from {Address}", count.Attempts, count.First.Address);
            }
        }
    }
}
