using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace DokanNfs.TestSupport.Logging;

/// <summary>One log event as the client raised it, stamped (Stopwatch ticks) when it was raised.</summary>
public sealed record LoggedEvent(EventId EventId, LogLevel Level, long Timestamp, IReadOnlyDictionary<string, object?> Values, string Message)
{
    public override string ToString() => $"{Level} {EventId.Id}: {Message}";
}

/// <summary>An <see cref="ILogger"/> that keeps every event, so a test can read what the client logged and when.</summary>
public sealed class RecordingLogger : ILogger
{
    private readonly ConcurrentQueue<LoggedEvent> _events = new();

    public IReadOnlyList<LoggedEvent> Events => [.. _events];

    /// <summary>The events with <paramref name="eventId"/> (the stable ids of RpcLog and ClientLog).</summary>
    public IReadOnlyList<LoggedEvent> WithId(int eventId) => [.. _events.Where(e => e.EventId.Id == eventId)];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var timestamp = Stopwatch.GetTimestamp();
        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? pairs.ToDictionary(p => p.Key, p => p.Value)
            : new Dictionary<string, object?>();
        _events.Enqueue(new LoggedEvent(eventId, logLevel, timestamp, values, formatter(state, exception)));
    }
}
