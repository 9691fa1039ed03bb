using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

// GUARDED4 creates go out as exclusive creates (issue 8 §2, "the EXCLUSIVE4 verifier matches"). A GUARDED4 OPEN whose
// reply is lost and which is sent again after the server lost its replay cache (a restart; under NFSv4.1 a lost
// session) runs a second time and fails with NFS4ERR_EXIST on the file its own first run made: nothing in the file
// says it is ours. An exclusive create stores our verifier with the file, and the second run finds it and answers
// with that file (RFC 7530 §16.16.5, RFC 8881 §18.16.3); a file another client made has no such verifier and still
// gives NFS4ERR_EXIST, as GUARDED4 would. The price may be one SETATTR after the create: for the times the server
// says (attrset) it keeps the verifier in, and for what EXCLUSIVE4 cannot carry.
public sealed partial class NfsClient
{
    /// <summary>
    /// The form a create of <paramref name="request"/> goes out in: GUARDED4 becomes EXCLUSIVE4 under NFSv4.0, and
    /// under NFSv4.1 EXCLUSIVE4_1 carrying the create attributes when the server can set them all in the create
    /// (suppattr_exclcreat), else EXCLUSIVE4 with every attribute set after. Anything else goes as asked.
    /// </summary>
    private async ValueTask<OpenRequest> ExclusiveFormAsync(OpenRequest request, CancellationToken cancellationToken)
    {
        if (request.Create != CreateMode4.Guarded)
        {
            return request;
        }

        if (Session is null)
        {
            return request with { Create = CreateMode4.Exclusive };
        }

        var asked = (request.CreateAttributes ?? new SetAttributes()).Mask;
        // suppattr_exclcreat (RFC 8881 §5.8.1.14), read with the file system facts and kept.
        var supported = await GetExclusiveCreateAttributesAsync(cancellationToken).ConfigureAwait(false) ?? default;
        return asked.Intersect(supported) == asked
            ? request with { Create = CreateMode4.Exclusive41 }
            : request with { Create = CreateMode4.Exclusive };
    }

    /// <summary>
    /// The SETATTR an exclusive create needs after it, from the OPEN's attrset (RFC 7530 §16.16.5, RFC 8881 §18.16.4):
    /// the attributes asked for that the create did not set (EXCLUSIVE4 carries none; EXCLUSIVE4_1 reports those it
    /// set), and the times the server says it used to hold the verifier — with the value asked for, else the server's
    /// time. Null when nothing is left: an EXCLUSIVE4_1 create that carried everything, or a server keeping the
    /// verifier elsewhere, costs no round trip after the OPEN.
    /// </summary>
    internal static SetAttributes? AfterExclusiveCreate(OpenRequest request, CreateMode4? sent, Bitmap4 attrSet)
    {
        if (sent is not (CreateMode4.Exclusive or CreateMode4.Exclusive41))
        {
            return null;
        }

        var asked = request.CreateAttributes ?? new SetAttributes();
        var after = sent == CreateMode4.Exclusive ? asked : NotSetByCreate(asked, attrSet);

        // Servers name the verifier's place as time_access / time_modify (Linux knfsd) or their settable forms.
        if (VerifierIn(attrSet, FAttr4.TimeAccess, FAttr4.TimeAccessSet) && (sent == CreateMode4.Exclusive || asked.TimeAccess is null))
        {
            after = after with { TimeAccess = asked.TimeAccess ?? SetTime.ServerTime };
        }

        if (VerifierIn(attrSet, FAttr4.TimeModify, FAttr4.TimeModifySet) && (sent == CreateMode4.Exclusive || asked.TimeModify is null))
        {
            after = after with { TimeModify = asked.TimeModify ?? SetTime.ServerTime };
        }

        return after.Mask.IsEmpty ? null : after;
    }

    private static bool VerifierIn(Bitmap4 attrSet, int attribute, int settable) => attrSet.Contains(attribute) || attrSet.Contains(settable);

    /// <summary>What of <paramref name="asked"/> an EXCLUSIVE4_1 create's attrset does not report as set.</summary>
    private static SetAttributes NotSetByCreate(SetAttributes asked, Bitmap4 attrSet) => asked with
    {
        Size = attrSet.Contains(FAttr4.Size) ? null : asked.Size,
        Archive = attrSet.Contains(FAttr4.Archive) ? null : asked.Archive,
        Hidden = attrSet.Contains(FAttr4.Hidden) ? null : asked.Hidden,
        System = attrSet.Contains(FAttr4.System) ? null : asked.System,
        TimeBackup = attrSet.Contains(FAttr4.TimeBackup) ? null : asked.TimeBackup,
        TimeCreate = attrSet.Contains(FAttr4.TimeCreate) ? null : asked.TimeCreate,
        Mode = attrSet.Contains(FAttr4.Mode) ? null : asked.Mode,
        Owner = attrSet.Contains(FAttr4.Owner) ? null : asked.Owner,
        OwnerGroup = attrSet.Contains(FAttr4.OwnerGroup) ? null : asked.OwnerGroup,
        TimeAccess = attrSet.Contains(FAttr4.TimeAccessSet) ? null : asked.TimeAccess,
        TimeModify = attrSet.Contains(FAttr4.TimeModifySet) ? null : asked.TimeModify,
    };
}
