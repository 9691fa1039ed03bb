using System.Globalization;
using System.Text;

namespace DokanNfs.TestSupport.Ganesha;

/// <summary>
/// Hands out the -E epoch for every server start.
/// </summary>
/// <remarks>
/// Ganesha builds client ids and stateids from the low 32 bits of its epoch (a stale client id
/// is recognised only by a different epoch). It defaults to its start second, so two starts in
/// one second would accept each other's client ids and reboot-recovery tests would lie. Every
/// start, in this process or any other test process, therefore gets a distinct value:
/// max(unix seconds, last value + 1), with the last value kept in a locked file. The values stay
/// close to the clock and fit in 32 bits (until 2106), so nothing is lost when Ganesha truncates.
/// </remarks>
internal static class GaneshaEpoch
{
    private const string FileName = "epoch";

    private static readonly Lock Gate = new();

    private static long _lastInProcess;

    public static long Next()
    {
        lock (Gate)
        {
            using CrossProcessLock file = CrossProcessLock.Acquire(FileName, TimeSpan.FromSeconds(10));
            long lastOnMachine = ReadLast(file.Stream);
            long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            long next = Math.Max(now, Math.Max(lastOnMachine, _lastInProcess) + 1);
            if (next > uint.MaxValue)
            {
                throw new InvalidOperationException(
                    $"Epoch {next} does not fit in 32 bits; delete {Path.Combine(CrossProcessLock.Directory, FileName)} to reset it.");
            }

            file.Stream.SetLength(0);
            file.Stream.Write(Encoding.ASCII.GetBytes(next.ToString(CultureInfo.InvariantCulture)));
            file.Stream.Flush();
            _lastInProcess = next;
            return next;
        }
    }

    private static long ReadLast(FileStream stream)
    {
        stream.Position = 0;
        using var reader = new StreamReader(stream, Encoding.ASCII, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        string text = reader.ReadToEnd().Trim();

        // A corrupt or future value must not wedge every later test run: fall back to the clock.
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long last) && last < uint.MaxValue
            ? last
            : 0;
    }
}
