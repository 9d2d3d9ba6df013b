using System.Text.Json;
using Wharf.Server.Cli;
using Wharf.Server.Configuration;

namespace Wharf.Server.Tests.Configuration;

/// <summary>
/// An SFTPGo user's config dir as it is: <c>sftpgo.*</c> in any format SFTPGo's viper read,
/// <c>SFTPGO_*</c> variables, SFTPGo 0.9's option names (issue 16).
/// </summary>
public sealed class SftpgoConfigCompatibilityTests
{
    private static readonly Dictionary<string, string?> NoEnv = [];

    // The same settings in each format: SFTPGo 0.9's sections and names, values changed from the
    // defaults so that a format read wrongly (or not at all) shows.
    private const string Json = """
        {
          "sftpd": {
            "bind_port": 2222,
            "bind_address": "127.0.0.1",
            "idle_timeout": 30,
            "max_auth_tries": 4,
            "umask": "0027",
            "banner": "Hello",
            "upload_mode": 1,
            "actions": { "execute_on": ["upload", "delete"], "command": "/bin/true", "http_notification_url": "" },
            "keys": [],
            "enable_scp": false,
            "kex_algorithms": ["curve25519-sha256"],
            "ciphers": [],
            "macs": [],
            "login_banner_file": "",
            "setstat_mode": 1,
            "enabled_ssh_commands": ["md5sum", "cd"]
          },
          "data_provider": {
            "driver": "sqlite",
            "name": "sftpgo.db",
            "host": "",
            "port": 5433,
            "username": "",
            "password": "",
            "sslmode": 0,
            "connection_string": "",
            "users_table": "users",
            "manage_users": 1,
            "track_quota": 2,
            "pool_size": 3,
            "users_base_dir": "",
            "actions": { "execute_on": [], "command": "", "http_notification_url": "" }
          },
          "httpd": {
            "bind_port": 8081,
            "bind_address": "127.0.0.1",
            "templates_path": "templates",
            "static_files_path": "static",
            "backups_path": "backups"
          }
        }
        """;

    private const string Yaml = """
        sftpd:
          bind_port: 2222
          bind_address: 127.0.0.1
          idle_timeout: 30
          max_auth_tries: 4
          umask: "0027"
          banner: Hello
          upload_mode: 1
          actions:
            execute_on: [upload, delete]
            command: /bin/true
          setstat_mode: 1
          kex_algorithms: [curve25519-sha256]
          enabled_ssh_commands: [md5sum, cd]
        data_provider:
          name: sftpgo.db
          port: 5433
          users_table: users
          track_quota: 2
          pool_size: 3
        httpd:
          bind_port: 8081
        """;

    private const string Toml = """
        [sftpd]
        bind_port = 2222
        bind_address = "127.0.0.1"
        idle_timeout = 30
        max_auth_tries = 4
        umask = "0027"
        banner = "Hello"
        upload_mode = 1
        setstat_mode = 1
        kex_algorithms = ["curve25519-sha256"]
        enabled_ssh_commands = ["md5sum", "cd"]

        [sftpd.actions]
        execute_on = ["upload", "delete"]
        command = "/bin/true"

        [data_provider]
        name = "sftpgo.db"
        port = 5433
        users_table = "users"
        track_quota = 2
        pool_size = 3

        [httpd]
        bind_port = 8081
        """;

    // Dotted keys, as SFTPGo's viper read HCL, and a block, which it did not.
    private const string Hcl = """
        "sftpd.bind_port" = 2222
        "sftpd.bind_address" = "127.0.0.1"
        "sftpd.idle_timeout" = 30
        "sftpd.max_auth_tries" = 4
        "sftpd.umask" = "0027"
        "sftpd.banner" = "Hello"
        "sftpd.upload_mode" = 1
        "sftpd.setstat_mode" = 1
        "sftpd.kex_algorithms" = ["curve25519-sha256"]
        "sftpd.enabled_ssh_commands" = ["md5sum", "cd"]
        "sftpd.actions.execute_on" = ["upload", "delete"]
        "sftpd.actions.command" = "/bin/true"
        data_provider {
          name = "sftpgo.db"
          port = 5433
          users_table = "users"
          track_quota = 2
          pool_size = 3
        }
        "httpd.bind_port" = 8081
        """;

    private const string Properties = """
        # comma lists, as viper's string-to-slice hook read them
        sftpd.bind_port = 2222
        sftpd.bind_address = 127.0.0.1
        sftpd.idle_timeout = 30
        sftpd.max_auth_tries = 4
        sftpd.umask = 0027
        sftpd.banner = Hello
        sftpd.upload_mode = 1
        sftpd.setstat_mode = 1
        sftpd.kex_algorithms = curve25519-sha256
        sftpd.enabled_ssh_commands = md5sum,cd
        sftpd.actions.execute_on = upload,delete
        sftpd.actions.command = /bin/true
        data_provider.name = sftpgo.db
        data_provider.port = 5433
        data_provider.users_table = users
        data_provider.track_quota = 2
        data_provider.pool_size = 3
        httpd.bind_port = 8081
        """;

    private static string Effective(WharfConfig c) => JsonSerializer.Serialize(c);

    [Theory]
    [InlineData("sftpgo.yaml", Yaml)]
    [InlineData("sftpgo.toml", Toml)]
    [InlineData("sftpgo.hcl", Hcl)]
    [InlineData("sftpgo.properties", Properties)]
    public void EachFormatGivesTheSameConfigurationAsJson(string name, string text)
    {
        using var json = new ConfigDir();
        json.Write("sftpgo.json", Json);
        var expected = ConfigurationLoader.Load(json.Path, null, NoEnv);
        Assert.Equal(2222, expected.Sftpd.BindPort);
        Assert.Equal(["upload", "delete"], expected.Sftpd.Actions.ExecuteOn);

        using var other = new ConfigDir();
        other.Write(name, text);
        var c = ConfigurationLoader.Load(other.Path, null, NoEnv);
        Assert.EndsWith(name, c.ConfigFilePath);
        Assert.Equal(Effective(expected), Effective(c));
    }

    [Fact]
    public void AnSftpgoConfigDirIsReadWhenThereIsNoWharfFile()
    {
        using var dir = new ConfigDir();
        dir.Write("sftpgo.json", Json);
        var c = ConfigurationLoader.Load(dir.Path, null, NoEnv);
        Assert.Equal(Path.Combine(c.ConfigDirectory, "sftpgo.json"), c.ConfigFilePath);
        Assert.Equal("sftpgo.db", c.DataProvider.Name);
        Assert.Equal(8081, c.Httpd.BindPort);
        Assert.Empty(c.Warnings);
    }

    [Fact]
    public void WharfsFileWinsOverSftpgosAndAWarningSaysSo()
    {
        using var dir = new ConfigDir();
        dir.Write("sftpgo.json", Json);
        dir.Write("wharf.yaml", "sftpd:\n  bind_port: 2345\n");
        var c = ConfigurationLoader.Load(dir.Path, null, NoEnv);
        Assert.Equal(2345, c.Sftpd.BindPort);
        Assert.Contains(c.Warnings, w => w.Contains("sftpgo.json is not read", StringComparison.Ordinal));
    }

    [Fact]
    public void AFileInAFormatWharfDoesNotReadIsAnErrorNotIgnored()
    {
        using var dir = new ConfigDir();
        dir.Write("sftpgo.ini", "[sftpd]\nbind_port = 2222\n");
        var ex = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(dir.Path, null, NoEnv));
        Assert.Contains("sftpgo.ini", ex.Message);
        Assert.Contains("not in a format Wharf reads", ex.Message);
    }

    [Fact]
    public void TheServersOwnBinaryInTheConfigDirIsNotTakenForAConfigFile()
    {
        // SFTPGo users run ./sftpgo serve from the folder that holds the binary and sftpgo.json.
        using var dir = new ConfigDir();
        dir.Write("sftpgo", "\u007fELF binary");
        dir.Write("wharf", "\u007fELF binary");
        dir.Write("sftpgo.json", Json);
        var c = ConfigurationLoader.Load(dir.Path, null, NoEnv);
        Assert.Equal(2222, c.Sftpd.BindPort);
    }

    [Fact]
    public void TwoFormatsOfOneNameAreAnError()
    {
        using var dir = new ConfigDir();
        dir.Write("sftpgo.json", Json);
        dir.Write("sftpgo.toml", Toml);
        var ex = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(dir.Path, null, NoEnv));
        Assert.Contains("keep only one", ex.Message);
    }

    [Fact]
    public void MalformedTomlNamesTheFileAndLine()
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.toml", "[sftpd]\nbind_port = 2022\nbind_port = 2023\n");
        var ex = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(dir.Path, null, NoEnv));
        Assert.StartsWith("wharf.toml: line 3: malformed TOML", ex.Message);
    }

    [Theory]
    [InlineData("a = \"\\")]
    [InlineData("[sftpd]\nbanner = \"x\\")]
    public void ATomlStringCutOffInAnEscapeIsAConfigurationError(string text)
    {
        // Found by the config-toml fuzz target: Tomlyn threw ArgumentOutOfRangeException.
        using var dir = new ConfigDir();
        dir.Write("wharf.toml", text);
        var ex = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(dir.Path, null, NoEnv));
        Assert.StartsWith("wharf.toml: malformed TOML", ex.Message);
    }

    [Fact]
    public void UnknownOptionsInTomlAreRefusedByName()
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.toml", "[sftpd]\nbind_prot = 2022\n");
        var ex = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(dir.Path, null, NoEnv));
        Assert.Contains("sftpd.bind_prot", ex.Message);
    }

    [Fact]
    public void SftpgoVariablesSetOptionsAndWharfsWinWithAWarning()
    {
        using var dir = new ConfigDir();
        var c = ConfigurationLoader.Load(dir.Path, null, new Dictionary<string, string?>
        {
            ["SFTPGO_SFTPD__BIND_PORT"] = "2400",
            ["SFTPGO_HTTPD__BIND_PORT"] = "8090",
            ["WHARF_HTTPD__BIND_PORT"] = "8091",
        });
        Assert.Equal(2400, c.Sftpd.BindPort);
        Assert.Equal(8091, c.Httpd.BindPort);
        var warning = Assert.Single(c.Warnings);
        Assert.Contains("WHARF_HTTPD__BIND_PORT", warning);
        Assert.Contains("SFTPGO_HTTPD__BIND_PORT", warning);
    }

    [Fact]
    public void AnUnknownSftpgoVariableIsRefusedByName()
    {
        using var dir = new ConfigDir();
        var ex = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(dir.Path, null, new Dictionary<string, string?> { ["SFTPGO_SFTPD__NO_SUCH"] = "1" }));
        Assert.Contains("SFTPGO_SFTPD__NO_SUCH", ex.Message);
    }

    [Fact]
    public void AUsersTableOtherThanUsersIsRefusedNotIgnored()
    {
        using var dir = new ConfigDir();
        dir.Write("sftpgo.json", """{"data_provider": {"users_table": "sftp_users"}}""");
        var ex = Assert.Throws<ConfigurationException>(() => ConfigurationLoader.Load(dir.Path, null, NoEnv));
        Assert.Contains("data_provider.users_table", ex.Message);
        Assert.Contains("sftp_users", ex.Message);
    }

    [Fact]
    public void FlagVariablesTakeSftpgosNamesAndWharfsWin()
    {
        var env = new Dictionary<string, string?> { ["SFTPGO_CONFIG_DIR"] = "/etc/sftpgo", ["SFTPGO_LOG_MAX_SIZE"] = "20", ["WHARF_LOG_MAX_SIZE"] = "30" };
        Assert.Equal("/etc/sftpgo", FlagEnvironment.Get("WHARF_CONFIG_DIR", env.GetValueOrDefault));
        Assert.Equal("30", FlagEnvironment.Get("WHARF_LOG_MAX_SIZE", env.GetValueOrDefault));
        Assert.Null(FlagEnvironment.Get("WHARF_LOG_FILE_PATH", env.GetValueOrDefault));
        Assert.Contains(FlagEnvironment.Warnings, w => w.Contains("WHARF_LOG_MAX_SIZE and SFTPGO_LOG_MAX_SIZE", StringComparison.Ordinal));
    }
}
