using DokanNfs.Core.Client;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Xdr;

namespace DokanNfs.TestSupport.FakeNfs;

// READ, WRITE, COMMIT (RFC 7530 §16.23, §16.36, §16.3). Faults shape them: a short READ or WRITE, or a
// write verifier other than this boot's.
internal sealed partial class FakeCompoundProcessor
{
    /// <summary>The current filehandle as a regular file for I/O with <paramref name="stateId"/> (RFC 7530 §9.1.4).</summary>
    private NfsStat4 IoTarget(FakeCompoundContext ctx, StateId4 stateId, bool write, out FakeNode file)
    {
        var status = CurrentObject(ctx, out file);
        if (status == NfsStat4.Ok && file.Type != NfsFtype4.Reg)
        {
            status = file.IsDirectory ? NfsStat4.IsDir : NfsStat4.Inval;
        }

        if (status != NfsStat4.Ok || IsSpecial(stateId))
        {
            return status;
        }

        status = State.FindState(stateId, file, out var open, out _);

        // Reads are allowed through any open (as Linux nfsd does); writes need write access.
        return status == NfsStat4.Ok && write && (open!.Access & OpenShareAccess.Write) == 0 ? NfsStat4.OpenMode : status;
    }

    private NfsStat4 Read(FakeCompoundContext ctx, ReadArgs a, XdrWriter w)
    {
        var status = IoTarget(ctx, a.StateId, write: false, out var file);
        if (status != NfsStat4.Ok)
        {
            return status;
        }

        var size = (ulong)file.Data.Length;
        var available = a.Offset >= size ? 0 : size - a.Offset;
        var count = (int)Math.Min(Math.Min(a.Count, Options.MaxRead), available);
        var eof = a.Offset + (ulong)count >= size;
        if (ctx.Fault is { Kind: FakeNfsFaultKind.ShortRead } fault)
        {
            count = (int)Math.Min((uint)count, fault.Count);
            eof = false;
        }

        w.WriteBool(eof);
        w.WriteOpaque(file.Data.AsSpan((int)Math.Min(a.Offset, size), count));
        file.TimeAccess = Fs.Now();
        return NfsStat4.Ok;
    }

    private NfsStat4 Write(FakeCompoundContext ctx, WriteArgs a, XdrWriter w)
    {
        var status = IoTarget(ctx, a.StateId, write: true, out var file);
        if (status == NfsStat4.Ok && (a.Offset + (ulong)a.Data.Length > Options.MaxFileSize || a.Offset > int.MaxValue))
        {
            status = NfsStat4.Fbig;
        }

        if (status != NfsStat4.Ok)
        {
            return status;
        }

        var count = ctx.Fault is { Kind: FakeNfsFaultKind.ShortWrite } fault ? (int)Math.Min((uint)a.Data.Length, fault.Count) : a.Data.Length;
        var end = (int)a.Offset + count;
        if (end > file.Data.Length)
        {
            var data = file.Data;
            Array.Resize(ref data, end);
            file.Data = data;
        }

        a.Data.AsSpan(0, count).CopyTo(file.Data.AsSpan((int)a.Offset));
        Fs.Touch(file, data: true);

        // WRITE4resok: count, committed, verifier. Everything is "stable" in memory, but UNSTABLE is answered
        // as such so the client keeps the data for COMMIT, as against a real server.
        w.WriteUInt32((uint)count);
        w.WriteEnum(a.Stable == StableHow4.Unstable ? StableHow4.Unstable : StableHow4.FileSync);
        WriteVerifierFor(ctx).Encode(w);
        return NfsStat4.Ok;
    }

    private NfsStat4 Commit(FakeCompoundContext ctx, XdrWriter w)
    {
        var status = CurrentObject(ctx, out var file);
        if (status == NfsStat4.Ok && file.Type != NfsFtype4.Reg)
        {
            status = file.IsDirectory ? NfsStat4.IsDir : NfsStat4.Inval;
        }

        if (status == NfsStat4.Ok)
        {
            WriteVerifierFor(ctx).Encode(w);
        }

        return status;
    }

    private Verifier4 WriteVerifierFor(FakeCompoundContext ctx) =>
        ctx.Fault is { Kind: FakeNfsFaultKind.WriteVerifier } fault ? fault.Verifier : server.CurrentWriteVerifier;
}
