using System.Globalization;

namespace DokanNfs.SideBySide;

/// <summary>
/// Holds off the guest kernel's free page reporting for the length of a run, and puts it back after.
/// </summary>
/// <remarks>
/// On a VM with a virtio balloon that reports free pages (this machine's), the guest tells the hypervisor which of its
/// free memory it does not use, and the hypervisor discards it; the next time the guest hands out such a page, the
/// first touch faults in the host. Every run of the upload workloads writes 512 MiB into fresh page-cache pages, and
/// whether those pages had been reported in the seconds before decided the run: a 512 MiB <c>dd</c> into the page
/// cache took 0.11–0.13 s of CPU right after the last one's file was deleted and 1.2–1.6 s five seconds later, and
/// ganesha.nfsd's CPU per 512 MiB written moved between 0.35 and 2.6 s from one run to the next (its copy into the page
/// cache was 8 % of its samples in fast runs, 45 % in slow ones). Neither client nor server has anything to do with it.
/// Pages are reported in blocks of at least 2^<c>page_reporting_order</c> pages; an order above the largest block the
/// allocator keeps means none is. The setting is the machine's, so it is restored on every way out.
/// </remarks>
public sealed class FreePageReporting : IDisposable
{
    /// <summary>Names another file to stand for the kernel's setting: for the harness's own tests, which cannot touch the real one.</summary>
    public const string KnobVariable = "DOKANNFS_BENCH_PAGE_REPORTING_KNOB";

    private static readonly string Knob = Environment.GetEnvironmentVariable(KnobVariable) is { Length: > 0 } stand
        ? stand
        : "/sys/module/page_reporting/parameters/page_reporting_order";

    // MAX_PAGE_ORDER is 10 on x86-64: 11 reports nothing. Kernels that refuse values above MAX_PAGE_ORDER get 10,
    // which still leaves every block under 4 MiB alone.
    private static readonly string[] HoldOffOrders = ["11", "10"];

    private readonly string? _previous;
    private readonly OnTermination? _onTermination;
    private int _restored;

    private FreePageReporting(string? previous, string description)
    {
        _previous = previous;
        Description = description;
        if (previous is not null)
        {
            // Environment.Exit leaves through ProcessExit, a signal through OnTermination: neither through the caller's
            // finally.
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Restore();
            _onTermination = new OnTermination(Restore);
        }
    }

    /// <summary>One line for the report's header: what was done with free page reporting during the run.</summary>
    public string Description { get; }

    /// <summary>Holds reporting off when the machine has it and lets the harness change it; otherwise says why not.</summary>
    public static FreePageReporting HoldOff(bool leave)
    {
        string previous;
        try
        {
            previous = File.ReadAllText(Knob).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FreePageReporting(null, "the kernel has no free page reporting (no " + Knob + ")");
        }

        if (leave)
        {
            return new FreePageReporting(null, $"free page reporting to the hypervisor left on (--leave-page-reporting, page_reporting_order {previous})");
        }

        if (int.TryParse(previous, NumberStyles.Integer, CultureInfo.InvariantCulture, out var current) && current >= 11)
        {
            return new FreePageReporting(null, $"free page reporting to the hypervisor already held off (page_reporting_order {previous})");
        }

        foreach (var order in HoldOffOrders)
        {
            if (TryWrite(order))
            {
                return new FreePageReporting(previous, $"free page reporting to the hypervisor held off during the run (page_reporting_order {previous} → {order}, restored after; bench/README.md, \"The machine's memory\")");
            }
        }

        return new FreePageReporting(null, $"free page reporting to the hypervisor left on: {Knob} is not writable here (run as root to hold it off)");
    }

    /// <summary>Puts the previous order back, once, and lets go of the signal handlers.</summary>
    public void Dispose()
    {
        Restore();
        _onTermination?.Dispose();
    }

    private void Restore()
    {
        if (_previous is not null && Interlocked.Exchange(ref _restored, 1) == 0)
        {
            _ = TryWrite(_previous);
        }
    }

    private static bool TryWrite(string order)
    {
        try
        {
            File.WriteAllText(Knob, order);
            return File.ReadAllText(Knob).Trim() == order;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
