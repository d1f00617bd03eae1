using Hangfire.AspNetCore;
using Hangfire.Logging;

namespace CraftedSignal.Web.Jobs;

/// <summary>
/// Hangfire's log provider is process-wide, while each host has its own logger factory: when one host stops (a test host,
/// a CLI verb that built a host), loggers Hangfire cached from it are disposed. This provider lets such a logger go quiet
/// instead of failing the work of the hosts still running.
/// </summary>
internal sealed class HostLogProvider(ILoggerFactory loggerFactory) : ILogProvider
{
    private readonly AspNetCoreLogProvider _inner = new(loggerFactory);

    public ILog GetLogger(string name) => new QuietWhenDisposed(() => _inner.GetLogger(name));

    private sealed class QuietWhenDisposed(Func<ILog> create) : ILog
    {
        private ILog? _inner;

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null)
        {
            try
            {
                return (_inner ??= create()).Log(logLevel, messageFunc, exception);
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
