using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using DokanNfs.Dokan.Adapter;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Dokan.Native;

/// <summary>
/// One mounted volume as the callbacks see it: the adapter they call and the logger their exception barrier
/// writes to. Found from DOKAN_FILE_INFO.DokanOptions->GlobalContext, which holds <see cref="Id"/>.
/// </summary>
internal sealed class DokanInstance(ulong id, NfsDokanOperations operations, ILogger logger)
{
    public ulong Id { get; } = id;

    public NfsDokanOperations Operations { get; } = operations;

    public ILogger Logger { get; } = logger;

    /// <summary>The mount point Dokan reported in Mounted (the mount manager may pick another letter); null before.</summary>
    public string? MountedAt { get; set; }
}

/// <summary>
/// The mounted volumes of this process by id. DOKAN_OPTIONS.GlobalContext carries the id, never a GCHandle: a
/// number survives the native boundary without pinning anything, and a stale or forged id finds nothing.
/// Lookups are lock-free and allocate nothing (every callback does one).
/// </summary>
internal static class DokanInstances
{
    private static readonly ConcurrentDictionary<ulong, DokanInstance> Mounted = new();
    private static long _nextId;

    public static int Count => Mounted.Count;

    public static DokanInstance Register(NfsDokanOperations operations, ILogger logger)
    {
        var id = (ulong)Interlocked.Increment(ref _nextId); // never 0: a zeroed DOKAN_OPTIONS finds nothing
        var instance = new DokanInstance(id, operations, logger);
        Mounted[id] = instance;
        return instance;
    }

    public static void Unregister(ulong id) => Mounted.TryRemove(id, out _);

    /// <summary>The volume a callback belongs to; false for a null DOKAN_FILE_INFO or options, or an id not (or no longer) mounted.</summary>
    public static unsafe bool TryFind(DOKAN_FILE_INFO* info, [NotNullWhen(true)] out DokanInstance? instance)
    {
        if (info is null || info->DokanOptions is null)
        {
            instance = null;
            return false;
        }

        return Mounted.TryGetValue(info->DokanOptions->GlobalContext, out instance);
    }
}
