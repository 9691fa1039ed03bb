using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;

namespace DokanNfs.Core.Client;

public sealed partial class NfsClient
{
    private readonly OwnerTable _owners;

    /// <summary>How often a seqid-bearing call is sent again after its connection died (same seqid: replay cache).</summary>
    private const int MaxResendsAfterConnectionLoss = 5;

    /// <summary>
    /// Runs one seqid-bearing COMPOUND for <paramref name="owner"/>, serialized with the owner's other
    /// requests, and advances the seqid by the rules of RFC 7530 §9.1.7. <paramref name="seqOpIndex"/> is the
    /// position of the seqid-bearing operation in the COMPOUND: a failure before it leaves the seqid alone.
    /// A call whose connection died is sent again with the SAME seqid, so the server's replay cache answers
    /// it if it had executed the first one (RFC 7530 §9.1.8). DELAY / GRACE / RESOURCE wait and go again
    /// with whatever seqid is current then. NFS4ERR_BAD_SEQID retires the owner.
    /// </summary>
    internal async ValueTask<TResult> RunOwnerOpAsync<TResult>(
        OwnerState owner, int seqOpIndex, Func<uint, CancellationToken, ValueTask<TResult>> attempt, CancellationToken cancellationToken)
    {
        await owner.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var backoff = new RetryBackoff(_options);
            var resends = 0;
            while (true)
            {
                ObjectDisposedException.ThrowIf(owner.Retired, owner);
                var seqid = owner.SeqId;
                try
                {
                    // Once sent, a seqid-bearing call is not abandoned half-way: its reply decides the seqid,
                    // and an answer we stopped waiting for would leave us out of step with the server.
                    var result = await attempt(seqid, CancellationToken.None).ConfigureAwait(false);
                    owner.SeqId = SeqIdRules.Next(seqid);
                    return result;
                }
                catch (NfsException ex)
                {
                    var ran = ex.OpIndex > seqOpIndex || (ex.OpIndex == seqOpIndex && SeqIdRules.Advances(ex.Status));
                    if (ran)
                    {
                        owner.SeqId = SeqIdRules.Next(seqid);
                    }

                    if (ex.Status == NfsStat4.BadSeqId)
                    {
                        ClientLog.OwnerRetired(_logger, ServerName, owner.ToString());
                        _owners.Retire(owner);
                        throw;
                    }

                    if (!backoff.ShouldRetry(ex.Status))
                    {
                        throw;
                    }

                    ClientLog.RetryAfterDelay(_logger, ServerName, "owner-op", ex.Status, backoff.Delay);
                    await backoff.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (RpcConnectionLostException) when (resends++ < MaxResendsAfterConnectionLoss)
                {
                    // Outcome unknown: the same seqid again lets the server answer from its replay cache.
                }
            }
        }
        finally
        {
            owner.Gate.Release();
        }
    }
}
