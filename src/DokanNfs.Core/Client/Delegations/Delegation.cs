using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Client.Delegations;

/// <summary>
/// One delegation the server granted with an OPEN (RFC 8881 §10.4): what it covers, its stateid, who it was granted
/// to, the attributes the file had then, and the opens made locally under it (not sent to the server).
/// </summary>
public sealed class Delegation
{
    private readonly List<NfsOpenFile> _localOpens = [];
    private int _returning;

    internal Delegation(NfsFh fileHandle, string path, OpenDelegationType4 type, StateId4 stateId, RpcCredential credential, NfsAttributes attributes)
    {
        FileHandle = fileHandle;
        Path = path;
        Type = type;
        StateId = stateId;
        Credential = credential;
        Attributes = attributes;
    }

    public NfsFh FileHandle { get; }

    /// <summary>The path it was opened by: the name local opens find it under.</summary>
    public string Path { get; }

    public OpenDelegationType4 Type { get; }

    public StateId4 StateId { get; internal set; }

    /// <summary>The principal whose OPEN got it: only that principal's opens are made locally (the server checked its access).</summary>
    public RpcCredential Credential { get; }

    /// <summary>The attributes the OPEN that got it returned; nobody else can change the file while it is held.</summary>
    public NfsAttributes Attributes { get; }

    /// <summary>True for a write delegation: no other client may open the file at all.</summary>
    public bool IsWrite => Type is OpenDelegationType4.Write or OpenDelegationType4.WriteAttrsDeleg;

    /// <summary>True once its return has started (recall, close of the client): it no longer vouches for anything.</summary>
    public bool Returning => Volatile.Read(ref _returning) != 0;

    /// <summary>The delegation as an OPEN reply names it, for an open made under it.</summary>
    internal OpenDelegation Granted => new(Type, StateId, false);

    /// <summary>Adds an open made under the delegation; false once its return has begun (then open on the server).</summary>
    internal bool AddLocalOpen(NfsOpenFile file)
    {
        lock (_localOpens)
        {
            if (Returning)
            {
                return false;
            }

            _localOpens.Add(file);
            return true;
        }
    }

    internal void RemoveLocalOpen(NfsOpenFile file)
    {
        lock (_localOpens)
        {
            _localOpens.Remove(file);
        }
    }

    /// <summary>Marks the return started; true only for the first caller. No local open is added afterwards.</summary>
    internal bool BeginReturn()
    {
        lock (_localOpens)
        {
            return Interlocked.Exchange(ref _returning, 1) == 0;
        }
    }

    /// <summary>The opens made under it, once its return has begun (none is added after that).</summary>
    internal NfsOpenFile[] LocalOpens()
    {
        lock (_localOpens)
        {
            return [.. _localOpens];
        }
    }

    public override string ToString() => $"{Type} delegation {StateId} on {Path}";
}
