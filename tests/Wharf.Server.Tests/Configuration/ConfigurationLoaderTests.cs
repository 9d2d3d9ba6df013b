using Wharf.Server.Configuration;

namespace Wharf.Server.Tests.Configuration;

public sealed class ConfigurationLoaderTests
{
    private static readonly Dictionary<string, string?> NoEnv = [];

    private static WharfConfig Load(ConfigDir dir, Dictionary<string, string?>? env = null, string? file = null) =>
        ConfigurationLoader.Load(dir.Path, file, env ?? NoEnv);

    private static ConfigurationException Fails(ConfigDir dir, Dictionary<string, string?>? env = null, string? file = null) =>
        Assert.Throws<ConfigurationException>(() => Load(dir, env, file));

    [Fact]
    public void DefaultsWithoutAFile()
    {
        using var dir = new ConfigDir();
        var c = Load(dir);
        Assert.Null(c.ConfigFilePath);
        Assert.Equal(Path.GetFullPath(dir.Path), c.ConfigDirectory);

        var s = c.Sftpd;
        Assert.Equal(2022, s.BindPort);
        Assert.Equal("", s.BindAddress);
        Assert.Equal(15, s.IdleTimeout);
        Assert.Equal(0, s.MaxAuthTries);
        Assert.Equal("0022", s.Umask);
        Assert.Equal(18u, s.UmaskValue);
        Assert.Equal("Wharf_0.1.0", s.Banner);
        Assert.Equal(SftpdConfig.DefaultBanner, s.Banner);
        Assert.Equal(0, s.UploadMode);
        Assert.Empty(s.Actions.ExecuteOn);
        Assert.Equal("", s.Actions.Command);
        Assert.Equal("", s.Actions.HttpNotificationUrl);
        Assert.Empty(s.Keys);
        Assert.False(s.EnableScp);
        Assert.Empty(s.KexAlgorithms);
        Assert.Empty(s.Ciphers);
        Assert.Empty(s.Macs);
        Assert.Equal("", s.LoginBannerFile);
        Assert.Equal(0, s.SetstatMode);
        Assert.Equal(["md5sum", "sha1sum", "cd", "pwd"], s.EnabledSshCommands);
        Assert.Equal(0, s.MaxConnections);
        Assert.Equal(20, s.MaxConnectionsPerIp);
        Assert.Equal(100, s.MaxUnauthenticatedConnections);
        Assert.True(s.KeyboardInteractiveAuthentication); // SFTPGo's default since 2.5

        var d = c.DataProvider;
        Assert.Equal("sqlite", d.Driver);
        Assert.Equal("wharf.db", d.Name);
        Assert.Equal(5432, d.Port);
        Assert.Equal(1, d.ManageUsers);
        Assert.Equal(1, d.TrackQuota);
        Assert.Empty(d.Actions.ExecuteOn);

        var h = c.Httpd;
        Assert.Equal(8080, h.BindPort);
        Assert.Equal("127.0.0.1", h.BindAddress);
        Assert.Equal("templates", h.TemplatesPath);
        Assert.Equal("static", h.StaticFilesPath);
        Assert.Equal("backups", h.BackupsPath);
    }

    [Fact]
    public void JsonFileWithCommentsAndTrailingCommas()
    {
        using var dir = new ConfigDir();
        dir.Write("id_ed25519", "key");
        var path = dir.Write("wharf.json", """
            {
              // comments are allowed
              "sftpd": {
                "bind_port": 2222,
                "bind_address": "0.0.0.0",
                "umask": "0077",
                "banner": "",
                "actions": { "execute_on": ["upload", "rename"], "command": "/usr/bin/true" },
                "keys": [ { "private_key": "id_ed25519" } ],
                "ciphers": ["aes256-gcm@openssh.com", "aes128-ctr"],
                "enabled_ssh_commands": ["*"],
                "enable_scp": false,
              },
              "data_provider": { "driver": "memory", "track_quota": 2, "actions": { "execute_on": ["add"] } },
              "httpd": { "bind_port": 0 },
            }
            """);
        var c = Load(dir);
        Assert.Equal(path, c.ConfigFilePath);
        Assert.Equal(2222, c.Sftpd.BindPort);
        Assert.Equal("0.0.0.0", c.Sftpd.BindAddress);
        Assert.Equal(63u, c.Sftpd.UmaskValue);
        Assert.Equal(SftpdConfig.DefaultBanner, c.Sftpd.Banner); // empty means the default
        Assert.Equal(["upload", "rename"], c.Sftpd.Actions.ExecuteOn);
        Assert.Equal("/usr/bin/true", c.Sftpd.Actions.Command);
        Assert.Equal("id_ed25519", Assert.Single(c.Sftpd.Keys).PrivateKey);
        Assert.Equal(Path.Combine(c.ConfigDirectory, "id_ed25519"), c.ResolvePath(c.Sftpd.Keys[0].PrivateKey));
        Assert.Equal(["aes256-gcm@openssh.com", "aes128-ctr"], c.Sftpd.Ciphers);
        Assert.Equal(["*"], c.Sftpd.EnabledSshCommands);
        Assert.Equal(15, c.Sftpd.IdleTimeout); // untouched options keep their defaults
        Assert.Equal("memory", c.DataProvider.Driver);
        Assert.Equal(2, c.DataProvider.TrackQuota);
        Assert.Equal(["add"], c.DataProvider.Actions.ExecuteOn);
        Assert.Equal(0, c.Httpd.BindPort);
        Assert.Equal("127.0.0.1", c.Httpd.BindAddress);
    }

    [Fact]
    public void YamlFile()
    {
        using var dir = new ConfigDir();
        dir.Write("id_rsa", "key");
        dir.Write("id_ed25519", "key");
        dir.Write("wharf.yaml", """
            # comment
            sftpd:
              bind_port: 2200
              umask: 0027        # unquoted: still the octal text
              idle_timeout: 0
              actions:
                execute_on: [download, ssh_cmd]
                http_notification_url: https://example.com/notify
              keys:
                - private_key: id_rsa
                - private_key: id_ed25519
              macs:
                - hmac-sha2-256
              banner: ~
              enable_scp: false
            data_provider:
              driver: postgresql
              name: wharf
              host: db.example.com
              sslmode: 3
            httpd:
              bind_address: ""
            """);
        var c = Load(dir);
        Assert.Equal(2200, c.Sftpd.BindPort);
        Assert.Equal("0027", c.Sftpd.Umask);
        Assert.Equal(0, c.Sftpd.IdleTimeout);
        Assert.Equal(["download", "ssh_cmd"], c.Sftpd.Actions.ExecuteOn);
        Assert.Equal("https://example.com/notify", c.Sftpd.Actions.HttpNotificationUrl);
        Assert.Equal(["id_rsa", "id_ed25519"], c.Sftpd.Keys.Select(k => k.PrivateKey));
        Assert.Equal(["hmac-sha2-256"], c.Sftpd.Macs);
        Assert.Equal(SftpdConfig.DefaultBanner, c.Sftpd.Banner); // null keeps the default
        Assert.Equal("postgresql", c.DataProvider.Driver);
        Assert.Equal("db.example.com", c.DataProvider.Host);
        Assert.Equal(3, c.DataProvider.SslMode);
        Assert.Equal("", c.Httpd.BindAddress);
    }

    [Fact]
    public void YmlExtensionAndEmptyYamlFile()
    {
        using var dir = new ConfigDir();
        var path = dir.Write("wharf.yml", "# nothing but a comment\n");
        var c = Load(dir);
        Assert.Equal(path, c.ConfigFilePath);
        Assert.Equal(2022, c.Sftpd.BindPort);
    }

    [Fact]
    public void EnvFile()
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.env", """
            # comment

            WHARF_SFTPD__BIND_PORT=2300
            export WHARF_SFTPD__ACTIONS__EXECUTE_ON="upload, delete"
            WHARF_DATA_PROVIDER__DRIVER='memory'
            OTHER_VARIABLE=ignored
            WHARF_CONFIG_DIR=/not/an/option
            """);
        var c = Load(dir);
        Assert.Equal(2300, c.Sftpd.BindPort);
        Assert.Equal(["upload", "delete"], c.Sftpd.Actions.ExecuteOn);
        Assert.Equal("memory", c.DataProvider.Driver);
    }

    [Fact]
    public void EnvFileSyntaxErrorNamesFileAndLine()
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.env", "WHARF_SFTPD__BIND_PORT=1\nnot a pair\n");
        var e = Fails(dir);
        Assert.Equal("wharf.env: line 2: expected KEY=VALUE", e.Message);
    }

    [Fact]
    public void EnvironmentOverrides()
    {
        using var dir = new ConfigDir();
        dir.Write("a", "key");
        dir.Write("b", "key");
        var c = Load(dir, new()
        {
            ["WHARF_SFTPD__BIND_PORT"] = "2222",
            ["wharf_sftpd__idle_timeout"] = "5", // case-insensitive
            ["WHARF_DATA_PROVIDER__DRIVER"] = "postgresql",
            ["WHARF_SFTPD__ACTIONS__EXECUTE_ON"] = "upload,download",
            ["WHARF_SFTPD__KEX_ALGORITHMS"] = "curve25519-sha256, diffie-hellman-group14-sha1",
            ["WHARF_SFTPD__ENABLED_SSH_COMMANDS"] = "",
            ["WHARF_SFTPD__KEYS__1__PRIVATE_KEY"] = "b",
            ["WHARF_SFTPD__KEYS__0__PRIVATE_KEY"] = "a",
            ["WHARF_SFTPD__ENABLE_SCP"] = "0",
            ["WHARF_HTTPD__BIND_ADDRESS"] = "localhost",
            ["WHARF_LOG_VERBOSE"] = "1",    // not an option: no "__"
            ["PATH"] = "/usr/bin",
            ["WHARF_SFTPD__BANNER"] = null, // null values are ignored
        });
        Assert.Equal(2222, c.Sftpd.BindPort);
        Assert.Equal(5, c.Sftpd.IdleTimeout);
        Assert.Equal("postgresql", c.DataProvider.Driver);
        Assert.Equal(["upload", "download"], c.Sftpd.Actions.ExecuteOn);
        Assert.Equal(["curve25519-sha256", "diffie-hellman-group14-sha1"], c.Sftpd.KexAlgorithms);
        Assert.Empty(c.Sftpd.EnabledSshCommands);
        Assert.Equal(["a", "b"], c.Sftpd.Keys.Select(k => k.PrivateKey));
        Assert.Equal("localhost", c.Httpd.BindAddress);
        Assert.Equal(SftpdConfig.DefaultBanner, c.Sftpd.Banner);
    }

    [Fact]
    public void KeyboardInteractiveAuthenticationCanBeTurnedOff()
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.yaml", "sftpd:\n  keyboard_interactive_authentication: false\n");
        Assert.False(Load(dir).Sftpd.KeyboardInteractiveAuthentication);
        Assert.True(Load(dir, new() { ["WHARF_SFTPD__KEYBOARD_INTERACTIVE_AUTHENTICATION"] = "true" }).Sftpd.KeyboardInteractiveAuthentication);
    }

    [Fact]
    public void IndexedEnvironmentItemsEditFileListsAndAppend()
    {
        using var dir = new ConfigDir();
        foreach (var n in new[] { "k0", "k1", "k2", "new1" })
        {
            dir.Write(n, "key");
        }

        dir.Write("wharf.json", """{ "sftpd": { "keys": [ { "private_key": "k0" }, { "private_key": "k1" } ], "macs": ["hmac-sha2-256"] } }""");
        var c = Load(dir, new()
        {
            ["WHARF_SFTPD__KEYS__1__PRIVATE_KEY"] = "new1",
            ["WHARF_SFTPD__KEYS__2__PRIVATE_KEY"] = "k2",
            ["WHARF_SFTPD__MACS__1"] = "hmac-sha2-512",
        });
        Assert.Equal(["k0", "new1", "k2"], c.Sftpd.Keys.Select(k => k.PrivateKey));
        Assert.Equal(["hmac-sha2-256", "hmac-sha2-512"], c.Sftpd.Macs);

        var e = Fails(dir, new() { ["WHARF_SFTPD__KEYS__5__PRIVATE_KEY"] = "k2" });
        Assert.StartsWith("sftpd.keys.5: index out of range (the list has 2 items", e.Message);
        Assert.Contains("WHARF_SFTPD__KEYS__5__PRIVATE_KEY", e.Message);
    }

    [Fact]
    public void PrecedenceFileThenEnvFileThenEnvironment()
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.json", """{ "sftpd": { "bind_port": 1001, "idle_timeout": 1, "max_auth_tries": 1 } }""");
        dir.Write("wharf.env", "WHARF_SFTPD__IDLE_TIMEOUT=2\nWHARF_SFTPD__MAX_AUTH_TRIES=2\n");
        var c = Load(dir, new() { ["WHARF_SFTPD__MAX_AUTH_TRIES"] = "3" });
        Assert.Equal(1001, c.Sftpd.BindPort);   // file
        Assert.Equal(2, c.Sftpd.IdleTimeout);   // env file over file
        Assert.Equal(3, c.Sftpd.MaxAuthTries);  // environment over env file
        using var empty = new ConfigDir();
        Assert.Equal(2022, Load(empty).Sftpd.BindPort);
    }

    [Fact]
    public void UnknownKeysInAFileAreNamed()
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.json", """{ "sftpd": { "bind_prot": 1, "keys": [ { "private_kye": "x" } ] }, "logging": {} }""");
        var e = Fails(dir);
        Assert.Equal("wharf.json: unknown options sftpd.bind_prot, sftpd.keys.0.private_kye, logging", e.Message);
    }

    [Fact]
    public void UnknownKeysInYamlNameTheLine()
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.yaml", "sftpd:\n  bind_port: 2022\n  users_table: users\n");
        var e = Fails(dir);
        Assert.Equal("wharf.yaml: unknown option sftpd.users_table (line 3)", e.Message);
    }

    [Fact]
    public void UnknownEnvironmentOptionIsNamed()
    {
        using var dir = new ConfigDir();
        var e = Fails(dir, new() { ["WHARF_SFTPD__BIND_PROT"] = "1" });
        Assert.Equal("environment variable WHARF_SFTPD__BIND_PROT: unknown option sftpd.bind_prot", e.Message);
    }

    [Fact]
    public void MalformedJsonNamesFileAndLine()
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.json", "{\n  \"sftpd\": {\n    \"bind_port\" 2022\n  }\n}\n");
        var e = Fails(dir);
        Assert.StartsWith("wharf.json: line 3: malformed JSON: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MalformedYamlNamesFileAndLine()
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.yaml", "sftpd:\n  bind_port: 2022\n   idle_timeout: [1, 2\n");
        var e = Fails(dir);
        Assert.Matches(@"^wharf\.yaml: line \d+: malformed YAML: \S", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("""{ "sftpd": { "bind_port": "abc" } }""", "sftpd.bind_port: 'abc' is not an integer (wharf.json)")]
    [InlineData("""{ "sftpd": { "bind_port": 1.5 } }""", "sftpd.bind_port: '1.5' is not an integer (wharf.json)")]
    [InlineData("""{ "sftpd": { "enable_scp": "maybe" } }""", "sftpd.enable_scp: 'maybe' is not a boolean (true or false) (wharf.json)")]
    [InlineData("""{ "sftpd": { "actions": [] } }""", "sftpd.actions: expected a mapping, not a list (wharf.json)")]
    [InlineData("""{ "sftpd": { "banner": {} } }""", "sftpd.banner: expected a single value, not a mapping (wharf.json)")]
    [InlineData("""{ "sftpd": { "keys": "id_rsa" } }""", "sftpd.keys: expected a list of mappings (wharf.json)")]
    [InlineData("""{ "sftpd": { "bind_port": 1, "BIND_PORT": 2 } }""", "sftpd.bind_port: is given more than once (wharf.json)")]
    [InlineData("""[1, 2]""", "wharf.json: line 1: the top level must be an object, not Array")]
    public void WrongTypesNameTheOption(string json, string message)
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.json", json);
        Assert.Equal(message, Fails(dir).Message);
    }

    [Fact]
    public void WrongTypeInEnvironmentNamesTheVariable()
    {
        using var dir = new ConfigDir();
        var e = Fails(dir, new() { ["WHARF_HTTPD__BIND_PORT"] = "http" });
        Assert.Equal("httpd.bind_port: 'http' is not an integer (environment variable WHARF_HTTPD__BIND_PORT)", e.Message);
    }

    [Fact]
    public void CustomConfigFileName()
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.json", """{ "sftpd": { "bind_port": 1 } }""");
        dir.Write("custom.yaml", "sftpd:\n  bind_port: 2\n");
        dir.Write("custom.env", "WHARF_SFTPD__IDLE_TIMEOUT=3\n");
        var c = Load(dir, file: "custom");
        Assert.Equal(2, c.Sftpd.BindPort);
        Assert.Equal(3, c.Sftpd.IdleTimeout);
        Assert.EndsWith("custom.yaml", c.ConfigFilePath);

        var explicitFile = Load(dir, file: "custom.yaml"); // with its extension: exactly that file
        Assert.Equal(2, explicitFile.Sftpd.BindPort);
        Assert.Equal(3, explicitFile.Sftpd.IdleTimeout);

        Assert.Equal(2022, Load(dir, file: "absent").Sftpd.BindPort); // missing file: defaults
        Assert.Contains("does not exist", Fails(dir, file: "absent.json").Message);
        Assert.Contains("must be a file name inside the config dir", Fails(dir, file: "../wharf").Message);
    }

    [Fact]
    public void BothJsonAndYamlIsAnError()
    {
        using var dir = new ConfigDir();
        dir.Write("wharf.json", "{}");
        dir.Write("wharf.yaml", "sftpd: {}\n");
        var e = Fails(dir);
        Assert.StartsWith("config file: wharf.json and wharf.yaml both exist in ", e.Message);
    }

    [Theory]
    [InlineData("0022", 18u)]
    [InlineData("022", 18u)]
    [InlineData("0", 0u)]
    [InlineData("777", 511u)]
    [InlineData("0777", 511u)]
    public void ParseUmask(string text, uint value) => Assert.Equal(value, SftpdConfig.ParseUmask(text));

    [Theory]
    [InlineData("")]
    [InlineData("0018")]
    [InlineData("1777")]
    [InlineData("00022")]
    [InlineData("-22")]
    public void ParseUmaskRejects(string text) => Assert.Throws<FormatException>(() => SftpdConfig.ParseUmask(text));
}
