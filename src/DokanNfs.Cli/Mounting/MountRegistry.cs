using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DokanNfs.Core.Client;

namespace DokanNfs.Cli.Mounting;

/// <summary>
/// The running mounts of this user: one file <c>&lt;state&gt;/mounts/&lt;id&gt;.json</c> per mount, written by the
/// process serving it (atomically: a temporary file renamed over the old one) and removed when it ends. A
/// process that died without removing its file is noticed by its pid (and start time, against pid reuse):
/// readers drop such files.
/// </summary>
internal sealed class MountRegistry(string directory)
{
    public string Directory { get; } = directory;

    /// <summary><c>$DOKANNFS_STATE_DIR/mounts</c>, or the per-user state directory's (see ClientIdentity.DefaultStateDirectory).</summary>
    public static MountRegistry Default => new(Path.Combine(ClientIdentity.DefaultStateDirectory, "mounts"));

    /// <summary>This process's pid and start time, as entries record them.</summary>
    public static (int Pid, string Start) CurrentProcess { get; } = ReadCurrentProcess();

    /// <summary>A new mount id: 12 hex digits, for the file and the pipe name.</summary>
    public static string NewId() => Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));

    public string PathOf(string id) => Path.Combine(Directory, id + ".json");

    public void Write(MountEntryJson entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathOf(entry.Id);
        var temporary = path + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(entry, MountJsonContext.Compact.MountEntryJson));
        File.Move(temporary, path, overwrite: true);
    }

    public void Remove(string id)
    {
        try
        {
            File.Delete(PathOf(id));
        }
        catch (IOException)
        {
            // Readers drop it once our pid is gone.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The entries whose process is alive, by mount point; files of dead processes are deleted.</summary>
    public List<MountEntryJson> ReadLive()
    {
        var live = new List<MountEntryJson>();
        if (!System.IO.Directory.Exists(Directory))
        {
            return live;
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            MountEntryJson? entry;
            try
            {
                entry = JsonSerializer.Deserialize(File.ReadAllBytes(file), MountJsonContext.Compact.MountEntryJson);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
            {
                // Being replaced this instant, or not ours to read: skip it this time.
                continue;
            }

            if (entry is null)
            {
                continue;
            }

            if (!IsAlive(entry.Pid, entry.ProcessStart))
            {
                TryDelete(file);
                continue;
            }

            live.Add(entry);
        }

        live.Sort(static (a, b) => string.Compare(a.MountPoint, b.MountPoint, StringComparison.OrdinalIgnoreCase));
        return live;
    }

    /// <summary>The live entry for <paramref name="mountPoint"/>, or null.</summary>
    public MountEntryJson? Find(MountPoint mountPoint)
    {
        ArgumentNullException.ThrowIfNull(mountPoint);
        return ReadLive().FirstOrDefault(e => MountPoint.TryParse(e.MountPoint) is { } p && p.SameAs(mountPoint));
    }

    /// <summary>Whether <paramref name="pid"/> runs and, when known, started at <paramref name="start"/>.</summary>
    public static bool IsAlive(int pid, string? start)
    {
        if (pid <= 0)
        {
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited)
            {
                return false;
            }

            if (start is null || !DateTimeOffset.TryParse(start, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var recorded))
            {
                return true;
            }

            // A pid reused by another process has another start time.
            return (new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero) - recorded).Duration() < TimeSpan.FromSeconds(2);
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
        catch (Win32Exception)
        {
            // Another user's process (a service): it runs, and we may not look closer.
            return true;
        }
        catch (NotSupportedException)
        {
            return true;
        }
    }

    private static (int, string) ReadCurrentProcess()
    {
        using var self = Process.GetCurrentProcess();
        var start = new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero);
        return (self.Id, start.ToString("O", CultureInfo.InvariantCulture));
    }

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
