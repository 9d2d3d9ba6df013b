using System.Diagnostics;

namespace Wharf.Interop.Tests;

/// <summary>
/// An SFTPGo user swaps the binary and keeps the config dir (issue 16): `wharf serve` reads
/// <c>sftpgo.json</c> with SFTPGo 0.9's options, serves SFTPGo's <c>id_rsa</c> host key (so clients
/// that trusted the SFTPGo server see the same key) and takes <c>SFTPGO_*</c> variables.
/// </summary>
public sealed class SftpgoConfigDirTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("wharf-sftpgo-dir-").FullName;
    private Process? _server;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
        Directory.Delete(_dir, true);
    }

    [Fact]
    public async Task ServeStartsOnAnSftpgoConfigDirAndServesItsRsaHostKey()
    {
        // Every option SFTPGo 0.9 had, in its sections, with the ports changed for the test.
        await File.WriteAllTextAsync(Path.Combine(_dir, "sftpgo.json"), """
            {
              "sftpd": {
                "bind_port": 0, "bind_address": "127.0.0.1", "idle_timeout": 15, "max_auth_tries": 0,
                "umask": "0022", "banner": "", "upload_mode": 0,
                "actions": { "execute_on": [], "command": "", "http_notification_url": "" },
                "keys": [], "enable_scp": false, "kex_algorithms": [], "ciphers": [], "macs": [],
                "login_banner_file": "", "setstat_mode": 0, "enabled_ssh_commands": ["md5sum", "sha1sum", "cd", "pwd"]
              },
              "data_provider": {
                "driver": "sqlite", "name": "sftpgo.db", "host": "", "port": 5432, "username": "", "password": "",
                "sslmode": 0, "connection_string": "", "users_table": "users", "manage_users": 1, "track_quota": 2,
                "pool_size": 0, "users_base_dir": "",
                "actions": { "execute_on": [], "command": "", "http_notification_url": "" }
              },
              "httpd": { "bind_port": 0, "bind_address": "127.0.0.1", "templates_path": "templates", "static_files_path": "static", "backups_path": "backups" }
            }
            """, TestContext.Current.CancellationToken);

        // The key SFTPGo generated in its config dir: RSA, PEM (PKCS #1).
        var keygen = await ProcessRunner.RunAsync("ssh-keygen", ["-q", "-t", "rsa", "-b", "3072", "-m", "PEM", "-N", "", "-f", Path.Combine(_dir, "id_rsa")]);
        Assert.True(keygen.ExitCode == 0, keygen.StdErr);
        string expected = (await File.ReadAllTextAsync(Path.Combine(_dir, "id_rsa.pub"), TestContext.Current.CancellationToken)).Split(' ')[1];

        (_server, int port) = await ServeFixture.StartServeAsync(_dir, new Dictionary<string, string> { ["SFTPGO_SFTPD__BANNER"] = "SftpgoBanner_1.0" });

        var scan = await ProcessRunner.RunAsync("ssh-keyscan", ["-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-t", "rsa", "127.0.0.1"], timeout: TimeSpan.FromSeconds(30));
        var served = scan.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).Where(p => p.Length >= 3 && p[1] == "ssh-rsa").Select(p => p[2]).ToList();
        Assert.True(served.Count == 1, $"ssh-keyscan: {scan.StdOut} {scan.StdErr}");
        Assert.Equal(expected, served[0]);
        Assert.Contains("SSH-2.0-SftpgoBanner_1.0", scan.StdErr); // SFTPGO_SFTPD__BANNER took effect

        // The database is SFTPGo's file name, and Wharf generated no keys of its own.
        Assert.True(File.Exists(Path.Combine(_dir, "sftpgo.db")));
        Assert.False(File.Exists(Path.Combine(_dir, "ssh_host_ed25519_key")));
    }
}
