namespace DokanNfs.Core.Rpc;

/// <summary>Finds the bulk data in the first bytes of a reply record: its offset from the record's start and its length.</summary>
internal delegate bool ReplyDataLocator(ReadOnlySpan<byte> head, out int dataOffset, out int dataLength);

/// <summary>
/// Lets one call's bulk reply data (a READ's bytes) be received straight into the buffer of the caller waiting for it,
/// instead of into the reply's pooled buffer and then copied (zero-copy READ, as the Linux client receives into its
/// pages). The call carries it (<see cref="Current"/> when the call is made); the caller registers a destination while
/// the reply has not begun to arrive; the receive thread, at the reply's first bytes, either claims the destination
/// (the data then lands there and the record keeps the rest, the data's length patched to 0) or marks it missed
/// (the record is received as any other). Once the call is over its owner closes it: nothing writes into the
/// destination afterwards.
/// </summary>
internal sealed class ReplyPlacement(ReplyDataLocator locator)
{
    private const int Idle = 0;
    private const int Registered = 1;
    private const int Placing = 2;
    private const int Placed = 3;
    private const int Missed = 4;
    private const int Closed = 5;

    private static readonly AsyncLocal<ReplyPlacement?> s_current = new();

    // An object, not a Lock: Close waits on it (Monitor.Wait) for a placement under way.
    private readonly object _lock = new();
    private int _state;
    private Memory<byte> _destination;

    /// <summary>The placement calls made in this flow carry (set around a READ ahead).</summary>
    public static ReplyPlacement? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    /// <summary>How many bytes were placed, once <see cref="IsPlaced"/>.</summary>
    public int PlacedCount { get; private set; }

    public bool IsPlaced => Volatile.Read(ref _state) == Placed;

    /// <summary>The destination the data was placed into.</summary>
    public Memory<byte> Destination => _destination;

    /// <summary>Offers <paramref name="destination"/> for the reply; false when its first bytes were already seen.</summary>
    public bool TryRegister(Memory<byte> destination)
    {
        lock (_lock)
        {
            if (_state != Idle)
            {
                return false;
            }

            _destination = destination;
            _state = Registered;
            return true;
        }
    }

    /// <summary>
    /// Takes the destination back (the caller gives up waiting). False when the receive thread has already begun to place
    /// into it, or has: the caller must then wait for the call to end (<see cref="Close"/>) before reusing its buffer.
    /// </summary>
    public bool TryUnregister()
    {
        lock (_lock)
        {
            if (_state == Registered)
            {
                _state = Idle;
                _destination = default;
                return true;
            }

            return _state is Idle or Missed or Closed;
        }
    }

    /// <summary>Ends the placement for good, waiting for a placement under way to finish.</summary>
    public void Close()
    {
        lock (_lock)
        {
            while (_state == Placing)
            {
                Monitor.Wait(_lock);
            }

            if (_state != Placed)
            {
                _state = Closed;
            }
        }
    }

    /// <summary>
    /// The receive thread, at a reply's first bytes: the destination for its data when one is registered and the data
    /// (found by the locator) fits; otherwise the placement is marked missed.
    /// </summary>
    internal bool TryBegin(ReadOnlySpan<byte> head, int fragmentLength, out int dataOffset, out Memory<byte> destination)
    {
        destination = default;
        var located = locator(head, out dataOffset, out var dataLength) && dataOffset >= 0 && dataLength > 0 &&
            (long)dataOffset + dataLength <= fragmentLength;
        lock (_lock)
        {
            if (_state == Registered && located && dataLength <= _destination.Length)
            {
                _state = Placing;
                destination = _destination[..dataLength];
                return true;
            }

            if (_state is Idle or Registered)
            {
                _state = Missed;
            }

            return false;
        }
    }

    /// <summary>The receive thread: the data is in place (or, <paramref name="count"/> &lt; 0, the placement failed half-way).</summary>
    internal void End(int count)
    {
        lock (_lock)
        {
            if (count >= 0)
            {
                PlacedCount = count;
                _state = Placed;
            }
            else
            {
                _state = Missed;
            }

            Monitor.PulseAll(_lock);
        }
    }
}
