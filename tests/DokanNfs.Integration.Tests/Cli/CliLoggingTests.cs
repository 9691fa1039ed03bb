using System.Text.Json;
using DokanNfs.Cli.Logging;
using DokanNfs.Cli.Mounting;
using Microsoft.Extensions.Logging;
using Serilog.Events;

namespace DokanNfs.Integration.Tests.Cli;

/// <summary>Serilog behind Microsoft.Extensions.Logging: levels per command and source, the rolling file and its properties.</summary>
[TestClass]
public sealed class CliLoggingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dokannfs-logging-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    public void The_adapter_debug_lines_are_off_unless_asked_for()
    {
        var noFile = new LoggingSettings { FilePath = string.Empty };

        using (var mount = CliLogging.Create(noFile, ConsoleVerbosity.Normal, longRunning: true))
        {
            var adapter = mount.Factory.CreateLogger(MountAgent.AdapterLogCategory);
            Assert.IsFalse(adapter.IsEnabled(LogLevel.Debug), "[LoggerMessage] checks this first: a callback's debug line then costs one call");
            Assert.IsTrue(adapter.IsEnabled(LogLevel.Information));
        }

        using (var verbose = CliLogging.Create(noFile, ConsoleVerbosity.Verbose, longRunning: true))
        {
            Assert.IsTrue(verbose.Factory.CreateLogger(MountAgent.AdapterLogCategory).IsEnabled(LogLevel.Debug));
        }

        using (var quiet = CliLogging.Create(noFile, ConsoleVerbosity.Quiet, longRunning: true))
        {
            Assert.IsFalse(quiet.Factory.CreateLogger(MountLog.Category).IsEnabled(LogLevel.Warning));
            Assert.IsTrue(quiet.Factory.CreateLogger(MountLog.Category).IsEnabled(LogLevel.Error));
        }

        using (var fileCommand = CliLogging.Create(noFile, ConsoleVerbosity.Normal, longRunning: false))
        {
            Assert.IsTrue(fileCommand.Console.IsOff, "ls, cat, …: errors come from the command, not the log");
            Assert.IsFalse(fileCommand.Factory.CreateLogger("DokanNfs.Client").IsEnabled(LogLevel.Error));
        }
    }

    [TestMethod]
    public void A_source_level_overrides_the_rest()
    {
        var settings = new LoggingSettings
        {
            FilePath = Path.Combine(_dir, "x-.log"),
            FileLevel = new LogLevelSetting(LogEventLevel.Debug),
            ConsoleLevel = new LogLevelSetting(LogEventLevel.Warning),
            Levels = new Dictionary<string, LogLevelSetting>
            {
                ["DokanNfs.Dokan"] = new(LogEventLevel.Error),
                ["DokanNfs.Client"] = LogLevelSetting.Off,
            },
        };

        using var logging = CliLogging.Create(settings, ConsoleVerbosity.Normal, longRunning: true);

        Assert.AreEqual(LogEventLevel.Debug, logging.Minimum);
        Assert.IsTrue(logging.Factory.CreateLogger(MountLog.Category).IsEnabled(LogLevel.Debug));
        Assert.IsFalse(logging.Factory.CreateLogger(MountAgent.AdapterLogCategory).IsEnabled(LogLevel.Warning));
        Assert.IsTrue(logging.Factory.CreateLogger(MountAgent.AdapterLogCategory).IsEnabled(LogLevel.Error));
        Assert.IsFalse(logging.Factory.CreateLogger("DokanNfs.Client").IsEnabled(LogLevel.Error));
    }

    [TestMethod]
    public void The_json_file_keeps_every_property_of_an_event()
    {
        var settings = new LoggingSettings { FilePath = Path.Combine(_dir, "logs", "dokannfs-.log"), FileFormat = "json", ConsoleLevel = LogLevelSetting.Off };

        using (var logging = CliLogging.Create(settings, ConsoleVerbosity.Normal, longRunning: true))
        {
            var logger = logging.Factory.CreateLogger(MountLog.Category);
            using (logger.BeginScope(new Dictionary<string, object> { ["MountPoint"] = "Z:" }))
            {
                MountLog.Retrying(logger, "nfs://server/export", "Z:", "NFS4ERR_DELAY", TimeSpan.FromSeconds(2));
            }
        }

        var file = Directory.EnumerateFiles(Path.Combine(_dir, "logs")).Single();
        Assert.MatchesRegex(@"dokannfs-\d{8}\.log$", file, "rolled by day");
        using var line = JsonDocument.Parse(File.ReadAllLines(file).Single());
        var properties = line.RootElement.GetProperty("Properties");
        Assert.AreEqual("Warning", line.RootElement.GetProperty("Level").GetString());
        Assert.AreEqual("nfs://server/export", properties.GetProperty("Url").GetString());
        Assert.AreEqual("Z:", properties.GetProperty("MountPoint").GetString());
        Assert.AreEqual("NFS4ERR_DELAY", properties.GetProperty("Reason").GetString());
        Assert.AreEqual(MountLog.Category, properties.GetProperty("SourceContext").GetString());
        Assert.AreEqual(3004, properties.GetProperty("EventId").GetProperty("Id").GetInt32());
        Assert.Contains("trying again in", line.RootElement.GetProperty("RenderedMessage").GetString()!);
    }

    [TestMethod]
    public void The_text_file_has_the_message_and_its_properties()
    {
        var settings = new LoggingSettings { FilePath = Path.Combine(_dir, "t-.log"), FileLevel = new LogLevelSetting(LogEventLevel.Information) };

        using (var logging = CliLogging.Create(settings, ConsoleVerbosity.Quiet, longRunning: false))
        {
            var logger = logging.Factory.CreateLogger(MountLog.Category);
            MountLog.Mounted(logger, "nfs://server/export", "Z:");
            MountLog.ControlRequest(logger, "dokannfs-1", "stats");
        }

        var text = File.ReadAllText(Directory.EnumerateFiles(_dir, "t-*.log").Single());
        Assert.Contains("[INF] DokanNfs.Mount Mounted nfs://server/export at Z:", text);
        Assert.Contains("\"EventId\":{\"Id\":3001", text);
        Assert.DoesNotContain("stats", text, "Debug is below the file's level");
    }

    [TestMethod]
    public void Only_a_mount_logs_to_a_file_by_default()
    {
        var configured = new LoggingSettings { FilePath = "/var/log/x-.log" };

        Assert.AreEqual(CliLogging.DefaultFilePath, CliLogging.FileFor(new LoggingSettings(), longRunning: true));
        Assert.EndsWith(Path.Combine("logs", "dokannfs-.log"), CliLogging.DefaultFilePath);
        Assert.IsNull(CliLogging.FileFor(new LoggingSettings(), longRunning: false));
        Assert.AreEqual("/var/log/x-.log", CliLogging.FileFor(configured, longRunning: false));
        Assert.IsNull(CliLogging.FileFor(configured with { FilePath = string.Empty }, longRunning: true));
    }
}
