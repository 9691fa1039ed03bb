using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client.Delegations;

/// <summary>One delegation the server granted with an OPEN (RFC 8881 §10.4): what it covers and its stateid.</summary>
public sealed class Delegation
{
    private int _returning;

    internal Delegation(NfsFh fileHandle, string path, OpenDelegationType4 type, StateId4 stateId)
    {
        FileHandle = fileHandle;
        Path = path;
        Type = type;
        StateId = stateId;
    }

    public NfsFh FileHandle { get; }

    /// <summary>The path it was opened by (for log lines and reclaims by name).</summary>
    public string Path { get; }

    public OpenDelegationType4 Type { get; }

    public StateId4 StateId { get; internal set; }

    /// <summary>True for a write delegation: no other client may open the file at all.</summary>
    public bool IsWrite => Type is OpenDelegationType4.Write or OpenDelegationType4.WriteAttrsDeleg;

    /// <summary>True once its return has started (recall, close of the client): it no longer vouches for anything.</summary>
    public bool Returning => Volatile.Read(ref _returning) != 0;

    /// <summary>Marks the return started; true only for the first caller, which then sends DELEGRETURN.</summary>
    internal bool BeginReturn() => Interlocked.Exchange(ref _returning, 1) == 0;

    public override string ToString() => $"{Type} delegation {StateId} on {Path}";
}
