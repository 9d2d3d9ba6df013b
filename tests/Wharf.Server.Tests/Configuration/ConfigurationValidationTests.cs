using System.Text;
using Wharf.Server.Configuration;

namespace Wharf.Server.Tests.Configuration;

public sealed class ConfigurationValidationTests
{
    private static string Error(string key, string value)
    {
        using var dir = new ConfigDir();
        var e = Assert.Throws<ConfigurationException>(() =>
            ConfigurationLoader.Load(dir.Path, null, new Dictionary<string, string?> { [key] = value }));
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Theory]
    [InlineData("WHARF_SFTPD__BIND_PORT", "70000", "sftpd.bind_port: 70000 is not a valid port (0-65535)")]
    [InlineData("WHARF_SFTPD__BIND_PORT", "-1", "sftpd.bind_port: -1 is not a valid port (0-65535)")]
    [InlineData("WHARF_HTTPD__BIND_PORT", "65536", "httpd.bind_port: 65536 is not a valid port (0-65535)")]
    [InlineData("WHARF_DATA_PROVIDER__PORT", "99999", "data_provider.port: 99999 is not a valid port (0-65535)")]
    [InlineData("WHARF_SFTPD__BIND_ADDRESS", "not an address!", "sftpd.bind_address: 'not an address!' is not an IP address or host name")]
    [InlineData("WHARF_HTTPD__BIND_ADDRESS", "1.2.3.4:80", "httpd.bind_address: '1.2.3.4:80' is not an IP address or host name")]
    [InlineData("WHARF_SFTPD__IDLE_TIMEOUT", "-5", "sftpd.idle_timeout: -5 must not be negative (minutes)")]
    [InlineData("WHARF_SFTPD__UMASK", "0999", "sftpd.umask: '0999' is not an octal umask (1-4 octal digits, at most 0777, e.g. 0022)")]
    [InlineData("WHARF_SFTPD__BANNER", "My Server", "sftpd.banner: 'My Server' is not a valid SSH software version (printable ASCII without spaces or '-', at most 245 characters)")]
    [InlineData("WHARF_SFTPD__BANNER", "Wharf-1", "sftpd.banner: 'Wharf-1' is not a valid SSH software version (printable ASCII without spaces or '-', at most 245 characters)")]
    [InlineData("WHARF_SFTPD__UPLOAD_MODE", "3", "sftpd.upload_mode: 3 is not valid (0-2: 0 standard, 1 atomic, 2 atomic with resume)")]
    [InlineData("WHARF_SFTPD__SETSTAT_MODE", "2", "sftpd.setstat_mode: 2 is not valid (0-1: 0 normal, 1 ignore)")]
    [InlineData("WHARF_SFTPD__ACTIONS__EXECUTE_ON", "upload,add", "sftpd.actions.execute_on: 'add' is not a valid event (download, upload, delete, rename, ssh_cmd)")]
    [InlineData("WHARF_SFTPD__ACTIONS__COMMAND", "notify.sh", "sftpd.actions.command: 'notify.sh' must be an absolute path")]
    [InlineData("WHARF_SFTPD__ACTIONS__HTTP_NOTIFICATION_URL", "ftp://x/", "sftpd.actions.http_notification_url: 'ftp://x/' is not an http or https URL")]
    [InlineData("WHARF_SFTPD__KEYS__0__PRIVATE_KEY", "", "sftpd.keys.0.private_key: must not be empty")]
    [InlineData("WHARF_SFTPD__ENABLE_SCP", "true", "sftpd.enable_scp: SCP is not supported; remove the option or set it to false")]
    [InlineData("WHARF_SFTPD__KEX_ALGORITHMS", "curve25519-sha256,sntrup4591761x25519-sha512@tinyssh.org", "sftpd.kex_algorithms: 'sntrup4591761x25519-sha512@tinyssh.org' is not a supported algorithm (mlkem768x25519-sha256, sntrup761x25519-sha512, sntrup761x25519-sha512@openssh.com, curve25519-sha256, curve25519-sha256@libssh.org, ecdh-sha2-nistp256, ecdh-sha2-nistp384, ecdh-sha2-nistp521, diffie-hellman-group-exchange-sha256, diffie-hellman-group16-sha512, diffie-hellman-group18-sha512, diffie-hellman-group14-sha256, mlkem768nistp256-sha256, diffie-hellman-group14-sha1)")]
    [InlineData("WHARF_SFTPD__CIPHERS", "3des-cbc", "sftpd.ciphers: '3des-cbc' is not a supported algorithm (chacha20-poly1305@openssh.com, aes128-gcm@openssh.com, aes256-gcm@openssh.com, aes128-ctr, aes192-ctr, aes256-ctr)")]
    [InlineData("WHARF_SFTPD__MACS", "hmac-md5", "sftpd.macs: 'hmac-md5' is not a supported algorithm (hmac-sha2-256-etm@openssh.com, hmac-sha2-512-etm@openssh.com, hmac-sha2-256, hmac-sha2-512, hmac-sha1-etm@openssh.com, hmac-sha1)")]
    [InlineData("WHARF_SFTPD__ENABLED_SSH_COMMANDS", "md5sum,telnet", "sftpd.enabled_ssh_commands: 'telnet' is not a supported command (md5sum, sha1sum, sha256sum, sha384sum, sha512sum, cd, pwd, scp, rsync, git-receive-pack, git-upload-pack, git-upload-archive or *)")]
    [InlineData("WHARF_SFTPD__MAX_CONNECTIONS", "-1", "sftpd.max_connections: -1 must not be negative (0 is unlimited)")]
    [InlineData("WHARF_SFTPD__MAX_CONNECTIONS_PER_IP", "-2", "sftpd.max_connections_per_ip: -2 must not be negative (0 is unlimited)")]
    [InlineData("WHARF_SFTPD__MAX_UNAUTHENTICATED_CONNECTIONS", "-3", "sftpd.max_unauthenticated_connections: -3 must not be negative (0 is unlimited)")]
    [InlineData("WHARF_DATA_PROVIDER__DRIVER", "mysql", "data_provider.driver: 'mysql' is not supported (sqlite, postgresql, memory)")]
    [InlineData("WHARF_DATA_PROVIDER__NAME", "", "data_provider.name: the sqlite database file must be given")]
    [InlineData("WHARF_DATA_PROVIDER__SSLMODE", "4", "data_provider.sslmode: 4 is not valid (0-3: 0 disable, 1 require, 2 verify-ca, 3 verify-full)")]
    [InlineData("WHARF_DATA_PROVIDER__MANAGE_USERS", "2", "data_provider.manage_users: 2 is not valid (0-1: 0 read-only, 1 managed)")]
    [InlineData("WHARF_DATA_PROVIDER__TRACK_QUOTA", "3", "data_provider.track_quota: 3 is not valid (0-2: 0 off, 1 always, 2 only for users with a quota)")]
    [InlineData("WHARF_DATA_PROVIDER__POOL_SIZE", "-1", "data_provider.pool_size: -1 must not be negative (0 is the driver default)")]
    [InlineData("WHARF_DATA_PROVIDER__USERS_BASE_DIR", "home", "data_provider.users_base_dir: 'home' must be an absolute path")]
    [InlineData("WHARF_DATA_PROVIDER__ACTIONS__EXECUTE_ON", "upload", "data_provider.actions.execute_on: 'upload' is not a valid event (add, update, delete)")]
    [InlineData("WHARF_DATA_PROVIDER__ACTIONS__COMMAND", "relative/cmd", "data_provider.actions.command: 'relative/cmd' must be an absolute path")]
    [InlineData("WHARF_DATA_PROVIDER__ACTIONS__HTTP_NOTIFICATION_URL", "not a url", "data_provider.actions.http_notification_url: 'not a url' is not an http or https URL")]
    public void EachRuleNamesTheOption(string key, string value, string message) => Assert.Equal(message, Error(key, value));

    [Fact]
    public void PostgresqlNeedsANameOrConnectionString()
    {
        using var dir = new ConfigDir();
        var env = new Dictionary<string, string?> { ["WHARF_DATA_PROVIDER__DRIVER"] = "postgresql", ["WHARF_DATA_PROVIDER__NAME"] = "" };
        var e = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(dir.Path, null, env));
        Assert.Equal("data_provider.name: the postgresql database name must be given (or data_provider.connection_string)", e.Message);
        env["WHARF_DATA_PROVIDER__CONNECTION_STRING"] = "Host=db;Database=wharf";
        Assert.Equal("postgresql", ConfigurationLoader.Load(dir.Path, null, env).DataProvider.Driver);
    }

    [Fact]
    public void HostKeysMustExistUnlessTheyAreSftpgosGeneratedNamesAtAbsolutePaths()
    {
        using var dir = new ConfigDir();
        var root = Path.GetFullPath(dir.Path);
        var env = new Dictionary<string, string?>
        {
            ["WHARF_SFTPD__HOST_KEYS"] = $"{root}/gen/id_rsa, {root}/gen/id_ecdsa, {root}/gen/id_ed25519",
        };
        var c = ConfigurationLoader.Load(dir.Path, null, env);
        Assert.Equal([$"{root}/gen/id_rsa", $"{root}/gen/id_ecdsa", $"{root}/gen/id_ed25519"], c.Sftpd.HostKeys);
        Assert.False(Directory.Exists(Path.Combine(root, "gen"))); // generated when serve starts, not while loading

        // Relative, or named otherwise: the file must be there.
        Assert.Matches("^sftpd\\.host_keys\\.0: '/.+/id_ecdsa' does not exist$", Error("WHARF_SFTPD__HOST_KEYS", "id_ecdsa"));
        Assert.Equal("sftpd.host_keys.0: '/nonexistent-wharf/ecdsa_key' does not exist", Error("WHARF_SFTPD__HOST_KEYS", "/nonexistent-wharf/ecdsa_key"));
        Assert.Equal("sftpd.host_keys.0: must not be empty", Error("WHARF_SFTPD__HOST_KEYS__0", ""));
        dir.Write("mine", "key");
        Assert.Equal(["mine"], ConfigurationLoader.Load(dir.Path, null, new Dictionary<string, string?> { ["WHARF_SFTPD__HOST_KEYS"] = "mine" }).Sftpd.HostKeys);
    }

    [Fact]
    public void HostKeysAndTheDeprecatedKeysAreNotBothGiven()
    {
        using var dir = new ConfigDir();
        dir.Write("a", "key");
        var e = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(dir.Path, null, new Dictionary<string, string?>
        {
            ["WHARF_SFTPD__HOST_KEYS"] = "a",
            ["WHARF_SFTPD__KEYS__0__PRIVATE_KEY"] = "a",
        }));
        Assert.Equal("sftpd.host_keys: give host_keys or the deprecated keys, not both", e.Message);
    }

    [Theory]
    [InlineData("/etc/wharf/id_rsa", "ssh-rsa")]
    [InlineData("/etc/wharf/id_ecdsa", "ecdsa-sha2-nistp256")]
    [InlineData("/etc/wharf/id_ed25519", "ssh-ed25519")]
    [InlineData("id_ecdsa", null)]
    [InlineData("keys/id_ecdsa", null)]
    [InlineData("/etc/wharf/id_ecdsa.key", null)]
    [InlineData("/etc/wharf/ssh_host_ecdsa_key", null)]
    public void GeneratedHostKeyTypeFollowsSftpgo(string path, string? type) => Assert.Equal(type, SftpdConfig.GeneratedHostKeyType(path));

    [Fact]
    public void HostKeyAndLoginBannerFilesMustExistAndBeReadable()
    {
        using var dir = new ConfigDir();
        var missing = Path.Combine(Path.GetFullPath(dir.Path), "id_missing");
        Assert.Equal($"sftpd.keys.0.private_key: '{missing}' does not exist", Error("WHARF_SFTPD__KEYS__0__PRIVATE_KEY", missing));

        var banner = Path.Combine(Path.GetFullPath(dir.Path), "banner.txt");
        Assert.Equal($"sftpd.login_banner_file: '{banner}' does not exist", Error("WHARF_SFTPD__LOGIN_BANNER_FILE", banner));

        // A directory cannot be read as a key file.
        var sub = Directory.CreateDirectory(Path.Combine(dir.Path, "keydir")).FullName;
        Assert.StartsWith($"sftpd.keys.0.private_key: '{sub}' cannot be read", Error("WHARF_SFTPD__KEYS__0__PRIVATE_KEY", sub));

        // Relative paths are resolved against the config dir.
        dir.Write("id_ed25519", "key");
        dir.Write("banner.txt", "hello");
        var c = ConfigurationLoader.Load(dir.Path, null, new Dictionary<string, string?>
        {
            ["WHARF_SFTPD__KEYS__0__PRIVATE_KEY"] = "id_ed25519",
            ["WHARF_SFTPD__LOGIN_BANNER_FILE"] = "banner.txt",
        });
        Assert.Equal("banner.txt", c.Sftpd.LoginBannerFile);
    }

    [Fact]
    public void ValidBoundaryValuesAreAccepted()
    {
        using var dir = new ConfigDir();
        var c = ConfigurationLoader.Load(dir.Path, null, new Dictionary<string, string?>
        {
            ["WHARF_SFTPD__BIND_PORT"] = "65535",
            ["WHARF_SFTPD__MAX_AUTH_TRIES"] = "-1",
            ["WHARF_SFTPD__UPLOAD_MODE"] = "2",
            ["WHARF_SFTPD__SETSTAT_MODE"] = "1",
            ["WHARF_SFTPD__BIND_ADDRESS"] = "::1",
            ["WHARF_SFTPD__ENABLED_SSH_COMMANDS"] = "sha512sum,*",
            ["WHARF_DATA_PROVIDER__TRACK_QUOTA"] = "0",
            ["WHARF_DATA_PROVIDER__USERS_BASE_DIR"] = "/srv/sftp",
            ["WHARF_DATA_PROVIDER__ACTIONS__EXECUTE_ON"] = "add,update,delete",
            ["WHARF_HTTPD__BIND_PORT"] = "0",
        });
        Assert.Equal(65535, c.Sftpd.BindPort);
        Assert.Equal(-1, c.Sftpd.MaxAuthTries);
    }

    /// <summary>
    /// Found by fuzzing (target config-env): a NUL in a file path (here sftpd.keys.0.private_key
    /// from wharf.env) reached Path.GetFullPath, whose ArgumentException escaped the loader
    /// instead of the documented ConfigurationException.
    /// </summary>
    [Fact]
    public void NulInAKeyPathFromTheEnvFileIsAConfigurationError()
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.env", Encoding.Latin1.GetString(Convert.FromBase64String(
            "V0hBUkZfU0ZUUERfX0JJTkRfUE9SVD0yMjIyCmV4cG9ydCBXSEFSRl9EQVRBX1BST1ZJREVSX19EUklWRVI9InJ5IgojIGNvdAoKV0hBUkZfU0ZUUERfX0VOQUJMRURfU1NIX0NPTU1BTkRTPW1kNWNkCldIQVJGX1NGVFBEX19LRVlTX18wX19QUklWQVRFX0tFWT0naWQnAARIQVJGX0g2VFBEX19CSU5EX1BPUlQ9ODA4MAo=")));
        var e = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(dir.Path, null, new Dictionary<string, string?>()));
        Assert.Equal("sftpd.keys.0.private_key: the path contains a NUL character", e.Message);
    }
}
