using System.Diagnostics;
using DokanNfs.Core.Client;

namespace DokanNfs.Core.Tests.Client;

/// <summary>
/// The read-ahead window's pacing, driven by a modelled pipe: each wait of the reader lasts as long as one READ's bytes
/// take at the rate the model gives for the window in use.
/// </summary>
[TestClass]
public sealed class ReadAheadPacerTests
{
    private const int Chunk = 1024 * 1024;

    /// <summary>A link with a 10 ms round trip: w READs of 1 MiB in flight bring w MiB per 10 ms.</summary>
    private static double LatencyBound(int window) => window * 100e6;

    /// <summary>A server that is the limit (as Ganesha on loopback): as fast with 2 READs in flight as with more.</summary>
    private static double ServerBound(int window) => 1.2e9;

    [TestMethod]
    public void Under_latency_the_window_grows_to_the_most_allowed_and_stays()
    {
        var windows = Drive(new ReadAheadPacer(maxWindow: 4), (w, _) => LatencyBound(w), waits: 400);

        Assert.AreEqual(4, windows[^1]);
        Assert.IsLessThan(60, windows.IndexOf(4), "three measurements of 8 waits reach 4: 2, then 3 and 4 each bringing more");
        Assert.IsGreaterThan(0.8, Share(windows[200..], 4), "probes of one READ fewer lose a quarter and are not kept");
    }

    [TestMethod]
    public void Against_a_server_that_is_the_limit_the_window_stays_at_two_and_probes_rarely()
    {
        var windows = Drive(new ReadAheadPacer(maxWindow: 4), (w, _) => ServerBound(w), waits: 3000);

        Assert.AreEqual(2, windows[^1]);
        Assert.DoesNotContain(4, windows, "one READ more never paid, so two more were never tried");
        Assert.IsLessThan(0.1, Share(windows, 3), "a probe that did not pay waits twice as long each time");
        Assert.IsGreaterThan(0.0, Share(windows, 3), "but it is tried again now and then: conditions change");
    }

    [TestMethod]
    public void The_window_settles_where_one_more_read_stops_paying()
    {
        var windows = Drive(new ReadAheadPacer(maxWindow: 8), (w, _) => Math.Min(w, 3) * 100e6, waits: 2000);

        Assert.IsGreaterThan(0.75, Share(windows[200..600], 3), "probes one READ either way, soon after settling");
        Assert.IsGreaterThan(0.9, Share(windows[1000..], 3), "and ever more rarely");
    }

    [TestMethod]
    public void A_window_no_longer_needed_shrinks_back()
    {
        // Latency first (the window grows to 4), then the server becomes the limit: fewer READs lose nothing.
        var windows = Drive(new ReadAheadPacer(maxWindow: 4), (w, i) => i < 300 ? LatencyBound(w) : ServerBound(w), waits: 3300);

        Assert.IsGreaterThan(0.8, Share(windows[200..300], 4), "grown under latency (a probe of 3 now and then)");
        Assert.AreEqual(2, windows[^1]);
        Assert.IsGreaterThan(0.9, Share(windows[^1000..], 2));
    }

    [TestMethod]
    public void Waits_closer_together_than_the_shortest_measurement_do_not_end_one()
    {
        // 100 GB/s: eight waits take 80 µs, far less than a measurement's 20 ms; 1000 waits take 10 ms.
        var windows = Drive(new ReadAheadPacer(maxWindow: 4), (_, _) => 100e9, waits: 1000);

        Assert.IsTrue(windows.All(w => w == 2), "no measurement ended, so no probe began");
    }

    [TestMethod]
    public void Reset_starts_over_at_two()
    {
        var pacer = new ReadAheadPacer(maxWindow: 4);
        _ = Drive(pacer, (w, _) => LatencyBound(w), waits: 400);
        Assert.AreEqual(4, pacer.Window);

        pacer.Reset();

        Assert.AreEqual(2, pacer.Window);
    }

    [TestMethod]
    public void A_window_allowed_only_one_read_stays_at_one()
    {
        var windows = Drive(new ReadAheadPacer(maxWindow: 1), (w, _) => LatencyBound(w), waits: 200);

        Assert.IsTrue(windows.All(w => w == 1));
    }

    /// <summary>The window in use at each of <paramref name="waits"/> waits of a reader that takes whole 1 MiB READs.</summary>
    private static List<int> Drive(ReadAheadPacer pacer, Func<int, int, double> bytesPerSecond, int waits)
    {
        var now = Stopwatch.Frequency; // any start but 0
        var windows = new List<int>(waits);
        for (var i = 0; i < waits; i++)
        {
            var window = pacer.Window;
            windows.Add(window);
            now += (long)(Chunk / bytesPerSecond(window, i) * Stopwatch.Frequency);
            pacer.Taken(Chunk);
            pacer.Waited(now);
        }

        return windows;
    }

    private static double Share(List<int> windows, int window) => (double)windows.Count(w => w == window) / windows.Count;
}
