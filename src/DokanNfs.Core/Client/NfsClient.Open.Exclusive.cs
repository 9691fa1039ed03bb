using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

// GUARDED4 creates go out as exclusive creates (issue 8 §2, "the EXCLUSIVE4 verifier matches"). A GUARDED4 OPEN whose
// reply is lost and which is sent again after the server lost its replay cache (a restart; under NFSv4.1 a lost
// session) runs a second time and fails with NFS4ERR_EXIST on the file its own first run made: nothing in the file
// says it is ours. An exclusive create stores our verifier with the file, and the second run finds it and answers
// with that file (RFC 7530 §16.16.5, RFC 8881 §18.16.3); a file another client made has no such verifier and still
// gives NFS4ERR_EXIST, as GUARDED4 would. The price is one SETATTR after the create: the server may keep the verifier
// in time_access / time_modify, so those must be set, and EXCLUSIVE4 carries no other attribute.
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
    /// The SETATTR an exclusive create needs after it (RFC 7530 §16.16.5, RFC 8881 §18.16.4): the times, which may
    /// hold the verifier, and for EXCLUSIVE4 (which carries no attributes) everything asked for. Null when none.
    /// </summary>
    private static SetAttributes? AfterExclusiveCreate(OpenRequest request, CreateMode4? sent)
    {
        if (sent is not (CreateMode4.Exclusive or CreateMode4.Exclusive41))
        {
            return null;
        }

        var attrs = request.CreateAttributes ?? new SetAttributes();
        var times = new SetAttributes { TimeModify = attrs.TimeModify ?? SetTime.ServerTime, TimeAccess = attrs.TimeAccess ?? SetTime.ServerTime };
        return sent == CreateMode4.Exclusive ? attrs with { TimeModify = times.TimeModify, TimeAccess = times.TimeAccess } : times;
    }
}
