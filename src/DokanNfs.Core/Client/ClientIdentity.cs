using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace DokanNfs.Core.Client;

/// <summary>
/// Who this client is, across restarts (in the spirit of the CephFS reclaim interface): a uuid created
/// once and kept in the state directory, from which each server's SETCLIENTID / EXCHANGE_ID id string is
/// derived, and a boot verifier that is new for every process start. Same id + new verifier tells the
/// server "the previous incarnation is gone": it drops that incarnation's opens and locks at once
/// (RFC 7530 §9.1.1) instead of waiting out its lease.
/// </summary>
public sealed class ClientIdentity : IDisposable
{
    private const string UuidFileName = "client-uuid";
    private const string LockFileName = "client-uuid.lock";

    private FileStream? _lock;

    private ClientIdentity(Guid uuid, ulong bootVerifier, string? stateDirectory, FileStream? heldLock = null)
    {
        Uuid = uuid;
        BootVerifier = bootVerifier;
        StateDirectory = stateDirectory;
        _lock = heldLock;
    }

    public Guid Uuid { get; }

    /// <summary>Differs for every process start (and every <see cref="Create"/>).</summary>
    public ulong BootVerifier { get; }

    /// <summary>Where the uuid is kept; null for an identity that is not persisted.</summary>
    public string? StateDirectory { get; }

    /// <summary>The default state directory: per user, beside other application state.</summary>
    public static string DefaultStateDirectory
    {
        get
        {
            if (Environment.GetEnvironmentVariable("DOKANNFS_STATE_DIR") is { Length: > 0 } fromEnv)
            {
                return fromEnv;
            }

            if (OperatingSystem.IsWindows())
            {
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "DokanNfs");
            }

            var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            return Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(home, ".local", "state") : xdg, "dokannfs");
        }
    }

    /// <summary>A fresh identity that is never stored: each one is a new client to every server.</summary>
    public static ClientIdentity Create() => new(Guid.NewGuid(), NewBootVerifier(), null);

    /// <summary>
    /// Takes the persistent identity in <paramref name="stateDirectory"/> for this process: an exclusive lock
    /// on a file beside the uuid, held until <see cref="Dispose"/> or the process ends (however it ends), then
    /// the uuid, created the first time. Two live processes must never present one id string with different
    /// boot verifiers — the server would take the second for a reboot of the first and drop the first's
    /// opens and locks — so a second taker is refused with <see cref="ClientIdentityInUseException"/>.
    /// </summary>
    public static ClientIdentity Acquire(string stateDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateDirectory);
        Directory.CreateDirectory(stateDirectory);
        var lockPath = Path.Combine(stateDirectory, LockFileName);
        FileStream held;
        try
        {
            // FileShare.None is an exclusive flock on Unix and a sharing mode on Windows.
            held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new ClientIdentityInUseException(stateDirectory, ex);
        }

        try
        {
            var loaded = LoadOrCreate(stateDirectory);
            return new ClientIdentity(loaded.Uuid, loaded.BootVerifier, stateDirectory, held);
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <see cref="Acquire"/>, or a throwaway identity when another process holds it or the directory cannot
    /// be written: for short-lived commands that must work beside a running mount.
    /// </summary>
    public static ClientIdentity AcquireOrCreateEphemeral(string stateDirectory)
    {
        try
        {
            return Acquire(stateDirectory);
        }
        catch (Exception ex) when (ex is ClientIdentityInUseException or IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return Create();
        }
    }

    /// <summary>True while this identity holds its state directory's lock.</summary>
    public bool IsHeld => _lock is not null;

    /// <summary>Releases the lock on the state directory; the uuid stays for the next incarnation.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _lock, null)?.Dispose();
    }

    /// <summary>
    /// Reads the uuid from <paramref name="stateDirectory"/>, creating it (atomically: write, then rename)
    /// the first time. The boot verifier is always new. Does not lock: see <see cref="Acquire"/>.
    /// </summary>
    internal static ClientIdentity LoadOrCreate(string stateDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateDirectory);
        Directory.CreateDirectory(stateDirectory);
        var path = Path.Combine(stateDirectory, UuidFileName);
        if (TryRead(path, out var uuid))
        {
            return new ClientIdentity(uuid, NewBootVerifier(), stateDirectory);
        }

        var temp = path + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        File.WriteAllText(temp, Guid.NewGuid().ToString("D") + "\n");
        try
        {
            // If another process created it meanwhile, theirs wins and we read it back.
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
        }

        if (!TryRead(path, out uuid))
        {
            throw new InvalidDataException($"The client identity file {path} is not a uuid; delete it to start as a new client.");
        }

        return new ClientIdentity(uuid, NewBootVerifier(), stateDirectory);
    }

    /// <summary>The nfs_client_id4.id / co_ownerid for one server: stable for this identity and that server.</summary>
    public byte[] IdFor(string server) => Encoding.UTF8.GetBytes($"dokannfs/{Uuid:D}/{server}");

    private static bool TryRead(string path, out Guid uuid)
    {
        uuid = Guid.Empty;
        return File.Exists(path) && Guid.TryParseExact(File.ReadAllText(path).Trim(), "D", out uuid);
    }

    private static ulong NewBootVerifier()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }
}

/// <summary>Another live process holds this client identity.</summary>
public sealed class ClientIdentityInUseException(string stateDirectory, Exception? innerException = null)
    : IOException(
        $"The DokanNfs client identity in {stateDirectory} is in use by another running process. Two processes " +
        "with one identity would make each server drop the other's open files and locks; stop the other " +
        "process or give this one its own state directory (DOKANNFS_STATE_DIR).",
        innerException)
{
    public string StateDirectory { get; } = stateDirectory;
}
