using DokanNfs.Core.Client.Delegations;
using DokanNfs.Core.Client.Sessions;
using DokanNfs.Core.Nfs4;
using DokanNfs.Core.Rpc;
using DokanNfs.Core.Xdr;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Core.Client;

// Revoked state under NFSv4.1 (RFC 8881 §8.11.2, §18.46.3): a SEQUENCE reply whose sr_status_flags say some of our
// state was revoked (SEQ4_STATUS_*_STATE_REVOKED) makes the client ask which, with TEST_STATEID over every stateid it
// holds; each one the server no longer honours is given up with FREE_STATEID — a delegation is forgotten, an open is
// reported lost as recovery reports it. The flags stay raised until the revoked stateids are freed.
public sealed partial class NfsClient
{
    /// <summary>How many stateids one TEST_STATEID carries.</summary>
    private const int TestStateIdBatch = 64;

    private int _revokedSweepRunning;

    /// <summary>How many revoked stateids were freed with FREE_STATEID (tests, statistics).</summary>
    public long RevokedStateIdsFreed => Interlocked.Read(ref _revokedFreed);

    private long _revokedFreed;

    private void OnStatusFlagsChanged(object? sender, SequenceStatusFlagsChangedEventArgs e)
    {
        if ((e.Raised & SequenceStatusFlags.StateRevoked) == 0 || Interlocked.Exchange(ref _revokedSweepRunning, 1) != 0)
        {
            return;
        }

        RevokedLog.StateRevoked(_logger, ServerName, e.Current);
        _ = NfsCallContext.StartDetached(async () =>
        {
            try
            {
                await FreeRevokedStateAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NfsException or RpcException or OperationCanceledException or ObjectDisposedException)
            {
                RevokedLog.SweepFailed(_logger, ServerName, ex.Message);
            }
            finally
            {
                Volatile.Write(ref _revokedSweepRunning, 0);
            }
        });
    }

    /// <summary>
    /// TEST_STATEID over the stateids held — every delegation's, every open's that is on the server, every lock set's — and
    /// FREE_STATEID for each the server answers with an error (NFS4ERR_ADMIN_REVOKED, DELEG_REVOKED, EXPIRED, BAD_STATEID).
    /// </summary>
    internal async Task FreeRevokedStateAsync(CancellationToken cancellationToken)
    {
        var held = new List<(StateId4 StateId, Delegation? Delegation, NfsOpenFile? File, bool Lock)>();
        foreach (var delegation in _delegations.All)
        {
            if (!delegation.Returning)
            {
                held.Add((delegation.StateId, delegation, null, false));
            }
        }

        foreach (var file in ReclaimOrder())
        {
            if (!file.IsLocalUnderDelegation && !file.IsClosed && file.Lost is null)
            {
                held.Add((file.StateId, null, file, false));
                if (file.HeldLockStateId is { } lockStateId)
                {
                    held.Add((lockStateId, null, file, true));
                }
            }
        }

        for (var at = 0; at < held.Count; at += TestStateIdBatch)
        {
            var batch = held.GetRange(at, Math.Min(TestStateIdBatch, held.Count - at));
            var ids = batch.Select(h => h.StateId).ToArray();
            var codes = await RunAsync(
                "test_stateid",
                ids,
                static (ref CompoundEncoder e, StateId4[] s) => e.TestStateId(s),
                (ref XdrReader r) => CompoundResults.Begin(ref r).TestStateId(ref r, ids.Length),
                cancellationToken,
                retryAfterRecovery: false,
                credential: MachineCredential).ConfigureAwait(false);
            for (var i = 0; i < codes.Length && i < batch.Count; i++)
            {
                if (codes[i] != NfsStat4.Ok)
                {
                    await FreeAsync(batch[i], codes[i], cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task FreeAsync((StateId4 StateId, Delegation? Delegation, NfsOpenFile? File, bool Lock) held, NfsStat4 status, CancellationToken cancellationToken)
    {
        RevokedLog.Revoked(_logger, ServerName, held.StateId, status);
        try
        {
            await RunAsync(
                "free_stateid",
                held.StateId,
                static (ref CompoundEncoder e, StateId4 s) => e.FreeStateId(s),
                static (ref XdrReader r) =>
                {
                    CompoundResults.Begin(ref r).FreeStateId(ref r);
                    return true;
                },
                cancellationToken,
                retryAfterRecovery: false,
                credential: MachineCredential).ConfigureAwait(false);
            Interlocked.Increment(ref _revokedFreed);
        }
        catch (NfsException ex) when (ex.Status is NfsStat4.BadStateId or NfsStat4.StaleStateId)
        {
            // Already gone from the server: nothing left to free.
        }

        var tally = new ReclaimTally();
        if (held.Delegation is { } delegation)
        {
            _delegations.BeginReturn(delegation, DelegationEndReason.Dropped);
            foreach (var file in delegation.LocalOpens())
            {
                // Made under the delegation only: with it revoked, the open never existed on the server.
                file.LeaveDelegation(null);
                file.MarkLost(status, "the server revoked the delegation it was opened under", tally);
            }

            _delegations.Remove(delegation);
        }

        if (held.Lock)
        {
            held.File?.MarkLocksRevoked(status, tally);
        }
        else
        {
            held.File?.MarkLost(status, $"the server revoked the open ({status})", tally);
        }
    }
}

/// <summary>Log messages of revoked state (event ids 2255–2257).</summary>
internal static partial class RevokedLog
{
    [LoggerMessage(2255, LogLevel.Warning, "{Server}: the server revoked some of our state ({Flags}); testing the stateids held")]
    public static partial void StateRevoked(ILogger logger, string server, SequenceStatusFlags flags);

    [LoggerMessage(2256, LogLevel.Warning, "{Server}: stateid {StateId} revoked ({Status}); freed")]
    public static partial void Revoked(ILogger logger, string server, StateId4 stateId, NfsStat4 status);

    [LoggerMessage(2257, LogLevel.Warning, "{Server}: testing for revoked state failed: {Reason}")]
    public static partial void SweepFailed(ILogger logger, string server, string reason);
}
