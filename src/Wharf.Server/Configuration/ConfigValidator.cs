using System.Globalization;
using System.Net;
using Wharf.Server.Commands;
using Wharf.Ssh.Algorithms;
using Wharf.Ssh.Algorithms.KeyExchange;

namespace Wharf.Server.Configuration;

/// <summary>Checks a loaded configuration; the first problem throws a one-line <see cref="ConfigurationException"/>.</summary>
internal static class ConfigValidator
{
    public static readonly string[] SftpdEvents = ["download", "upload", "delete", "rename", "ssh_cmd"];
    public static readonly string[] DataProviderEvents = ["add", "update", "delete"];
    public static readonly string[] Drivers = ["sqlite", "postgresql", "memory"];

    public static void Validate(WharfConfig config)
    {
        var common = config.Common;
        Range("common.proxy_protocol", common.ProxyProtocol, 0, 2, "0 off, 1 use a header when an allowed source sends one, 2 require one");
        Networks("common.proxy_allowed", common.ProxyAllowed);
        Networks("common.proxy_skipped", common.ProxySkipped);

        var s = config.Sftpd;
        Port("sftpd.bind_port", s.BindPort);
        Address("sftpd.bind_address", s.BindAddress);
        AtLeastZero("sftpd.idle_timeout", s.IdleTimeout, "minutes");
        if (!SftpdConfig.TryParseUmask(s.Umask, out _))
        {
            Fail($"sftpd.umask: '{s.Umask}' is not an octal umask (1-4 octal digits, at most 0777, e.g. 0022)");
        }

        Banner(s.Banner);
        Range("sftpd.upload_mode", s.UploadMode, 0, 2, "0 standard, 1 atomic, 2 atomic with resume");
        Actions("sftpd.actions", s.Actions, SftpdEvents);
        for (var i = 0; i < s.Keys.Count; i++)
        {
            var key = s.Keys[i].PrivateKey;
            if (string.IsNullOrWhiteSpace(key))
            {
                Fail($"sftpd.keys.{i}.private_key: must not be empty");
            }

            ReadableFile($"sftpd.keys.{i}.private_key", key, config);
        }

        if (s.HostKeys.Count > 0 && s.Keys.Count > 0)
        {
            Fail("sftpd.host_keys: give host_keys or the deprecated keys, not both");
        }

        for (var i = 0; i < s.HostKeys.Count; i++)
        {
            var key = s.HostKeys[i].Trim();
            if (key.Length == 0)
            {
                Fail($"sftpd.host_keys.{i}: must not be empty");
            }

            // A missing id_rsa, id_ecdsa or id_ed25519 at an absolute path is generated at start.
            if (SftpdConfig.GeneratedHostKeyType(key) is null || File.Exists(key))
            {
                ReadableFile($"sftpd.host_keys.{i}", key, config);
            }
        }

        if (s.EnableScp)
        {
            Fail("sftpd.enable_scp: SCP is not supported; remove the option or set it to false");
        }

        Names("sftpd.kex_algorithms", s.KexAlgorithms, n => KeyExchangeCatalog.TryGet(n, out _), KeyExchangeCatalog.All.Select(a => a.Name));
        Names("sftpd.ciphers", s.Ciphers, n => CipherCatalog.TryGet(n, out _), CipherCatalog.All.Select(c => c.Name));
        Names("sftpd.macs", s.Macs, n => MacCatalog.TryGet(n, out _), MacCatalog.All.Select(m => m.Name));
        if (s.LoginBannerFile.Length > 0)
        {
            ReadableFile("sftpd.login_banner_file", s.LoginBannerFile, config);
        }

        Range("sftpd.setstat_mode", s.SetstatMode, 0, 1, "0 normal, 1 ignore");
        var pv = config.Common.PasswordVerification;
        Range("common.password_verification.workers", pv.Workers, 0, 1024, "verifications at once, 0 for one per processor");
        Range("common.password_verification.queue_limit", pv.QueueLimit, 0, 1_000_000, "verifications waiting at most, 0 for the default");
        foreach (var c in s.EnabledSshCommands)
        {
            if (c != "*" && !SshCommands.Supported.Contains(c))
            {
                Fail($"sftpd.enabled_ssh_commands: '{c}' is not a supported command ({string.Join(", ", SshCommands.Supported)} or *)");
            }
        }

        AtLeastZero("sftpd.max_connections", s.MaxConnections, "0 is unlimited");
        AtLeastZero("sftpd.max_connections_per_ip", s.MaxConnectionsPerIp, "0 is unlimited");
        AtLeastZero("sftpd.max_unauthenticated_connections", s.MaxUnauthenticatedConnections, "0 is unlimited");

        var d = config.DataProvider;
        if (!Drivers.Contains(d.Driver))
        {
            Fail($"data_provider.driver: '{d.Driver}' is not supported ({string.Join(", ", Drivers)})");
        }

        if (d.Driver == "sqlite" && string.IsNullOrWhiteSpace(d.Name))
        {
            Fail("data_provider.name: the sqlite database file must be given");
        }

        if (d.Driver == "postgresql" && string.IsNullOrWhiteSpace(d.Name) && string.IsNullOrWhiteSpace(d.ConnectionString))
        {
            Fail("data_provider.name: the postgresql database name must be given (or data_provider.connection_string)");
        }

        if (d.UsersTable != "users")
        {
            Fail($"data_provider.users_table: '{d.UsersTable}' is not supported: Wharf reads and writes its users in the table named users (SFTPGo's default)");
        }

        Port("data_provider.port", d.Port);
        Range("data_provider.sslmode", d.SslMode, 0, 3, "0 disable, 1 require, 2 verify-ca, 3 verify-full");
        Range("data_provider.manage_users", d.ManageUsers, 0, 1, "0 read-only, 1 managed");
        Range("data_provider.track_quota", d.TrackQuota, 0, 2, "0 off, 1 always, 2 only for users with a quota");
        AtLeastZero("data_provider.pool_size", d.PoolSize, "0 is the driver default");
        if (d.UsersBaseDir.Length > 0 && !Path.IsPathFullyQualified(d.UsersBaseDir))
        {
            Fail($"data_provider.users_base_dir: '{d.UsersBaseDir}' must be an absolute path");
        }

        Actions("data_provider.actions", d.Actions, DataProviderEvents);

        var h = config.Httpd;
        Port("httpd.bind_port", h.BindPort);
        Address("httpd.bind_address", h.BindAddress);

        CommonConfigValidator.Validate(config);
    }

    private static void Port(string option, int port)
    {
        if (port is < 0 or > 65535)
        {
            Fail($"{option}: {port} is not a valid port (0-65535)");
        }
    }

    private static void Range(string option, int value, int min, int max, string meaning)
    {
        if (value < min || value > max)
        {
            Fail(string.Create(CultureInfo.InvariantCulture, $"{option}: {value} is not valid ({min}-{max}: {meaning})"));
        }
    }

    private static void AtLeastZero(string option, int value, string meaning)
    {
        if (value < 0)
        {
            Fail(string.Create(CultureInfo.InvariantCulture, $"{option}: {value} must not be negative ({meaning})"));
        }
    }

    private static void Networks(string option, List<string> networks)
    {
        for (var i = 0; i < networks.Count; i++)
        {
            if (!CommonConfig.TryParseNetwork(networks[i], out _))
            {
                Fail($"{option}.{i}: '{networks[i]}' is not an IP address or network");
            }
        }
    }

    private static void Address(string option, string address)
    {
        if (address.Length > 0 && !IPAddress.TryParse(address, out _) && Uri.CheckHostName(address) != UriHostNameType.Dns)
        {
            Fail($"{option}: '{address}' is not an IP address or host name");
        }
    }

    private static void Banner(string banner)
    {
        // RFC 4253 §4.2: printable US-ASCII without whitespace or '-'; the whole line is at most 255 bytes.
        if (banner.Length > 245 || banner.Any(c => c is <= ' ' or > '~' or '-'))
        {
            Fail($"sftpd.banner: '{banner}' is not a valid SSH software version (printable ASCII without spaces or '-', at most 245 characters)");
        }
    }

    private static void Actions(string option, ActionsConfig actions, string[] events)
    {
        foreach (var e in actions.ExecuteOn)
        {
            if (!events.Contains(e))
            {
                Fail($"{option}.execute_on: '{e}' is not a valid event ({string.Join(", ", events)})");
            }
        }

        if (actions.Command.Length > 0 && !Path.IsPathFullyQualified(actions.Command))
        {
            Fail($"{option}.command: '{actions.Command}' must be an absolute path");
        }

        if (actions.HttpNotificationUrl.Length > 0
            && !(Uri.TryCreate(actions.HttpNotificationUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            Fail($"{option}.http_notification_url: '{actions.HttpNotificationUrl}' is not an http or https URL");
        }

        Range($"{option}.timeout", actions.Timeout, 1, 300, "seconds a command or notification may take");
    }

    private static void Names(string option, List<string> names, Func<string, bool> known, IEnumerable<string> all)
    {
        foreach (var n in names)
        {
            if (!known(n))
            {
                Fail($"{option}: '{n}' is not a supported algorithm ({string.Join(", ", all)})");
            }
        }
    }

    private static void ReadableFile(string option, string path, WharfConfig config)
    {
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            // Path.GetFullPath would throw ArgumentException (found by fuzzing: a NUL in a .env value).
            Fail($"{option}: the path contains a NUL character");
        }

        var full = config.ResolvePath(path);
        try
        {
            using var _ = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var why = ex is FileNotFoundException or DirectoryNotFoundException ? "does not exist" : "cannot be read: " + ex.Message;
            Fail($"{option}: '{full}' {why}");
        }
    }

    private static void Fail(string message) => throw new ConfigurationException(message);
}
