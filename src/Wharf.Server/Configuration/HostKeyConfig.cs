using System.Text.Json.Serialization;

namespace Wharf.Server.Configuration;

/// <summary>One entry of sftpd.keys: a host private key file.</summary>
public sealed class HostKeyConfig
{
    /// <summary>Path of the private key file, absolute or relative to the config dir.</summary>
    [JsonPropertyName("private_key")] public string PrivateKey { get; set; } = "";
}
