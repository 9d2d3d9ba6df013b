namespace Wharf.Server.Configuration;

/// <summary>Loads <see cref="WharfConfig"/> from the config dir, a config file and the environment.</summary>
public static partial class ConfigurationLoader
{
    /// <summary>
    /// Reads <paramref name="configFile"/> (a name without extension, default "wharf"; .json,
    /// .yaml/.yml and .env found in <paramref name="configDirectory"/>), then applies WHARF_*
    /// environment overrides from <paramref name="environment"/> (the process environment when
    /// null), validates, and returns the result. Any problem throws <see cref="ConfigurationException"/>
    /// whose message is one line naming the option.
    /// </summary>
    public static partial WharfConfig Load(string configDirectory, string? configFile = null, IDictionary<string, string?>? environment = null);
}

/// <summary>A configuration problem: the message names the option and what is wrong with it.</summary>
public sealed class ConfigurationException(string message, Exception? inner = null) : Exception(message, inner);
