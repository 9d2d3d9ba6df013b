using System.Text.Json.Serialization;

namespace Wharf.Server.Configuration;

/// <summary>The whole configuration, in SFTPGo's section and option names.</summary>
public sealed class WharfConfig
{
    /// <summary>Settings shared by every protocol (SFTPGo 2.x's common section).</summary>
    [JsonPropertyName("common")] public CommonConfig Common { get; set; } = new();

    /// <summary>The SSH/SFTP server.</summary>
    [JsonPropertyName("sftpd")] public SftpdConfig Sftpd { get; set; } = new();

    /// <summary>Where users are stored.</summary>
    [JsonPropertyName("data_provider")] public DataProviderConfig DataProvider { get; set; } = new();

    /// <summary>The HTTP server (REST API).</summary>
    [JsonPropertyName("httpd")] public HttpdConfig Httpd { get; set; } = new();

    /// <summary>Absolute path of the config dir, the base of relative paths (set by the loader; "" for a config built in code).</summary>
    [JsonIgnore] public string ConfigDirectory { get; set; } = "";

    /// <summary>Absolute path of the configuration file that was read, or null when none was found.</summary>
    [JsonIgnore] public string? ConfigFilePath { get; set; }

    /// <summary>
    /// What the loader accepted but the operator should know (an SFTPGo variable overridden by a
    /// Wharf one, a config file left unread, a legacy setting); serve logs each at start.
    /// </summary>
    [JsonIgnore] public List<string> Warnings { get; } = [];

    /// <summary>
    /// <paramref name="path"/> made absolute against <see cref="ConfigDirectory"/> (the current
    /// directory when that is empty); an empty path stays empty.
    /// </summary>
    public string ResolvePath(string path) =>
        string.IsNullOrEmpty(path)
            ? path
            : Path.GetFullPath(path, string.IsNullOrEmpty(ConfigDirectory) ? Directory.GetCurrentDirectory() : ConfigDirectory);
}
