using System.CommandLine;
using System.Text.Json;
using Wharf.Server.Cli;
using Wharf.Server.Configuration;
using Wharf.Server.Data;

namespace Wharf.Server.Tests.Data;

public sealed class UserCommandsTests : IDisposable
{
    private readonly string _dir = TestUsers.NewTempDirectory();
    private readonly DataProviderConfig _config = new() { Driver = "sqlite", Name = "cli.db" };

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = UserCommands.CliContext.ForConfig(_config, _dir, output, error, TestUsers.Hasher);
        var root = new RootCommand("test") { UserCommands.Create(context), InitProviderCommand.Create(context) };
        int code = await root.Parse(args).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    private async Task<JsonElement> ShowAsync(string username)
    {
        var (code, output, err) = await RunAsync("user", "show", "--username", username);
        Assert.True(code == 0, err);
        return JsonDocument.Parse(output).RootElement;
    }

    [Fact]
    public async Task Initprovider_applies_migrations_and_prints_the_version()
    {
        var (code, output, _) = await RunAsync("initprovider", "--config-dir", _dir);
        Assert.Equal(0, code);
        Assert.Contains($"driver sqlite, schema version {SqlDataProvider.LatestSchemaVersion}", output, StringComparison.Ordinal);
        (code, output, _) = await RunAsync("initprovider");
        Assert.Equal(0, code);
        Assert.Contains($"schema version {SqlDataProvider.LatestSchemaVersion}", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_dir, "cli.db")));
    }

    [Fact]
    public async Task Add_show_update_list_delete_end_to_end()
    {
        var (code, output, err) = await RunAsync("user", "add", "--username", "alice", "--password", "secret",
            "--public-key", TestUsers.Key, "--home-dir", "/srv/alice", "--permissions", "/:list,download", "--permissions", "/in:*",
            "--quota-size", "1000", "--quota-files", "10", "--max-sessions", "2", "--upload-bandwidth", "50", "--download-bandwidth", "60",
            "--allowed-ip", "192.0.2.0/24", "--allowed-ip", "2001:db8::/32", "--denied-ip", "192.0.2.9/32",
            "--expiration-date", "1900000000000", "--status", "1", "--uid", "1000", "--gid", "1001");
        Assert.True(code == 0, err);
        Assert.Contains("user 'alice' added", output, StringComparison.Ordinal);

        var shown = await ShowAsync("alice");
        Assert.Equal("***", shown.GetProperty("password").GetString());
        Assert.Equal("/srv/alice", shown.GetProperty("home_dir").GetString());
        Assert.Equal(1000, shown.GetProperty("quota_size").GetInt64());
        Assert.Equal(2, shown.GetProperty("allowed_ip").GetArrayLength());
        Assert.Equal("*", shown.GetProperty("permissions").GetProperty("/in")[0].GetString());
        Assert.Equal(1001, shown.GetProperty("gid").GetInt32());

        await using (var provider = DataProviderFactory.Create(_config, _dir))
        {
            Assert.Equal("$test$secret", (await provider.GetUserAsync("alice", TestContext.Current.CancellationToken))!.Password);
        }

        (code, _, err) = await RunAsync("user", "update", "--username", "alice", "--quota-size", "5", "--status", "0");
        Assert.True(code == 0, err);
        shown = await ShowAsync("alice");
        Assert.Equal(5, shown.GetProperty("quota_size").GetInt64());
        Assert.Equal(0, shown.GetProperty("status").GetInt32());
        Assert.Equal("/srv/alice", shown.GetProperty("home_dir").GetString());
        Assert.Equal(10, shown.GetProperty("quota_files").GetInt32());
        Assert.Equal(1, shown.GetProperty("public_keys").GetArrayLength());
        Assert.Equal(2, shown.GetProperty("permissions").EnumerateObject().Count());

        await using (var provider = DataProviderFactory.Create(_config, _dir))
        {
            Assert.Equal("$test$secret", (await provider.GetUserAsync("alice", TestContext.Current.CancellationToken))!.Password);
        }

        Assert.Equal(0, (await RunAsync("user", "add", "-u", "bob", "-k", TestUsers.Key, "--home-dir", "/srv/bob")).Code);
        Assert.Equal(0, (await RunAsync("user", "add", "-u", "carol", "-p", TestUsers.Hash, "--home-dir", "/srv/carol")).Code);

        (code, output, _) = await RunAsync("user", "list");
        Assert.Equal(0, code);
        Assert.Equal(["alice\tinactive\t/srv/alice", "bob\tactive\t/srv/bob", "carol\tactive\t/srv/carol"],
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        (code, output, _) = await RunAsync("user", "list", "--json", "--order", "desc", "--offset", "1", "--limit", "1");
        Assert.Equal(0, code);
        var list = JsonDocument.Parse(output).RootElement;
        Assert.Equal(1, list.GetArrayLength());
        Assert.Equal("bob", list[0].GetProperty("username").GetString());

        (code, output, _) = await RunAsync("user", "delete", "--username", "bob");
        Assert.Equal(0, code);
        Assert.Contains("deleted", output, StringComparison.Ordinal);
        (code, _, err) = await RunAsync("user", "delete", "--username", "bob");
        Assert.Equal(UserCommands.ExitNotFound, code);
        Assert.Equal("wharf: user 'bob' does not exist", err.Trim());
    }

    [Fact]
    public async Task Errors_are_one_line_with_distinct_exit_codes()
    {
        Assert.Equal(0, (await RunAsync("user", "add", "-u", "dave", "-p", "x", "--home-dir", "/srv/dave")).Code);

        var (code, _, err) = await RunAsync("user", "add", "-u", "dave", "-p", "x", "--home-dir", "/srv/dave");
        Assert.Equal(UserCommands.ExitConflict, code);
        Assert.Single(err.Trim().Split('\n'));

        (code, _, err) = await RunAsync("user", "add", "-u", "erin", "-p", "x", "--home-dir", "/srv/erin", "--allowed-ip", "10.0.0.1");
        Assert.Equal(UserCommands.ExitValidation, code);
        Assert.StartsWith("wharf: allowed_ip:", err.Trim(), StringComparison.Ordinal);

        (code, _, err) = await RunAsync("user", "add", "-u", "erin", "-p", "x", "--home-dir", "/srv/erin", "--permissions", "nodir");
        Assert.Equal(UserCommands.ExitValidation, code);
        Assert.StartsWith("wharf: permissions:", err.Trim(), StringComparison.Ordinal);

        (code, _, err) = await RunAsync("user", "add", "-u", "erin", "--home-dir", "/srv/erin");
        Assert.Equal(UserCommands.ExitValidation, code);
        Assert.StartsWith("wharf: password:", err.Trim(), StringComparison.Ordinal);

        (code, _, _) = await RunAsync("user", "update", "-u", "nobody", "--status", "0");
        Assert.Equal(UserCommands.ExitNotFound, code);

        (code, _, _) = await RunAsync("user", "update", "-u", "dave", "--status", "3");
        Assert.Equal(UserCommands.ExitValidation, code);

        (code, _, _) = await RunAsync("user", "show", "-u", "nobody");
        Assert.Equal(UserCommands.ExitNotFound, code);

        (code, _, err) = await RunAsync("user", "list", "--order", "sideways");
        Assert.Equal(UserCommands.ExitValidation, code);
        Assert.Contains("--order", err, StringComparison.Ordinal);

        (code, _, _) = await RunAsync("user", "add", "--password", "x");
        Assert.NotEqual(0, code);
    }

    [Fact]
    public async Task Configuration_errors_exit_2_with_one_line()
    {
        var error = new StringWriter();
        var context = new UserCommands.CliContext
        {
            LoadConfig = (_, _) => throw new ConfigurationException("data_provider.driver: bad"),
            Out = new StringWriter(),
            Error = error,
        };
        int code = await new RootCommand { UserCommands.Create(context) }.Parse(["user", "list"]).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(2, code);
        Assert.Equal("wharf: data_provider.driver: bad", error.ToString().Trim());

        _config.Driver = "oracle";
        var (c, _, err) = await RunAsync("user", "list");
        Assert.Equal(2, c);
        Assert.StartsWith("wharf: driver:", err.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_dir_and_file_reach_the_loader()
    {
        string? seenDir = null, seenFile = null;
        var context = new UserCommands.CliContext
        {
            LoadConfig = (dir, file) =>
            {
                (seenDir, seenFile) = (dir, file);
                return (_config, _dir);
            },
            Out = new StringWriter(),
            Error = new StringWriter(),
        };
        var root = new RootCommand { InitProviderCommand.Create(context) };
        Assert.Equal(0, await root.Parse(["initprovider", "--config-dir", "/etc/wharf", "--config-file", "custom"]).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(("/etc/wharf", "custom"), (seenDir, seenFile));
        Assert.Equal(0, await root.Parse(["initprovider"]).InvokeAsync(cancellationToken: TestContext.Current.CancellationToken));
        // No name: the loader looks for wharf.*, else SFTPGo's sftpgo.* (WHARF_CONFIG_FILE or SFTPGO_CONFIG_FILE name one).
        Assert.Equal(Wharf.Server.Cli.FlagEnvironment.Get("WHARF_CONFIG_FILE") ?? "", seenFile);
        Assert.Equal(Wharf.Server.Cli.FlagEnvironment.Get("WHARF_CONFIG_DIR") ?? ".", seenDir);
    }

    [Fact]
    public async Task Import_restores_a_dump()
    {
        var dump = new DataDump { Users = [TestUsers.Make("imp1"), TestUsers.Make("imp2")] };
        string file = Path.Combine(_dir, "dump.json");
        await File.WriteAllTextAsync(file, dump.ToJson(), TestContext.Current.CancellationToken);

        var (code, output, err) = await RunAsync("user", "import", file);
        Assert.True(code == 0, err);
        Assert.Contains("2 added, 0 updated, 0 skipped", output, StringComparison.Ordinal);

        (code, output, _) = await RunAsync("user", "import", file, "--mode", "1");
        Assert.Equal(0, code);
        Assert.Contains("0 added, 0 updated, 2 skipped", output, StringComparison.Ordinal);

        (code, output, _) = await RunAsync("user", "import", file);
        Assert.Equal(0, code);
        Assert.Contains("0 added, 2 updated", output, StringComparison.Ordinal);
        Assert.Equal("/srv/sftp/imp2", (await ShowAsync("imp2")).GetProperty("home_dir").GetString());

        (code, _, _) = await RunAsync("user", "import", Path.Combine(_dir, "missing.json"));
        Assert.Equal(UserCommands.ExitNotFound, code);
    }

    [Fact]
    public async Task Import_keeps_sftpgo_filters_and_refuses_what_it_cannot_map()
    {
        string file = Path.Combine(_dir, "sftpgo.json");
        await File.WriteAllTextAsync(file, """
            {"users": [{"id": 1, "status": 1, "username": "netonly", "password": "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
              "home_dir": "/srv/netonly", "permissions": {"/": ["*"]}, "filters": {"allowed_ip": ["10.99.0.0/16"], "denied_ip": null}}]}
            """, TestContext.Current.CancellationToken);
        var (code, _, err) = await RunAsync("user", "import", file);
        Assert.True(code == 0, err);
        var shown = await ShowAsync("netonly");
        Assert.Equal("10.99.0.0/16", shown.GetProperty("allowed_ip")[0].GetString());
        await using (var provider = DataProviderFactory.Create(_config, _dir))
        {
            var user = (await provider.GetUserAsync("netonly", TestContext.Current.CancellationToken))!;
            Assert.Contains("not allowed", Wharf.Server.Accounts.LoginPolicy.Check(user, System.Net.IPAddress.Parse("127.0.0.1"), DateTimeOffset.UtcNow));
        }

        string bad = Path.Combine(_dir, "bad.json");
        await File.WriteAllTextAsync(bad, """
            {"users": [{"username": "okay", "password": "pw123456", "home_dir": "/srv/okay"},
                       {"username": "patterns", "password": "pw123456", "home_dir": "/srv/patterns", "filters": {"file_patterns": [{"path": "/", "allowed_patterns": ["*.txt"]}]}}]}
            """, TestContext.Current.CancellationToken);
        (code, _, err) = await RunAsync("user", "import", bad);
        Assert.Equal(UserCommands.ExitValidation, code);
        Assert.Contains("users[1].filters.file_patterns is not supported", err, StringComparison.Ordinal);
        (code, _, _) = await RunAsync("user", "show", "--username", "okay");
        Assert.Equal(UserCommands.ExitNotFound, code); // nothing half-restored
    }
}
