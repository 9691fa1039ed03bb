using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace DokanNfs.Cli.Configuration;

/// <summary>
/// Builds the layered configuration (Microsoft.Extensions.Configuration), each layer over the ones before:
/// appsettings.json beside the program, the machine file, the user file, DOKANNFS__ environment variables,
/// then the command line's <c>--set KEY=VALUE</c>. Keys are case-insensitive; ':' separates sections
/// ("__" in variable names).
/// </summary>
internal static class ConfigurationLoader
{
    public static IConfigurationRoot Load(ConfigurationSources sources, IReadOnlyList<string>? commandLine, IDictionary<string, string?>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var builder = new ConfigurationBuilder();
        foreach (var file in new[] { sources.AppSettingsFile, sources.MachineFile, sources.UserFile })
        {
            // Only files that exist: a missing layer is normal, and AddJsonFile fails on a missing directory.
            if (File.Exists(file))
            {
                builder.AddJsonFile(file, optional: true, reloadOnChange: false);
            }
        }

        if (environment is null)
        {
            builder.AddEnvironmentVariables(ConfigurationSources.EnvironmentPrefix);
        }
        else
        {
            // Tests hand their own variables instead of the process's.
            var prefix = ConfigurationSources.EnvironmentPrefix;
            builder.AddInMemoryCollection(environment
                .Where(e => e.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(e => KeyValuePair.Create(e.Key[prefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), e.Value)));
        }

        if (commandLine is { Count: > 0 })
        {
            builder.AddCommandLine([.. commandLine.Select(ToSwitch)]);
        }

        try
        {
            return builder.Build();
        }
        catch (InvalidDataException ex)
        {
            // The JSON provider's message names the file; its inner exception says where the JSON breaks.
            var detail = ex.InnerException is JsonException json ? json.Message : ex.InnerException?.Message;
            throw CliException.BadArguments(detail is null ? ex.Message : $"{ex.Message.TrimEnd('.')}: {detail}");
        }
        catch (FormatException ex)
        {
            throw CliException.BadArguments("configuration: " + ex.Message);
        }
        catch (IOException ex)
        {
            throw CliException.BadArguments("configuration: " + ex.Message);
        }
    }

    /// <summary>KEY=VALUE to the --KEY=VALUE the command-line provider reads; a value is required.</summary>
    private static string ToSwitch(string setting)
    {
        var equals = setting.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || setting.StartsWith('-'))
        {
            throw CliException.BadArguments($"--set {setting}: write --set KEY=VALUE, e.g. --set Logging:File:Level=Debug.");
        }

        return "--" + setting;
    }
}
