using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CraftedSignal.Tests.Infrastructure;

/// <summary>A logger provider that keeps every message, at every level and of every category, with its exception.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Text)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Text)> Entries => [.. _entries];

    /// <summary>Everything logged, one entry per line, exceptions included.</summary>
    public string All => string.Join('\n', _entries.Select(e => $"{e.Level} {e.Category}: {e.Text}"));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._entries.Enqueue((logLevel, category, formatter(state, exception) + (exception is null ? "" : "\n" + exception)));
    }
}
