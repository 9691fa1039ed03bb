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
public sealed class ClientIdentity
{
    private const string UuidFileName = "client-uuid";

    private ClientIdentity(Guid uuid, ulong bootVerifier, string? stateDirectory)
    {
        Uuid = uuid;
        BootVerifier = bootVerifier;
        StateDirectory = stateDirectory;
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
    /// Reads the uuid from <paramref name="stateDirectory"/>, creating it (atomically: write, then rename)
    /// the first time. The boot verifier is always new.
    /// </summary>
    public static ClientIdentity LoadOrCreate(string stateDirectory)
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
