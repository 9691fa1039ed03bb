using System.Collections.Concurrent;
using System.Diagnostics;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Tests.Simulator;

/// <summary>One DokanNotify* call the adapter made.</summary>
public sealed record DokanNotification(string Kind, string Path, string? NewPath = null, bool IsDirectory = false);

/// <summary>
/// The Dokan library as the simulator plays it: it records notifications, answers who the requester is
/// (the simulated process's SID), and enforces the request deadline the way the driver does — a request
/// that runs longer than the timeout since it started or since its last DokanResetTimeout unmounts the
/// volume (<see cref="Unmounted"/>).
/// </summary>
public sealed class RecordingDokanHost : IDokanHost
{
    private readonly ConcurrentQueue<DokanNotification> _notifications = new();
    private readonly ConcurrentDictionary<ulong, long> _deadlines = new();
    private long _resetCount;

    public RecordingDokanHost(TimeSpan timeout) => Timeout = timeout;

    /// <summary>DOKAN_OPTIONS.Timeout as the simulated driver enforces it.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The SID <see cref="GetRequestorSid"/> answers for a DOKAN_FILE_INFO.ProcessId; null when unknown.</summary>
    public ConcurrentDictionary<uint, string> ProcessSids { get; } = new();

    public IReadOnlyList<DokanNotification> Notifications => [.. _notifications];

    public long ResetTimeoutCount => Interlocked.Read(ref _resetCount);

    /// <summary>Set when a request outlived its deadline: the real driver would have unmounted the volume.</summary>
    public string? Unmounted { get; private set; }

    public void ClearNotifications() => _notifications.Clear();

    /// <summary>Starts the deadline of the request <paramref name="requestId"/>.</summary>
    internal void BeginRequest(ulong requestId) => _deadlines[requestId] = Stopwatch.GetTimestamp() + ToTicks(Timeout);

    /// <summary>Ends a request; records an unmount if it finished after its deadline.</summary>
    internal void EndRequest(ulong requestId, string description)
    {
        if (_deadlines.TryRemove(requestId, out var deadline) && Stopwatch.GetTimestamp() > deadline)
        {
            Unmounted ??= $"{description} outlived the {Timeout.TotalSeconds:0.#} s request timeout without DokanResetTimeout";
        }
    }

    public void ResetTimeout(uint milliseconds, ref DOKAN_FILE_INFO info)
    {
        Interlocked.Increment(ref _resetCount);
        var requestId = info.DokanContext;
        var now = Stopwatch.GetTimestamp();
        if (_deadlines.TryGetValue(requestId, out var deadline) && now > deadline)
        {
            Unmounted ??= $"request {requestId} was already past its deadline when DokanResetTimeout came";
        }

        _deadlines[requestId] = now + ToTicks(TimeSpan.FromMilliseconds(milliseconds));
    }

    public string? GetRequestorSid(ref DOKAN_FILE_INFO info) => ProcessSids.TryGetValue(info.ProcessId, out var sid) ? sid : null;

    public void NotifyCreate(string path, bool isDirectory) => _notifications.Enqueue(new("create", path, IsDirectory: isDirectory));

    public void NotifyDelete(string path, bool isDirectory) => _notifications.Enqueue(new("delete", path, IsDirectory: isDirectory));

    public void NotifyUpdate(string path) => _notifications.Enqueue(new("update", path));

    public void NotifyRename(string oldPath, string newPath, bool isDirectory, bool isInSameDirectory) =>
        _notifications.Enqueue(new("rename", oldPath, newPath, isDirectory));

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);
}
