using Microsoft.Extensions.Logging;

namespace ModelOps.Durable.Bench;

/// <summary>
/// A logger factory with no dependencies beyond the abstractions: warnings and errors go to stderr (so a soak host's log
/// shows why it struggled), and an optional observer sees every entry, Debug included, to time engine phases.
/// </summary>
internal sealed class StderrLoggerFactory(LogLevel stderrLevel = LogLevel.Warning, Action<EventId, IReadOnlyList<KeyValuePair<string, object?>>>? observer = null)
    : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new Logger(stderrLevel, observer);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Logger(LogLevel stderrLevel, Action<EventId, IReadOnlyList<KeyValuePair<string, object?>>>? observer) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => observer is not null || logLevel >= stderrLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (observer is not null && state is IReadOnlyList<KeyValuePair<string, object?>> fields)
            {
                observer(eventId, fields);
            }
            if (logLevel >= stderrLevel)
            {
                Console.Error.WriteLine($"{TimeProvider.System.GetUtcNow():HH:mm:ss.fff} {logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
        }
    }
}
