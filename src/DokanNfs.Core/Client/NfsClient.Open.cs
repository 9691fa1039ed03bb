using System.Security.Cryptography;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.Core.Client;

public sealed partial class NfsClient
{
    /// <summary>
    /// OPEN with CLAIM_NULL (RFC 7530 §16.16): PUTFH(directory), OPEN, GETFH, GETATTR in one COMPOUND,
    /// then OPEN_CONFIRM when the server asks for it (a new open-owner), then for EXCLUSIVE4 the SETATTR
    /// of the real attributes, and SETATTR(size 0) when truncating.
    /// </summary>
    public async ValueTask<NfsOpenFile> OpenAsync(string path, OpenRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await EnsureClientIdAsync(cancellationToken).ConfigureAwait(false);
        var (parent, name) = await ResolveParentAsync(path, cancellationToken).ConfigureAwait(false);
        var normalized = NfsPath.Combine(parent.Path, name);

        // The owner's claim is on the path until the open is closed, and on the file's handle once known.
        var owner = _owners.AcquireOpenOwner(normalized);
        try
        {
            var verifier = request.ExclusiveVerifier ?? new Verifier4(RandomVerifier());
            var (result, fileHandle, attributes) = await OpenByNameAsync(owner, parent.FileHandle, name, request, verifier, normalized, cancellationToken).ConfigureAwait(false);
            var stateId = result.StateId;
            if (result.NeedsConfirm)
            {
                stateId = await ConfirmOpenAsync(owner, fileHandle, stateId, normalized, cancellationToken).ConfigureAwait(false);
            }

            owner.Confirmed = true;
            _owners.AddHandle(owner, fileHandle);
            var file = new NfsOpenFile(this, normalized, fileHandle, owner, stateId, request.Access, request.Deny, attributes, result.Delegation);
            Handles.InvalidateAtOrBelow(normalized);

            if (request.Create == CreateMode4.Exclusive && request.CreateAttributes is { } exclusiveAttrs)
            {
                // EXCLUSIVE4 kept the verifier in the file's times: set the real attributes now.
                await file.SetAttrAsync(exclusiveAttrs with { TimeModify = exclusiveAttrs.TimeModify ?? SetTime.ServerTime, TimeAccess = exclusiveAttrs.TimeAccess ?? SetTime.ServerTime }, cancellationToken).ConfigureAwait(false);
            }
            else if (request.Create == CreateMode4.Exclusive)
            {
                await file.SetAttrAsync(new SetAttributes { TimeModify = SetTime.ServerTime, TimeAccess = SetTime.ServerTime }, cancellationToken).ConfigureAwait(false);
            }

            if (request.Truncate && (attributes.Size ?? 0) != 0)
            {
                await file.SetAttrAsync(new SetAttributes { Size = 0 }, cancellationToken).ConfigureAwait(false);
            }

            return file;
        }
        catch
        {
            _owners.ReleaseOpenOwner(owner, normalized);
            if (!owner.Confirmed)
            {
                // Whether the server kept any record of an owner whose first OPEN failed is unclear
                // (RFC 7530 §9.1.7): never use it again.
                _owners.Retire(owner);
            }

            throw;
        }
    }

    /// <summary>PUTFH(directory), OPEN by name (CLAIM_NULL) for <paramref name="owner"/>, GETFH, GETATTR: one COMPOUND under the owner's seqid.</summary>
    internal ValueTask<(OpenResult Result, NfsFh FileHandle, NfsAttributes Attributes)> OpenByNameAsync(
        OwnerState owner, NfsFh directory, string name, OpenRequest request, Verifier4 verifier, string path, CancellationToken cancellationToken) =>
        RunOwnerOpAsync(
            owner,
            seqOpIndex: 1,
            (seqid, ct) => AttemptAsync(
                "open",
                new OpenCall(directory, name, seqid, owner.Name, request, verifier, path),
                static (ref CompoundEncoder e, OpenCall c) =>
                {
                    e.PutFh(c.Directory);
                    e.Open(c.SeqId, c.Request.Access, c.Request.Deny, c.Owner, c.Request.Create, c.Request.CreateAttributes, c.Verifier, OpenClaim4.ByName(c.Name));
                    e.GetFh();
                    e.GetAttr(AttributeRequests.Stat);
                },
                static (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.PutFh(ref r);
                    var open = results.Open(ref r);
                    var fh = results.GetFh(ref r);
                    return (open, fh, results.GetAttr(ref r));
                },
                ct),
            cancellationToken);

    /// <summary>OPEN_CONFIRM (RFC 7530 §16.18): the first OPEN of a new open-owner must be confirmed before use.</summary>
    private ValueTask<StateId4> ConfirmOpenAsync(OwnerState owner, NfsFh file, StateId4 stateId, string path, CancellationToken cancellationToken) =>
        RunOwnerOpAsync(
            owner,
            seqOpIndex: 1,
            (seqid, ct) => AttemptAsync(
                "open_confirm",
                (file, stateId, seqid, path),
                static (ref CompoundEncoder e, (NfsFh File, StateId4 StateId, uint SeqId, string Path) c) =>
                {
                    e.PutFh(c.File);
                    e.OpenConfirm(c.StateId, c.SeqId);
                },
                (ref XdrReader r) =>
                {
                    var results = CompoundResults.Begin(ref r);
                    results.Path = path;
                    results.PutFh(ref r);
                    return results.OpenConfirm(ref r);
                },
                ct),
            cancellationToken);

    internal OwnerTable Owners => _owners;

    private static ulong RandomVerifier()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }

    private sealed record OpenCall(NfsFh Directory, string Name, uint SeqId, StateOwner4 Owner, OpenRequest Request, Verifier4 Verifier, string Path);
}
