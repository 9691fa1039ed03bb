using System.Diagnostics;

namespace DokanNfs.Core.Client;

/// <summary>
/// How many READs one handle keeps ahead of its reader (issue 9 §2: a window sized from maxread and latency). A reader
/// that catches up with a READ still in flight says only that the reader is faster than the pipe, not that more READs
/// in flight would fill the pipe better: against a server that is itself the limit (Ganesha on loopback, where it uses
/// more CPU than the client) 4 READs in flight read no faster than 2, yet the server answers more of them out of order
/// and the client receives into more buffers in turn, which costs it CPU in every byte (docs/PERFORMANCE.md). So the
/// window is found by measuring what the reader gets: every <see cref="Period"/> waits (and at least
/// <see cref="MinPeriodTicks"/>) it compares the bytes per second taken at the window with those at one READ more, kept
/// when they bring at least <see cref="WidenGain"/> times as much (latency the window does not cover: 3 READs in flight
/// bring 1.5× what 2 do), or at one READ fewer, kept when they bring at least <see cref="NarrowKeep"/> of it. A probe
/// that did not pay is tried again only after a while, twice as long each time it fails again.
/// </summary>
/// <remarks>Not thread-safe: the handle calls it under its read-ahead lock.</remarks>
internal sealed class ReadAheadPacer
{
    /// <summary>Waits of the reader that make one measurement, at the least…</summary>
    public const int Period = 8;

    /// <summary>…and the least time one takes: shorter ones vary by ±25 % on loopback (scheduling, the server's threads).</summary>
    public static readonly long MinPeriodTicks = Stopwatch.Frequency / 50;

    /// <summary>The window a handle starts with, and the least it goes down to: one READ received while one is served.</summary>
    public const int MinWindow = 2;

    /// <summary>One READ more is kept when the reader gets at least this much more per second with it.</summary>
    public const double WidenGain = 1.20;

    /// <summary>One READ fewer is kept when the reader gets at least this share of what it got before.</summary>
    public const double NarrowKeep = 0.90;

    /// <summary>Measurements at the window before a probe that did not pay is tried again (at first; then doubling).</summary>
    public const int FirstHoldOff = 2;

    /// <summary>The longest hold-off (64 measurements of at least 8 READs: a probe per 512 MiB read on loopback).</summary>
    public const int MaxHoldOff = 64;

    private readonly int _maxWindow;
    private Phase _phase;
    private int _baseWindow;
    private double _baseRate;
    private int _waits;
    private long _bytes;
    private long _periodStart;
    private int _upHoldOff;
    private int _upHoldOffLength;
    private int _downHoldOff;
    private int _downHoldOffLength;
    private bool _settling;

    public ReadAheadPacer(int maxWindow)
    {
        _maxWindow = Math.Max(maxWindow, 1);
        Reset();
    }

    private enum Phase
    {
        /// <summary>Measuring at the window found so far.</summary>
        Base,

        /// <summary>Measuring at one READ more.</summary>
        Wider,

        /// <summary>Measuring at one READ fewer.</summary>
        Narrower,
    }

    /// <summary>How many READs to keep ahead now.</summary>
    public int Window { get; private set; }

    /// <summary>Starts over (a new window, after a read elsewhere in the file, a write, a recovery).</summary>
    public void Reset()
    {
        _phase = Phase.Base;
        _baseWindow = Math.Min(MinWindow, _maxWindow);
        Window = _baseWindow;
        _baseRate = 0;
        _waits = 0;
        _bytes = 0;
        _periodStart = 0;
        _settling = false;
        (_upHoldOff, _upHoldOffLength) = (0, FirstHoldOff);
        (_downHoldOff, _downHoldOffLength) = (0, FirstHoldOff);
    }

    /// <summary>The reader took <paramref name="bytes"/> of a READ ahead (waited for or not).</summary>
    public void Taken(int bytes) => _bytes += bytes;

    /// <summary>The reader caught up with a READ in flight at <paramref name="now"/> (Stopwatch ticks).</summary>
    public void Waited(long now)
    {
        if (_periodStart == 0)
        {
            // The measurement starts here: what was taken before came from READs sent before it.
            (_periodStart, _bytes, _waits) = (now, 0, 0);
            return;
        }

        if (++_waits < Period || now - _periodStart < MinPeriodTicks)
        {
            return;
        }

        var rate = (double)_bytes / (now - _periodStart);
        (_periodStart, _bytes, _waits) = (now, 0, 0);
        if (_settling)
        {
            _settling = false;
            return;
        }

        switch (_phase)
        {
            case Phase.Base:
                _baseRate = rate;
                ProbeOrStay();
                break;

            case Phase.Wider:
                // Kept, the pipe had room: see whether another READ pays too.
                if (Settle(rate >= _baseRate * WidenGain, rate, ref _upHoldOff, ref _upHoldOffLength))
                {
                    ProbeOrStay();
                }
                else
                {
                    Back();
                }

                break;

            case Phase.Narrower:
                // Kept, nothing was lost with one READ fewer.
                _ = Settle(rate >= _baseRate * NarrowKeep, rate, ref _downHoldOff, ref _downHoldOffLength);
                Back();
                break;
        }
    }

    /// <summary>
    /// Ends a probe. Kept, the window probed is the one found, and a later probe that way waits the first hold-off;
    /// not kept, a probe that way waits twice as long as last time.
    /// </summary>
    private bool Settle(bool kept, double rate, ref int holdOff, ref int holdOffLength)
    {
        if (kept)
        {
            (_baseWindow, _baseRate) = (Window, rate);
            holdOffLength = FirstHoldOff;
        }
        else
        {
            (holdOff, holdOffLength) = (holdOffLength, Math.Min(holdOffLength * 2, MaxHoldOff));
        }

        return kept;
    }

    /// <summary>After a measurement at the window found so far: a probe one way, or another measurement here.</summary>
    private void ProbeOrStay()
    {
        if (_baseWindow < _maxWindow && _upHoldOff == 0)
        {
            Go(Phase.Wider, _baseWindow + 1);
            return;
        }

        if (_baseWindow > MinWindow && _downHoldOff == 0)
        {
            Go(Phase.Narrower, _baseWindow - 1);
            return;
        }

        _upHoldOff = Math.Max(_upHoldOff - 1, 0);
        _downHoldOff = Math.Max(_downHoldOff - 1, 0);
        Back();
    }

    private void Back() => Go(Phase.Base, _baseWindow);

    /// <summary>
    /// Measures at <paramref name="window"/> next. A new window takes a round trip to show (the READ sent for it is
    /// answered a round trip later): the first measurement after a change is thrown away, or a probe over a slow link
    /// would see half its gain (a pacer without it kept 3 READs instead of 4 over 20 ms round trips one time in five).
    /// </summary>
    private void Go(Phase phase, int window)
    {
        _settling |= window != Window;
        (_phase, Window) = (phase, window);
    }
}
