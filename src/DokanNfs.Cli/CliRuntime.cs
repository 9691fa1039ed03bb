using System.CommandLine;
using DokanNfs.Cli.Configuration;
using DokanNfs.Cli.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace DokanNfs.Cli;

/// <summary>
/// What a command runs with beyond its arguments: the configuration, read and checked at start (a mistake in
/// it fails every command, so it is noticed), and the logging built from it.
/// </summary>
internal sealed class CliRuntime : IDisposable
{
    private CliRuntime(IConfigurationRoot configuration, DokanNfsSettings settings, CliLogging logging)
    {
        Configuration = configuration;
        Settings = settings;
        Logging = logging;
    }

    public IConfigurationRoot Configuration { get; }

    public DokanNfsSettings Settings { get; }

    public CliLogging Logging { get; }

    public ILoggerFactory LoggerFactory => Logging.Factory;

    /// <summary>Loads the layers (<see cref="ConfigurationSources.Default"/>, DOKANNFS__ variables, --set) and starts logging.</summary>
    public static CliRuntime Start(ParseResult parse, ConnectionOptions options, bool longRunning)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(options);
        var configuration = ConfigurationLoader.Load(ConfigurationSources.Default(), parse.GetValue(options.Set));
        var settings = DokanNfsSettings.Read(configuration);
        var verbosity = parse.GetValue(options.Verbose) ? ConsoleVerbosity.Verbose
            : parse.GetValue(options.Quiet) ? ConsoleVerbosity.Quiet
            : ConsoleVerbosity.Normal;
        var logging = CliLogging.Create(settings.Logging, verbosity, longRunning);
        ClientFactory.LoggerFactory = logging.Factory;
        return new CliRuntime(configuration, settings, logging);
    }

    public void Dispose()
    {
        ClientFactory.LoggerFactory = null;
        Logging.Dispose();
        (Configuration as IDisposable)?.Dispose();
    }
}
