namespace Wharf.Server.Configuration;

// Placeholder until the configuration work lands; replaced by the real implementation.
public static partial class ConfigurationLoader
{
    public static partial WharfConfig Load(string configDirectory, string? configFile, IDictionary<string, string?>? environment) =>
        throw new NotImplementedException();
}

/// <summary>Placeholder: the sftpd section.</summary>
public sealed class SftpdConfig
{
}

/// <summary>Placeholder: the httpd section.</summary>
public sealed class HttpdConfig
{
}
