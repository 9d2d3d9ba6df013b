using System.Text.Json.Serialization;
using Wharf.Server.Commands;

namespace Wharf.Server.Configuration;

/// <summary>The sftpd section: the SSH/SFTP server (SFTPGo's names and defaults).</summary>
public sealed class SftpdConfig
{
    /// <summary>The identification string used when <see cref="Banner"/> is empty: <c>Wharf_&lt;version&gt;</c>.</summary>
    public static string DefaultBanner { get; } = "Wharf_" + (typeof(SftpdConfig).Assembly.GetName().Version?.ToString(3) ?? "0.1.0");

    /// <summary>TCP port for SFTP connections.</summary>
    [JsonPropertyName("bind_port")] public int BindPort { get; set; } = 2022;

    /// <summary>Address to listen on; empty means all interfaces.</summary>
    [JsonPropertyName("bind_address")] public string BindAddress { get; set; } = "";

    /// <summary>Minutes after which an idle client is disconnected; 0 disables.</summary>
    [JsonPropertyName("idle_timeout")] public int IdleTimeout { get; set; } = 15;

    /// <summary>Authentication attempts per connection: 0 means the SSH layer's default (6), negative means unlimited.</summary>
    [JsonPropertyName("max_auth_tries")] public int MaxAuthTries { get; set; }

    /// <summary>Umask for new files and directories, an octal string (see <see cref="ParseUmask"/>).</summary>
    [JsonPropertyName("umask")] public string Umask { get; set; } = "0022";

    /// <summary>
    /// Software version in the SSH identification line (<c>SSH-2.0-&lt;banner&gt;</c>). An empty
    /// value in the configuration is replaced by <see cref="DefaultBanner"/> when loading.
    /// </summary>
    [JsonPropertyName("banner")] public string Banner { get; set; } = DefaultBanner;

    /// <summary>0 standard, 1 atomic (upload to a temporary file, rename at the end), 2 atomic with resume.</summary>
    [JsonPropertyName("upload_mode")] public int UploadMode { get; set; }

    /// <summary>Command and/or URL notified on download, upload, delete, rename and ssh_cmd.</summary>
    [JsonPropertyName("actions")] public ActionsConfig Actions { get; set; } = new();

    /// <summary>
    /// Host private keys, each a path absolute or relative to the config dir (SFTPGo's
    /// <c>host_keys</c>). An absolute path whose file name is <c>id_rsa</c>, <c>id_ecdsa</c> or
    /// <c>id_ed25519</c> is generated there when missing (<see cref="GeneratedHostKeyType"/>);
    /// every other file must exist. Empty (and no <see cref="Keys"/>): Wharf's default,
    /// <c>ssh_host_ed25519_key</c> and <c>ssh_host_rsa_key</c> generated in the config dir.
    /// </summary>
    [JsonPropertyName("host_keys")] public List<string> HostKeys { get; set; } = [];

    /// <summary>Host private keys in SFTPGo's older form, deprecated there in favour of <see cref="HostKeys"/>; give one or the other.</summary>
    [JsonPropertyName("keys")] public List<HostKeyConfig> Keys { get; set; } = [];

    /// <summary>
    /// The key type generated for a missing host key at <paramref name="path"/>, as SFTPGo has it:
    /// an absolute path named <c>id_rsa</c> (RSA, 3072 bits in Wharf), <c>id_ecdsa</c>
    /// (ecdsa-sha2-nistp256) or <c>id_ed25519</c>; null for any other path, which must exist.
    /// </summary>
    public static string? GeneratedHostKeyType(string path) =>
        !Path.IsPathRooted(path) ? null : Path.GetFileName(path) switch
        {
            "id_rsa" => "ssh-rsa",
            "id_ecdsa" => "ecdsa-sha2-nistp256",
            "id_ed25519" => "ssh-ed25519",
            _ => null,
        };

    /// <summary>Deprecated SFTPGo option, accepted for compatibility; SCP is not supported, so it must be false.</summary>
    [JsonPropertyName("enable_scp")] public bool EnableScp { get; set; }

    /// <summary>Key exchange methods in preference order; empty means the SSH layer's defaults.</summary>
    [JsonPropertyName("kex_algorithms")] public List<string> KexAlgorithms { get; set; } = [];

    /// <summary>Ciphers in preference order; empty means the SSH layer's defaults.</summary>
    [JsonPropertyName("ciphers")] public List<string> Ciphers { get; set; } = [];

    /// <summary>MACs in preference order; empty means the SSH layer's defaults.</summary>
    [JsonPropertyName("macs")] public List<string> Macs { get; set; } = [];

    /// <summary>File whose contents are sent before authentication, absolute or relative to the config dir; empty for none.</summary>
    [JsonPropertyName("login_banner_file")] public string LoginBannerFile { get; set; } = "";

    /// <summary>0 normal: setstat requests are executed; 1 ignore: they are silently ignored.</summary>
    [JsonPropertyName("setstat_mode")] public int SetstatMode { get; set; }

    /// <summary>SSH commands enabled (names from <see cref="SshCommands.Supported"/>, or "*" for all).</summary>
    [JsonPropertyName("enabled_ssh_commands")] public List<string> EnabledSshCommands { get; set; } = [.. SshCommands.Defaults];

    /// <summary>
    /// Whether keyboard-interactive authentication is offered (SFTPGo's name and, since SFTPGo
    /// 2.5, its default). With no keyboard-interactive hook (Wharf has none) it is a single
    /// "Password: " prompt, echo off, checked exactly like a password login.
    /// </summary>
    [JsonPropertyName("keyboard_interactive_authentication")] public bool KeyboardInteractiveAuthentication { get; set; } = true;

    /// <summary>Connections served at once; 0 is unlimited.</summary>
    [JsonPropertyName("max_connections")] public int MaxConnections { get; set; }

    /// <summary>Connections served at once from one IP address; 0 is unlimited.</summary>
    [JsonPropertyName("max_connections_per_ip")] public int MaxConnectionsPerIp { get; set; } = 20;

    /// <summary>Connections that have not authenticated yet, at once (OpenSSH's MaxStartups; 0 unlimited). Wharf only; see docs/availability.md.</summary>
    [JsonPropertyName("max_unauthenticated_connections")] public int MaxUnauthenticatedConnections { get; set; } = 100;

    /// <summary>The parsed <see cref="Umask"/> (valid after loading).</summary>
    [JsonIgnore] public uint UmaskValue => ParseUmask(Umask);

    /// <summary>
    /// Parses an umask: one to four octal digits with a value of at most 0777 ("0022", "022",
    /// "77"). Throws <see cref="FormatException"/> otherwise.
    /// </summary>
    public static uint ParseUmask(string umask) =>
        TryParseUmask(umask, out var value)
            ? value
            : throw new FormatException($"'{umask}' is not an octal umask (e.g. 0022, at most 0777)");

    internal static bool TryParseUmask(string? umask, out uint value)
    {
        value = 0;
        if (string.IsNullOrEmpty(umask) || umask.Length > 4)
        {
            return false;
        }

        foreach (var c in umask)
        {
            if (c is < '0' or > '7')
            {
                return false;
            }

            value = (value * 8) + (uint)(c - '0');
        }

        return value <= 511; // 0777
    }
}
