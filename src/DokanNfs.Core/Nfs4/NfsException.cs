namespace DokanNfs.Core.Nfs4;

/// <summary>
/// The one error that carries an NFS status. Front ends translate <see cref="Status"/> to NTSTATUS or errno,
/// each in one table; the core never does.
/// </summary>
public class NfsException : Exception
{
    public NfsException(NfsStat4 status, NfsOpnum4 operation, string? path = null, Exception? innerException = null)
        : base(Describe(status, operation, path), innerException)
    {
        Status = status;
        Operation = operation;
        Path = path;
    }

    /// <summary>An NFS error with a sentence of its own, for statuses whose bare name would not tell the user enough.</summary>
    public NfsException(NfsStat4 status, NfsOpnum4 operation, string? path, string message)
        : base(message)
    {
        Status = status;
        Operation = operation;
        Path = path;
    }

    public NfsStat4 Status { get; }

    /// <summary>The operation of the COMPOUND that failed.</summary>
    public NfsOpnum4 Operation { get; }

    /// <summary>The path the call was about, when known.</summary>
    public string? Path { get; }

    /// <summary>
    /// The position of the failing operation in its COMPOUND, or -1. Whether an owner's seqid was consumed
    /// depends on whether the seqid-bearing operation ran (RFC 7530 §9.1.7), which this tells.
    /// </summary>
    public int OpIndex { get; init; } = -1;

    private static string Describe(NfsStat4 status, NfsOpnum4 op, string? path) =>
        $"NFS4ERR {status} ({(int)status}) from {op}" + (path is null ? "." : $" on {path}.");
}

/// <summary>
/// NFS4ERR_MOVED met while walking a path (RFC 7530 §8.4): <see cref="ReferralPath"/> is the directory
/// where the other file system begins, and <see cref="Locations"/> says where it lives, which is all the
/// caller needs to follow it.
/// </summary>
public sealed class NfsMovedException : NfsException
{
    public NfsMovedException(string path, string referralPath, FsLocations4? locations, NfsOpnum4 operation)
        : base(NfsStat4.Moved, operation, path)
    {
        ReferralPath = referralPath;
        Locations = locations;
    }

    public string ReferralPath { get; }

    public FsLocations4? Locations { get; }
}

/// <summary>
/// The open or lock behind a handle was lost (a reclaim refused after a server restart, a lease that
/// expired during a partition, a stateid the server no longer knows). I/O through the handle fails with
/// this until it is closed and opened again: nothing re-takes lost state behind the caller's back, since
/// another client may have changed the file meanwhile.
/// </summary>
public sealed class NfsStateLostException(NfsStat4 cause, NfsOpnum4 operation, string path, string reason)
    : NfsException(cause, operation, path)
{
    public string Reason { get; } = reason;

    public override string Message => $"The open state of {Path} was lost ({Reason}; NFS4ERR {Status}): close the file and open it again.";
}
