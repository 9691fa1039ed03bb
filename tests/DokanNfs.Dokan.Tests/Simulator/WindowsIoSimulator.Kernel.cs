using System.Globalization;
using System.Reflection;
using DokanNfs.Dokan.Adapter;
using DokanNfs.Dokan.Mapping;

namespace DokanNfs.Dokan.Tests.Simulator;

/// <summary>One request the simulated driver sent and the NTSTATUS the adapter answered.</summary>
public sealed record SimCall(string Request, int Status)
{
    public override string ToString() => $"{Request} = {WindowsIoSimulator.StatusName(Status)}";
}

// What the driver keeps between requests beyond one open (the file control block's name) and a log of every
// request, so a scenario can assert each NTSTATUS in the order the program met them.
public sealed partial class WindowsIoSimulator
{
    private static readonly Dictionary<int, string> StatusNames = typeof(NtStatus)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(int))
        .GroupBy(f => (int)f.GetRawConstantValue()!)
        .ToDictionary(g => g.Key, g => g.First().Name);

    // Rights IoCheckShareAccess counts (wdm.h): reading, writing, deleting; generic rights as the I/O manager maps them.
    private const uint ReadRights = NtCreate.FileReadData | NtCreate.FileExecute | NtCreate.GenericRead | NtCreate.GenericExecute | NtCreate.GenericAll;
    private const uint WriteRights = NtCreate.FileWriteData | NtCreate.FileAppendData | NtCreate.GenericWrite | NtCreate.GenericAll;
    private const uint DeleteRights = NtCreate.Delete | NtCreate.GenericAll;

    private readonly Lock _kernel = new();
    private readonly Dictionary<SimHandle, (uint Access, uint Share)> _open = [];
    private readonly List<SimCall> _calls = [];

    /// <summary>
    /// Play the driver's own checks before a create reaches the file system, as dokan's sys/create.c does per file
    /// control block: share access between the opens of the file that are not cleaned up yet (IoCheckShareAccess
    /// rules — read, write and delete against FILE_SHARE_READ / _WRITE / _DELETE; opens for attributes only take
    /// part in nothing) answered STATUS_SHARING_VIOLATION, and FILE_CREATE of a name that is open answered
    /// STATUS_OBJECT_NAME_COLLISION — in both cases without calling ZwCreateFile. Off by default: the adapter's own
    /// share reservations (NFS OPEN share_deny, which other NFS clients meet) are then what answers.
    /// </summary>
    public bool DriverChecksShareAccess { get; set; }

    /// <summary>Every request so far (ZwCreateFile, queries, I/O, Cleanup, CloseFile…) with its status, oldest first.</summary>
    public IReadOnlyList<SimCall> Calls
    {
        get
        {
            lock (_kernel)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>The requests that did not answer STATUS_SUCCESS (collisions that mean "opened" included), as "request = STATUS".</summary>
    public IReadOnlyList<string> CallsNotSucceeding() => [.. Calls.Where(c => c.Status != NtStatus.Success).Select(c => c.ToString())];

    /// <summary>Forgets the requests logged so far (a scenario's set-up is not part of what it asserts).</summary>
    public void ClearCalls()
    {
        lock (_kernel)
        {
            _calls.Clear();
        }
    }

    /// <summary>The NtStatus constant's name for <paramref name="status"/>, or its hex value.</summary>
    public static string StatusName(int status) =>
        StatusNames.TryGetValue(status, out var name) ? name : "0x" + status.ToString("X8", CultureInfo.InvariantCulture);

    partial void DriverChecksCreate(string path, uint desiredAccess, uint shareAccess, uint disposition, ref int refused)
    {
        if (!DriverChecksShareAccess)
        {
            return;
        }

        lock (_kernel)
        {
            var sameFile = _open.Where(o => string.Equals(o.Key.Path, path, StringComparison.Ordinal)).ToList();
            if (sameFile.Count > 0 && disposition == NtCreate.FileCreate)
            {
                refused = NtStatus.ObjectNameCollision; // "Cannot create a file already open"
            }
            else if (sameFile.Any(o => !o.Key.CleanedUp && ShareConflict(desiredAccess, shareAccess, o.Value.Access, o.Value.Share)))
            {
                refused = NtStatus.SharingViolation;
            }
            else
            {
                return;
            }

            _calls.Add(new SimCall($"ZwCreateFile {path} (driver)", refused));
        }
    }

    /// <summary>IoCheckShareAccess between a new open and one that holds the file: either refuses what the other does.</summary>
    private static bool ShareConflict(uint access, uint share, uint heldAccess, uint heldShare)
    {
        static (bool Read, bool Write, bool Delete) Rights(uint a) => ((a & ReadRights) != 0, (a & WriteRights) != 0, (a & DeleteRights) != 0);
        var (read, write, delete) = Rights(access);
        var (heldRead, heldWrite, heldDelete) = Rights(heldAccess);
        if (!(read || write || delete) || !(heldRead || heldWrite || heldDelete))
        {
            return false;
        }

        return (read && (heldShare & NtCreate.FileShareRead) == 0)
            || (write && (heldShare & NtCreate.FileShareWrite) == 0)
            || (delete && (heldShare & NtCreate.FileShareDelete) == 0)
            || (heldRead && (share & NtCreate.FileShareRead) == 0)
            || (heldWrite && (share & NtCreate.FileShareWrite) == 0)
            || (heldDelete && (share & NtCreate.FileShareDelete) == 0);
    }

    partial void OnOpened(SimHandle handle, uint desiredAccess, uint shareAccess)
    {
        lock (_kernel)
        {
            _open[handle] = (desiredAccess, shareAccess);
        }
    }

    partial void OnClosed(SimHandle handle)
    {
        lock (_kernel)
        {
            _open.Remove(handle);
        }
    }

    /// <summary>
    /// Dokan renames the file control block, not only the file object the rename came through (sys/fileinfo.c:
    /// "rename also done on fcb"), so every open of the same file carries the new name from now on.
    /// </summary>
    partial void OnRenamed(SimHandle handle, string oldPath)
    {
        lock (_kernel)
        {
            foreach (var other in _open.Keys)
            {
                if (!ReferenceEquals(other, handle) && string.Equals(other.Path, oldPath, StringComparison.Ordinal))
                {
                    other.Path = handle.Path;
                }
            }
        }
    }

    partial void OnCompleted(string description, int status)
    {
        lock (_kernel)
        {
            _calls.Add(new SimCall(description, status));
        }
    }
}
