using System.Diagnostics;
using System.Globalization;

namespace DokanNfs.Cli.Output;

/// <summary>
/// One line on stderr, redrawn in place with \r: bytes done of total, percent, and rate. Shown only when both
/// stdout and stderr are terminals and the file is large, so redirected output (scripts, tests, logs) never
/// gets carriage-return noise.
/// </summary>
internal sealed class ProgressBar : IDisposable
{
    /// <summary>Smaller files finish before a bar would be worth reading.</summary>
    public const long Threshold = 8L * 1024 * 1024;

    private const int BarWidth = 24;
    private static readonly long RedrawTicks = Stopwatch.Frequency / 10;

    private readonly string _label;
    private readonly long _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw = -RedrawTicks;
    private long _done;
    private int _lastWidth;

    private ProgressBar(string label, long total)
    {
        _label = label.Length > 30 ? "…" + label[^29..] : label;
        _total = total;
    }

    /// <summary>A bar for a transfer of <paramref name="total"/> bytes, or null when none should be shown.</summary>
    public static ProgressBar? StartIfUseful(string label, long total) =>
        total > Threshold && !Console.IsOutputRedirected && !Console.IsErrorRedirected ? new ProgressBar(label, total) : null;

    public void Report(long done)
    {
        _done = done;
        var now = _clock.ElapsedTicks;
        if (now - _lastDraw >= RedrawTicks)
        {
            _lastDraw = now;
            Draw();
        }
    }

    public void Dispose()
    {
        Draw();
        Console.Error.WriteLine();
    }

    private void Draw()
    {
        var fraction = _total <= 0 ? 1.0 : Math.Clamp((double)_done / _total, 0, 1);
        var filled = (int)(fraction * BarWidth);
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"{_label} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {fraction * 100,3:0}% {Formats.Bytes(_done)} / {Formats.Bytes(_total)}  {Formats.Bytes(_done / seconds)}/s");

        // Pad over what a longer previous line left behind.
        var padding = Math.Max(0, _lastWidth - line.Length);
        _lastWidth = line.Length;
        Console.Error.Write("\r" + line + new string(' ', padding));
    }
}
