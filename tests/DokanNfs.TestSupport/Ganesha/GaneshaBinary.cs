namespace DokanNfs.TestSupport.Ganesha;

/// <summary>
/// Finds ganesha.nfsd. A missing server is an error, never a reason to skip: integration tests
/// that silently skip prove nothing, so the message says exactly how to install it.
/// </summary>
public static class GaneshaBinary
{
    /// <summary>Environment variable that overrides where ganesha.nfsd is.</summary>
    public const string EnvironmentVariable = "DOKANNFS_GANESHA";

    /// <summary>The command that installs the server and the FSAL the tests export with.</summary>
    public const string InstallCommand = "apt-get install -y --no-install-recommends nfs-ganesha nfs-ganesha-vfs";

    private const string FileName = "ganesha.nfsd";

    private static readonly string[] WellKnownPaths = ["/usr/bin/ganesha.nfsd", "/usr/sbin/ganesha.nfsd"];

    /// <summary>
    /// The ganesha.nfsd to run: <paramref name="configuredPath"/> if given, else
    /// $DOKANNFS_GANESHA if set, else ganesha.nfsd on PATH, else /usr/bin or /usr/sbin.
    /// </summary>
    /// <exception cref="GaneshaException">The binary does not exist; the message says how to install it.</exception>
    public static string Locate(string? configuredPath = null)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        string? explicitPath = !string.IsNullOrEmpty(configuredPath) ? configuredPath
            : !string.IsNullOrEmpty(fromEnvironment) ? fromEnvironment
            : null;
        if (explicitPath is not null)
        {
            if (File.Exists(explicitPath))
            {
                return Path.GetFullPath(explicitPath);
            }

            string source = !string.IsNullOrEmpty(configuredPath) ? "GaneshaOptions.BinaryPath" : $"${EnvironmentVariable}";
            throw new GaneshaException(
                $"NFS-Ganesha not found: {source} points at '{explicitPath}', which does not exist. "
                + $"Install the server with: {InstallCommand} (as root), or point {source} at an existing ganesha.nfsd.");
        }

        var searched = new List<string>();
        string[] pathDirectories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries);
        foreach (string candidate in pathDirectories.Select(d => Path.Combine(d, FileName)).Concat(WellKnownPaths))
        {
            if (File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }

            searched.Add(candidate);
        }

        throw new GaneshaException(
            $"NFS-Ganesha is not installed: no {FileName} on PATH, in /usr/bin or in /usr/sbin. "
            + $"Install it with: {InstallCommand} (as root), or set ${EnvironmentVariable} to the ganesha.nfsd to use. "
            + $"Searched: {string.Join(", ", searched.Distinct(StringComparer.Ordinal))}.");
    }
}
