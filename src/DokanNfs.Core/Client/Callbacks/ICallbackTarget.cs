using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client.Callbacks;

/// <summary>The back channel of the current session, as the dispatcher checks CB_SEQUENCE against it.</summary>
/// <param name="SessionId">The session the server's calls must name.</param>
/// <param name="MinorVersion">The minor version of the session; CB_COMPOUND carries the same (RFC 8881 §20).</param>
/// <param name="Slots">csr_back_chan_attrs.ca_maxrequests: how many slots the back channel has.</param>
/// <param name="MaxOperations">csr_back_chan_attrs.ca_maxoperations: the most operations one CB_COMPOUND may hold.</param>
internal readonly record struct BackChannelInfo(SessionId4 SessionId, uint MinorVersion, uint Slots, uint MaxOperations);

/// <summary>
/// What the callback operations act on: the client's delegations. Implemented by the client; the dispatcher calls it
/// under its lock on the back channel's own task, so each method must be quick and must not wait for the server.
/// </summary>
internal interface ICallbackTarget
{
    /// <summary>The back channel of the current session, or null while there is none.</summary>
    BackChannelInfo? BackChannel { get; }

    /// <summary>
    /// CB_RECALL (RFC 8881 §20.2): the server wants the delegation <paramref name="stateId"/> on
    /// <paramref name="fileHandle"/> back. Answers at once and returns it asynchronously (§20.2.3); a recall of one
    /// not known yet (it overtook the OPEN reply granting it, §2.10.6.3) is remembered and honoured when it is.
    /// </summary>
    NfsStat4 Recall(StateId4 stateId, bool truncate, NfsFh fileHandle);

    /// <summary>
    /// CB_GETATTR (RFC 8881 §20.1): the change and size of a file we hold a write delegation on, as the client sees
    /// them (its writes may not have reached the server). NFS4ERR_BADHANDLE when we hold none on it.
    /// </summary>
    NfsStat4 GetAttributes(NfsFh fileHandle, out ulong change, out ulong size);
}
