namespace DokanNfs.Cli.Configuration;

/// <summary>
/// The configuration files dokannfs reads, lowest precedence first: appsettings.json beside the program, the
/// machine file, the user file. Environment variables (DOKANNFS__…) and the command line (--set) come after them
/// (<see cref="ConfigurationLoader"/>). A file that does not exist is skipped.
/// </summary>
internal sealed record ConfigurationSources(string AppSettingsFile, string MachineFile, string UserFile)
{
    public const string FileName = "dokannfs.json";

    /// <summary>Replaces the machine file's directory (for tests and portable set-ups).</summary>
    public const string MachineDirectoryVariable = "DOKANNFS_CONFIG_DIR";

    /// <summary>Replaces the user file's directory.</summary>
    public const string UserDirectoryVariable = "DOKANNFS_USER_CONFIG_DIR";

    /// <summary>The prefix of configuration environment variables: DOKANNFS__Logging__File__Level=Debug.</summary>
    public const string EnvironmentPrefix = "DOKANNFS__";

    /// <summary>
    /// %ProgramData%\DokanNfs\dokannfs.json and %APPDATA%\DokanNfs\dokannfs.json on Windows;
    /// /etc/dokannfs/dokannfs.json and $XDG_CONFIG_HOME/dokannfs/dokannfs.json (~/.config/…) elsewhere.
    /// </summary>
    public static ConfigurationSources Default()
    {
        string machine;
        string user;
        if (OperatingSystem.IsWindows())
        {
            machine = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "DokanNfs");
            user = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "DokanNfs");
        }
        else
        {
            machine = "/etc/dokannfs";
            var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
            user = Path.Combine(string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config") : xdg, "dokannfs");
        }

        if (Environment.GetEnvironmentVariable(MachineDirectoryVariable) is { Length: > 0 } machineOverride)
        {
            machine = machineOverride;
        }

        if (Environment.GetEnvironmentVariable(UserDirectoryVariable) is { Length: > 0 } userOverride)
        {
            user = userOverride;
        }

        return new ConfigurationSources(
            Path.Combine(AppContext.BaseDirectory, "appsettings.json"),
            Path.Combine(machine, FileName),
            Path.Combine(user, FileName));
    }
}
