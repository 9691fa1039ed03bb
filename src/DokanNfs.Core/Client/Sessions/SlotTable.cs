using System.Numerics;
using DokanNfs.Core.Nfs4;

namespace DokanNfs.Core.Client.Sessions;

/// <summary>
/// The client side of a session's fore-channel slot table (RFC 8881 §2.10.6.1): which slots are lent out, the
/// sequence id the next request on each slot carries, and how many slots the server lets us use. A request holds
/// its slot from before it is sent until its reply is in — through any re-send after a reconnect, which keeps the
/// slot and sequence id so the server's reply cache answers it — and gives it back saying what became of it
/// (<see cref="SlotRelease"/>). When every usable slot is lent, <see cref="AcquireAsync"/> waits; slots are handed
/// to waiters first come, first served. The lock is held only to update the table, never across a round trip,
/// and lending or returning a slot allocates nothing unless the caller has to wait.
/// </summary>
/// <remarks>
/// The server says after every request how many slots it accepts (sr_highest_slotid) and how many it would like
/// the client to use (sr_target_highest_slotid); slots above the lower of the two are not lent. Slots the server
/// drops (above a lowered sr_highest_slotid) start again at sequence id 1 if it grows the table later, as the
/// Linux client does (nfs4session.c) and FreeBSD's nfscl was changed to do.
/// </remarks>
public sealed class SlotTable
{
    /// <summary>The most slots a table grows to whatever the server says: far more than any server grants.</summary>
    public const int DefaultCapacity = 1024;

    private readonly Lock _lock = new();
    private readonly uint[] _nextSequenceId;
    private readonly int[] _uncertain;
    private readonly ulong[] _busy;
    private int _inUse;
    private int _highestBusy = -1;
    private uint _serverHighest;
    private uint _target;
    private Waiter? _head;
    private Waiter? _tail;
    private int _waiting;
    private Exception? _closed;

    /// <summary>
    /// A table for a session whose CREATE_SESSION granted <paramref name="maxRequests"/> (ca_maxrequests) slots; it may
    /// grow to <paramref name="capacity"/> if the server raises sr_highest_slotid.
    /// </summary>
    public SlotTable(uint maxRequests, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfZero(maxRequests);
        Capacity = capacity;
        _nextSequenceId = new uint[capacity];
        _uncertain = new int[capacity];
        _busy = new ulong[(capacity + 63) / 64];
        Array.Fill(_nextSequenceId, 1u);
        _serverHighest = Math.Min(maxRequests - 1, (uint)capacity - 1);
        _target = _serverHighest;
    }

    public int Capacity { get; }

    /// <summary>sr_highest_slotid as last reported (or ca_maxrequests − 1 before any reply).</summary>
    public uint ServerHighestSlotId
    {
        get
        {
            lock (_lock)
            {
                return _serverHighest;
            }
        }
    }

    /// <summary>sr_target_highest_slotid as last reported (or ca_maxrequests − 1 before any reply).</summary>
    public uint TargetHighestSlotId
    {
        get
        {
            lock (_lock)
            {
                return _target;
            }
        }
    }

    /// <summary>The highest slot id lent out now: the lower of the server's two limits.</summary>
    public uint HighestUsableSlotId
    {
        get
        {
            lock (_lock)
            {
                return Limit;
            }
        }
    }

    /// <summary>How many slots are lent out.</summary>
    public int InUse
    {
        get
        {
            lock (_lock)
            {
                return _inUse;
            }
        }
    }

    /// <summary>How many callers wait for a slot.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting;
            }
        }
    }

    public bool IsClosed
    {
        get
        {
            lock (_lock)
            {
                return _closed is not null;
            }
        }
    }

    private uint Limit => Math.Min(_serverHighest, _target);

    /// <summary>The sequence id the next request on <paramref name="slotId"/> will carry (for diagnostics and tests).</summary>
    public uint NextSequenceIdOf(uint slotId)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slotId, (uint)Capacity);
        lock (_lock)
        {
            return _nextSequenceId[slotId];
        }
    }

    /// <summary>
    /// Lends the lowest free usable slot, at once when there is one (no allocation), else when one is given back
    /// or the server allows more. Fails with the table's closing reason once <see cref="Close"/> has run.
    /// </summary>
    public ValueTask<SessionSlot> AcquireAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_closed is not null)
            {
                return ValueTask.FromException<SessionSlot>(_closed);
            }

            if (_head is null && TryTakeLocked(out var slot))
            {
                return new ValueTask<SessionSlot>(slot);
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ValueTask.FromCanceled<SessionSlot>(cancellationToken);
            }

            var waiter = new Waiter(this);
            Enqueue(waiter);

            // Registered under the lock (which is re-entrant): a token cancelled just now runs the callback here,
            // and a waiter is never handed a slot before its registration is known.
            if (cancellationToken.CanBeCanceled)
            {
                waiter.Registration = cancellationToken.UnsafeRegister(static (state, token) => ((Waiter)state!).Cancel(token), waiter);
            }

            return new ValueTask<SessionSlot>(waiter.Completion.Task);
        }
    }

    /// <summary>Gives <paramref name="slot"/> back: the next request on it carries the sequence id <paramref name="how"/> implies.</summary>
    public void Release(SessionSlot slot, SlotRelease how)
    {
        lock (_lock)
        {
            ReleaseLocked(slot, how);
        }
    }

    /// <summary>
    /// Gives <paramref name="slot"/> back after a SEQUENCE that succeeded, and takes the server's new limits
    /// (sr_highest_slotid, sr_target_highest_slotid) from its reply.
    /// </summary>
    public void Complete(SessionSlot slot, uint highestSlotId, uint targetHighestSlotId)
    {
        lock (_lock)
        {
            ApplyLimitsLocked(highestSlotId, targetHighestSlotId);
            ReleaseLocked(slot, SlotRelease.Advanced);
        }
    }

    /// <summary>Takes the server's limits from a reply without giving a slot back (a reply read elsewhere).</summary>
    public void UpdateLimits(uint highestSlotId, uint targetHighestSlotId)
    {
        lock (_lock)
        {
            ApplyLimitsLocked(highestSlotId, targetHighestSlotId);
        }
    }

    /// <summary>
    /// After NFS4ERR_SEQ_MISORDERED on a slot with <see cref="SessionSlot.Uncertain"/> requests: the same slot, one
    /// sequence id lower — the server never saw the request given up before. The caller still holds the slot.
    /// </summary>
    public SessionSlot Resequence(SessionSlot slot)
    {
        if (slot.Uncertain <= 0)
        {
            throw new InvalidOperationException($"{slot} has no request of unknown fate behind it; NFS4ERR_SEQ_MISORDERED there needs a new session.");
        }

        lock (_lock)
        {
            ThrowIfNotLent(slot);
        }

        return slot with { SequenceId = unchecked(slot.SequenceId - 1), Uncertain = slot.Uncertain - 1 };
    }

    /// <summary>
    /// Closes the table when its session is gone: waiting callers fail with <paramref name="reason"/>, and so does
    /// every later <see cref="AcquireAsync"/>. Slots still lent may be given back; nothing is lent again.
    /// </summary>
    public void Close(Exception reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        lock (_lock)
        {
            _closed ??= reason;
            while (_head is { } waiter)
            {
                Dequeue(waiter);
                waiter.Registration.Unregister();
                waiter.Completion.TrySetException(_closed);
            }
        }
    }

    private void ReleaseLocked(SessionSlot slot, SlotRelease how)
    {
        ThrowIfNotLent(slot);
        var id = (int)slot.SlotId;
        switch (how)
        {
            case SlotRelease.Advanced:
                _nextSequenceId[id] = unchecked(slot.SequenceId + 1);
                _uncertain[id] = 0;
                break;
            case SlotRelease.Unchanged:
                _nextSequenceId[id] = slot.SequenceId;
                _uncertain[id] = slot.Uncertain;
                break;
            case SlotRelease.Unknown:
                _nextSequenceId[id] = unchecked(slot.SequenceId + 1);
                _uncertain[id] = slot.Uncertain + 1;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(how), how, null);
        }

        if (slot.SlotId > _serverHighest)
        {
            // The server dropped this slot while the request was out; if it grows the table again the slot is new.
            _nextSequenceId[id] = 1;
            _uncertain[id] = 0;
        }

        if (_head is { } waiter && _closed is null && slot.SlotId <= Limit)
        {
            // Straight to the first waiter: the slot stays busy, so nobody can take it in between.
            Dequeue(waiter);
            HandOff(waiter, id);
            return;
        }

        _busy[id >> 6] &= ~(1UL << (id & 63));
        _inUse--;
        if (id == _highestBusy)
        {
            _highestBusy = HighestBusyBelow(id);
        }
    }

    private void ApplyLimitsLocked(uint highestSlotId, uint targetHighestSlotId)
    {
        var highest = Math.Min(highestSlotId, (uint)Capacity - 1);
        var target = Math.Min(targetHighestSlotId, (uint)Capacity - 1);
        for (var id = highest + 1; id <= _serverHighest; id++)
        {
            if (!IsBusy((int)id))
            {
                _nextSequenceId[id] = 1;
                _uncertain[id] = 0;
            }
        }

        _serverHighest = highest;
        _target = target;
        if (_closed is not null)
        {
            return;
        }

        while (_head is { } waiter && TryTakeLocked(out var slot))
        {
            Dequeue(waiter);
            waiter.Registration.Unregister();
            waiter.Completion.TrySetResult(slot);
        }
    }

    private bool TryTakeLocked(out SessionSlot slot)
    {
        var limit = (int)Limit;
        for (var word = 0; word <= limit >> 6; word++)
        {
            var free = ~_busy[word];
            var bitsInWord = Math.Min(64, limit - (word << 6) + 1);
            if (bitsInWord < 64)
            {
                free &= (1UL << bitsInWord) - 1;
            }

            if (free != 0)
            {
                var id = (word << 6) + BitOperations.TrailingZeroCount(free);
                _busy[word] |= 1UL << (id & 63);
                _inUse++;
                slot = Lend(id);
                return true;
            }
        }

        slot = default;
        return false;
    }

    private SessionSlot Lend(int id)
    {
        if (id > _highestBusy)
        {
            _highestBusy = id;
        }

        return new SessionSlot((uint)id, _nextSequenceId[id], (uint)_highestBusy, _uncertain[id]);
    }

    private void HandOff(Waiter waiter, int id)
    {
        waiter.Registration.Unregister();
        waiter.Completion.TrySetResult(Lend(id));
    }

    private bool IsBusy(int id) => (_busy[id >> 6] & (1UL << (id & 63))) != 0;

    private int HighestBusyBelow(int id)
    {
        for (var i = id - 1; i >= 0; i--)
        {
            if (IsBusy(i))
            {
                return i;
            }
        }

        return -1;
    }

    private void ThrowIfNotLent(SessionSlot slot)
    {
        if (slot.SlotId >= (uint)Capacity || !IsBusy((int)slot.SlotId))
        {
            throw new InvalidOperationException($"{slot} is not lent out by this table (given back twice?).");
        }
    }

    private void Enqueue(Waiter waiter)
    {
        waiter.Queued = true;
        if (_tail is null)
        {
            _head = _tail = waiter;
        }
        else
        {
            _tail.Next = waiter;
            waiter.Previous = _tail;
            _tail = waiter;
        }

        _waiting++;
    }

    private void Dequeue(Waiter waiter)
    {
        if (waiter.Previous is null)
        {
            _head = waiter.Next;
        }
        else
        {
            waiter.Previous.Next = waiter.Next;
        }

        if (waiter.Next is null)
        {
            _tail = waiter.Previous;
        }
        else
        {
            waiter.Next.Previous = waiter.Previous;
        }

        waiter.Previous = waiter.Next = null;
        waiter.Queued = false;
        _waiting--;
    }

    /// <summary>One caller waiting for a slot: a node of the wait queue (only the waiting path allocates).</summary>
    private sealed class Waiter(SlotTable table)
    {
        public TaskCompletionSource<SessionSlot> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }

        public Waiter? Previous { get; set; }

        public Waiter? Next { get; set; }

        public bool Queued { get; set; }

        public void Cancel(CancellationToken token)
        {
            lock (table._lock)
            {
                // Handed a slot (or failed by Close) already: that outcome stands.
                if (!Queued)
                {
                    return;
                }

                table.Dequeue(this);
                Completion.TrySetCanceled(token);
            }
        }
    }
}
