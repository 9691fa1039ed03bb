using DokanNfs.Dokan.Native;

namespace DokanNfs.Dokan.Tests.Simulator;

/// <summary>
/// One kernel file object as the simulated driver keeps it: the path it was opened by (updated by a rename
/// on it, as Dokan does), the process that opened it, and the per-open DOKAN_FILE_INFO fields that carry
/// from call to call (Context, IsDirectory, DeletePending).
/// </summary>
public sealed class SimHandle
{
    internal SimHandle(string path, uint processId, DOKAN_FILE_INFO info)
    {
        Path = path;
        ProcessId = processId;
        Info = info;
    }

    /// <summary>The volume-relative Windows path ("\dir\file.txt").</summary>
    public string Path { get; internal set; }

    public uint ProcessId { get; }

    public bool IsDirectory => Info.IsDirectory != 0;

    public bool DeletePending => Info.DeletePending != 0;

    public bool CleanedUp { get; internal set; }

    public bool Closed { get; internal set; }

    internal DOKAN_FILE_INFO Info;

    public override string ToString() => $"{Path} (context {Info.Context})";
}

/// <summary>What a simulated ZwCreateFile returned.</summary>
public sealed record SimCreateResult(int Status, SimHandle? Handle)
{
    /// <summary>The open exists: success, or a collision Dokan reports as "opened".</summary>
    public bool Succeeded => Handle is not null;
}

/// <summary>One entry a simulated directory query returned.</summary>
public sealed record SimFindEntry(string Name, uint Attributes, ulong Size, long CreationTime, long LastAccessTime, long LastWriteTime)
{
    public bool IsDirectory => (Attributes & 0x10) != 0;
}
