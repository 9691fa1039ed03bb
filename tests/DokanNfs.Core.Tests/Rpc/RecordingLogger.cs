using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Core.Tests.Rpc;

/// <summary>One log event as the client raised it, stamped when it was raised.</summary>
internal sealed record LoggedEvent(EventId EventId, LogLevel Level, long Timestamp, IReadOnlyDictionary<string, object?> Values, string Message);

/// <summary>An <see cref="ILogger"/> that keeps every event, so tests can see what happened inside the client and when.</summary>
internal sealed class RecordingLogger : ILogger
{
    private readonly ConcurrentQueue<LoggedEvent> _events = new();

    public IReadOnlyList<LoggedEvent> Events => [.. _events];

    public IReadOnlyList<LoggedEvent> WithId(int eventId) => [.. _events.Where(e => e.EventId.Id == eventId)];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var timestamp = Stopwatch.GetTimestamp();
        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? pairs.ToDictionary(p => p.Key, p => p.Value)
            : new Dictionary<string, object?>();
        _events.Enqueue(new LoggedEvent(eventId, logLevel, timestamp, values, formatter(state, exception)));
    }
}
