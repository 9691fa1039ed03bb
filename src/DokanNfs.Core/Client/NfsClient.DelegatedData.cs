using DokanNfs.Core.Client.Cache;
using DokanNfs.Core.Client.Delegations;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client;

// What a read delegation lets the client trust without asking the server (RFC 8881 §10.4, issue 10 §6): while it is
// held no other client can change the file, so its attributes are served from the attribute cache without expiry
// (AttributeCache.Hold) and the data read under it is served again without READs (DelegatedDataCache). Both go the
// moment the delegation ends — recalled, returned, revoked or lost with a server restart — as IDelegationView.Ended
// fires before the DELEGRETURN is sent.
public sealed partial class NfsClient
{
    private DelegatedDataCache? _delegatedData;
    private int _delegationCachesHooked;

    /// <summary>File data read under read delegations (tests, statistics).</summary>
    internal DelegatedDataCache DelegatedData => _delegatedData ??= new DelegatedDataCache(_options.DelegatedDataBytesPerFile, _options.DelegatedDataBytes);

    /// <summary>Bytes of file data held under read delegations now.</summary>
    public long DelegatedDataBytes => _delegatedData?.Bytes ?? 0;

    /// <summary>The caches stop trusting a delegation's file when it ends (hooked once, with the back channel).</summary>
    private void HookDelegationCaches()
    {
        if (Interlocked.Exchange(ref _delegationCachesHooked, 1) == 0)
        {
            _delegations.Ended += OnDelegationEnded;
        }
    }

    private void OnDelegationEnded(object? sender, DelegationEndedEventArgs e)
    {
        _attributeCache?.Release(e.FileHandle);
        _delegatedData?.Drop(e.FileHandle);
    }

    /// <summary>A read delegation was granted (or reclaimed): the file's attributes, as the OPEN returned them, do not expire while it is held.</summary>
    private void HoldDelegatedAttributes(NfsFh fileHandle, string path, NfsAttributes attributes)
    {
        if (_delegations.TryGet(fileHandle, out var delegation) && !delegation.IsWrite && !delegation.Returning && AttributeCache.Enabled)
        {
            AttributeCache.Put(new NfsNode(path, fileHandle, attributes));
            AttributeCache.Hold(fileHandle);
            if (delegation.Returning)
            {
                // Recalled meanwhile: Ended may have run before the hold.
                AttributeCache.Release(fileHandle);
            }
        }
    }

    /// <summary>The read delegation held on <paramref name="fileHandle"/>, taken before a READ whose data may be kept under it.</summary>
    internal Delegation? ReadDelegationFor(NfsFh fileHandle) =>
        _delegations.Count != 0 && _delegations.TryGet(fileHandle, out var delegation) && !delegation.IsWrite && !delegation.Returning
            && !IsOpenForWriting(fileHandle) && DelegatedData.Enabled
            ? delegation
            : null;

    /// <summary>A read served from data read under the file's read delegation, with no READ.</summary>
    internal bool TryReadDelegated(NfsFh fileHandle, long offset, Span<byte> destination, out int count)
    {
        count = 0;
        return _delegatedData is { } cache && !IsOpenForWriting(fileHandle) && cache.TryRead(fileHandle, offset, destination, out count);
    }

    /// <summary>What a READ sent under <paramref name="delegation"/> returned, kept for later reads.</summary>
    internal void NoteReadUnderDelegation(Delegation? delegation, long offset, ReadOnlySpan<byte> data, bool eof)
    {
        if (delegation is not null && !IsOpenForWriting(delegation.FileHandle))
        {
            DelegatedData.Fill(delegation, offset, data, eof);
        }
    }

    /// <summary>The data the OPEN's own READ returned, when the OPEN got a read delegation (the READ ran after the grant).</summary>
    private void NotePrefetchUnderDelegation(NfsFh fileHandle, OpenPrefetch? prefetch)
    {
        if (prefetch?.Data is { } data && ReadDelegationFor(fileHandle) is { } delegation)
        {
            DelegatedData.Fill(delegation, 0, data, prefetch.Eof);
        }
    }
}
