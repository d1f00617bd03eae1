using Microsoft.Extensions.Options;

namespace CraftedSignal.Domain.Testing;

/// <summary>
/// The process-wide bound on evaluations of rules with backtracking patterns (<see cref="EvaluationOptions.MaxConcurrentBacktracking"/>):
/// each may spend up to its budget at a regex's timeout, so a few such rules must not take every core from the server.
/// An evaluation holds a slot from its first event to its last.
/// </summary>
public sealed class BacktrackingLimiter(IOptions<EvaluationOptions> options, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentBacktracking, options.Value.MaxConcurrentBacktracking);

    public int Capacity { get; } = options.Value.MaxConcurrentBacktracking;

    /// <summary>
    /// A slot, released when disposed, or null when none freed up within <paramref name="wait"/> (measured with the
    /// injected <see cref="TimeProvider"/>, so a test's clock decides).
    /// </summary>
    public async Task<IDisposable?> EnterAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (_slots.Wait(0, cancellationToken))
            return new Slot(_slots);
        using var timeout = new CancellationTokenSource(wait, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await _slots.WaitAsync(linked.Token);
            return new Slot(_slots);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                slots.Release();
        }
    }
}
