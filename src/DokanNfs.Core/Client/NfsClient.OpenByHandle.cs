using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

// NFSv4.1's OPEN of a file the client holds the filehandle of (CLAIM_FH, RFC 8881 §18.16.3): no name, so no path walk
// before it and no race with a rename of the file by someone else. NFSv4.0 has no such claim: there a file is opened
// again by name (CLAIM_NULL) in its directory.
public sealed partial class NfsClient
{
    /// <summary>
    /// PUTFH(<paramref name="file"/>), OPEN with CLAIM_FH and OPEN4_NOCREATE for <paramref name="owner"/>, GETATTR: one
    /// COMPOUND. The owner gets a claim on the handle, as after an OPEN by name. Only with a session (NFSv4.1).
    /// </summary>
    internal async ValueTask<(StateId4 StateId, NfsAttributes Attributes, OpenDelegation Delegation)> OpenByFileHandleAsync(
        OwnerState owner, NfsFh file, OpenShareAccess access, OpenShareDeny deny, CancellationToken cancellationToken)
    {
        if (Session is null)
        {
            throw new InvalidOperationException("OPEN by filehandle (CLAIM_FH) is NFSv4.1; under NFSv4.0 a file is opened by name.");
        }

        var (result, attributes) = await RunOwnerOpAsync(
            owner,
            seqOpIndex: 1,
            (seqid, ct) => AttemptAsync(
                "open",
                (file, seqid, owner.Name, access, deny),
                static (ref CompoundEncoder e, (NfsFh File, uint SeqId, StateOwner4 Owner, OpenShareAccess Access, OpenShareDeny Deny) c) =>
                {
                    e.PutFh(c.File);
                    e.Open(c.SeqId, c.Access, c.Deny, c.Owner, null, null, default, OpenClaim4.ByFileHandle());
                    e.GetAttr(AttributeRequests.Stat);
                },
                static (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.PutFh(ref r);
                    var open = results.Open(ref r);
                    return (open, results.GetAttr(ref r));
                },
                ct,
                owner.Credential),
            cancellationToken).ConfigureAwait(false);

        // NFSv4.1 has no OPEN_CONFIRM (RFC 8881 §18.16.4).
        owner.Confirmed = true;
        _owners.AddHandle(owner, file);
        return (result.StateId, attributes, result.Delegation);
    }
}
