using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Integration.Tests.Recovery;

/// <summary>One log event as the client raised it.</summary>
public sealed record LoggedEvent(EventId EventId, LogLevel Level, IReadOnlyDictionary<string, object?> Values, string Message)
{
    public override string ToString() => $"{Level} {EventId.Id}: {Message}";
}

/// <summary>An <see cref="ILogger"/> that keeps every event, so a test can read what the client logged.</summary>
public sealed class RecordingLogger : ILogger
{
    private readonly ConcurrentQueue<LoggedEvent> _events = new();

    public IReadOnlyList<LoggedEvent> Events => [.. _events];

    /// <summary>The events with <paramref name="eventId"/> (the client's stable ids, see ClientLog).</summary>
    public IReadOnlyList<LoggedEvent> WithId(int eventId) => [.. _events.Where(e => e.EventId.Id == eventId)];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? pairs.ToDictionary(p => p.Key, p => p.Value)
            : new Dictionary<string, object?>();
        _events.Enqueue(new LoggedEvent(eventId, logLevel, values, formatter(state, exception)));
    }
}
