using System.Text.Json.Serialization;

namespace Wharf.Server.Configuration;

/// <summary>The httpd section: the HTTP server for the REST API and web interface.</summary>
public sealed class HttpdConfig
{
    /// <summary>TCP port for HTTP requests; 0 disables the HTTP server.</summary>
    [JsonPropertyName("bind_port")] public int BindPort { get; set; } = 8080;

    /// <summary>Address to listen on; empty means all interfaces.</summary>
    [JsonPropertyName("bind_address")] public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>HTML templates directory, absolute or relative to the config dir.</summary>
    [JsonPropertyName("templates_path")] public string TemplatesPath { get; set; } = "templates";

    /// <summary>Static files directory for the web interface, absolute or relative to the config dir.</summary>
    [JsonPropertyName("static_files_path")] public string StaticFilesPath { get; set; } = "static";

    /// <summary>Backups directory, absolute or relative to the config dir.</summary>
    [JsonPropertyName("backups_path")] public string BackupsPath { get; set; } = "backups";
}
