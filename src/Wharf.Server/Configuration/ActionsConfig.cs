using System.Text.Json.Serialization;

namespace Wharf.Server.Configuration;

/// <summary>
/// An "actions" block (sftpd.actions, data_provider.actions): what to run or notify, and when.
/// The valid <see cref="ExecuteOn"/> values depend on the section.
/// </summary>
public sealed class ActionsConfig
{
    /// <summary>
    /// Events that trigger the action. sftpd: download, upload, delete, rename, ssh_cmd;
    /// data_provider: add, update, delete. Empty disables the actions.
    /// </summary>
    [JsonPropertyName("execute_on")] public List<string> ExecuteOn { get; set; } = [];

    /// <summary>Absolute path of a command to run for each event, or empty for none.</summary>
    [JsonPropertyName("command")] public string Command { get; set; } = "";

    /// <summary>An http(s) URL to notify for each event, or empty for none.</summary>
    [JsonPropertyName("http_notification_url")] public string HttpNotificationUrl { get; set; } = "";

    /// <summary>
    /// Seconds a command or HTTP notification may take (1-300) before it is abandoned — the
    /// command's whole process tree killed — so a stuck hook cannot pile up work. (Wharf only.)
    /// </summary>
    [JsonPropertyName("timeout")] public int Timeout { get; set; } = 15;
}
