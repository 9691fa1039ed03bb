using System.Globalization;
using DokanNfs.Core.Client;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Extensions.Logging;
using Serilog.Formatting.Json;

namespace DokanNfs.Cli.Logging;

/// <summary>How loud a run is on the console, from --verbose / --quiet.</summary>
internal enum ConsoleVerbosity
{
    Normal,
    Verbose,
    Quiet,
}

/// <summary>
/// The run's logging: Serilog with a console sink (stderr, so stdout stays the command's output) and a
/// rolling file, behind Microsoft.Extensions.Logging's <see cref="ILoggerFactory"/>, which is what the client
/// core and the Dokan adapter log through. Their messages are source-generated ([LoggerMessage]) and check
/// <see cref="Microsoft.Extensions.Logging.ILogger.IsEnabled"/> first; Serilog answers that from the minimum
/// level set here, so a level that is off (the adapter's per-callback Debug lines, normally) costs one call.
/// </summary>
internal sealed class CliLogging : IDisposable
{
    private const string ConsoleTemplate = "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}";
    private const string VerboseConsoleTemplate = "{Timestamp:HH:mm:ss.fff} {Level:u3} [{SourceContext:l}] {Message:lj}{NewLine}{Exception}";
    private const string FileTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {SourceContext:l} {Message:lj} {Properties:j}{NewLine}{Exception}";

    private readonly Logger _logger;

    private CliLogging(Logger logger, LogEventLevel minimum, LogLevelSetting console, string? file)
    {
        _logger = logger;
        Factory = new SerilogLoggerFactory(logger, dispose: false);
        Minimum = minimum;
        Console = console;
        FilePath = file;
    }

    public ILoggerFactory Factory { get; }

    /// <summary>The least level any sink takes (sources in <see cref="LoggingSettings.Levels"/> aside).</summary>
    public LogEventLevel Minimum { get; }

    public LogLevelSetting Console { get; }

    /// <summary>The rolling file's path pattern, or null when nothing is logged to a file.</summary>
    public string? FilePath { get; }

    /// <summary>Where long-running commands log when Logging:File:Path is not set: the state directory's logs/.</summary>
    public static string DefaultFilePath => Path.Combine(ClientIdentity.DefaultStateDirectory, "logs", "dokannfs-.log");

    /// <summary>
    /// <paramref name="longRunning"/> (mount): console at Information unless configured, and a file by default.
    /// Other commands report through their output and exit code: console logging only with --verbose, a file
    /// only when one is configured.
    /// </summary>
    public static CliLogging Create(LoggingSettings settings, ConsoleVerbosity verbosity, bool longRunning)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var console = verbosity switch
        {
            ConsoleVerbosity.Verbose => new LogLevelSetting(LogEventLevel.Debug),
            ConsoleVerbosity.Quiet => longRunning ? new LogLevelSetting(LogEventLevel.Error) : LogLevelSetting.Off,
            _ when longRunning => settings.ConsoleLevel ?? new LogLevelSetting(LogEventLevel.Information),
            _ => LogLevelSetting.Off,
        };
        var file = FileFor(settings, longRunning);
        var fileLevel = file is null ? LogLevelSetting.Off : settings.FileLevel;

        var levels = new[] { console, fileLevel }.Where(l => !l.IsOff).Select(l => l.Level).ToList();
        var minimum = levels.Count == 0 ? LogEventLevel.Fatal : levels.Min();
        var configuration = new LoggerConfiguration().MinimumLevel.Is(minimum).Enrich.FromLogContext();
        foreach (var (source, level) in settings.Levels)
        {
            configuration.MinimumLevel.Override(source, level.IsOff ? LogEventLevel.Fatal : level.Level);
        }

        if (!console.IsOff)
        {
            configuration.WriteTo.Console(
                restrictedToMinimumLevel: console.Level,
                outputTemplate: verbosity == ConsoleVerbosity.Verbose ? VerboseConsoleTemplate : ConsoleTemplate,
                formatProvider: CultureInfo.InvariantCulture,
                standardErrorFromLevel: LogEventLevel.Verbose);
        }

        if (file is not null)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw CliException.BadArguments($"configuration: Logging:File:Path: cannot create the directory of '{file}': {ex.Message}");
            }

            if (settings.FileFormat == "json")
            {
                configuration.WriteTo.File(
                    new JsonFormatter(renderMessage: true, formatProvider: CultureInfo.InvariantCulture),
                    file,
                    restrictedToMinimumLevel: fileLevel.Level,
                    fileSizeLimitBytes: settings.FileSizeLimitBytes,
                    shared: true,
                    rollingInterval: settings.RollingInterval,
                    rollOnFileSizeLimit: true,
                    retainedFileCountLimit: settings.RetainedFileCount);
            }
            else
            {
                configuration.WriteTo.File(
                    file,
                    restrictedToMinimumLevel: fileLevel.Level,
                    outputTemplate: FileTemplate,
                    formatProvider: CultureInfo.InvariantCulture,
                    fileSizeLimitBytes: settings.FileSizeLimitBytes,
                    shared: true,
                    rollingInterval: settings.RollingInterval,
                    rollOnFileSizeLimit: true,
                    retainedFileCountLimit: settings.RetainedFileCount);
            }
        }

        return new CliLogging(configuration.CreateLogger(), minimum, console, file);
    }

    /// <summary>The file a run logs to: the configured path; none when it is ""; when not configured, the default for a mount only.</summary>
    public static string? FileFor(LoggingSettings settings, bool longRunning)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.FilePath switch
        {
            null => longRunning ? DefaultFilePath : null,
            "" => null,
            var path => path,
        };
    }

    /// <summary>Flushes and closes the sinks.</summary>
    public void Dispose()
    {
        Factory.Dispose();
        _logger.Dispose();
    }
}
