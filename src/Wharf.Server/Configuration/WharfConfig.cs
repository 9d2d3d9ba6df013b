using System.Text.Json.Serialization;

namespace Wharf.Server.Configuration;

/// <summary>The whole configuration, in SFTPGo's section and option names.</summary>
public sealed class WharfConfig
{
    [JsonPropertyName("sftpd")] public SftpdConfig Sftpd { get; set; } = new();
    [JsonPropertyName("data_provider")] public DataProviderConfig DataProvider { get; set; } = new();
    [JsonPropertyName("httpd")] public HttpdConfig Httpd { get; set; } = new();
}
