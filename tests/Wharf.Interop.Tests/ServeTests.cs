using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Wharf.Interop.Tests;

/// <summary>
/// The real `wharf serve` on a temporary config dir (SQLite, generated host keys), users created
/// with `wharf user add`, driven by OpenSSH sftp/ssh and paramiko.
/// </summary>
public sealed partial class ServeFixture : IAsyncLifetime
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "wharf-serve-" + Guid.NewGuid().ToString("N")[..8]);

    public string ConfigDir => Path.Combine(Dir, "config");

    public string Homes => Path.Combine(Dir, "homes");

    public int Port { get; private set; }

    public Process Process { get; private set; } = null!;

    /// <summary>The repository root (the directory holding Wharf.slnx).</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Wharf.slnx")))
        {
            dir = dir.Parent;
        }

        return dir!.FullName;
    }

    public static string WharfDll()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        return Path.Combine(RepoRoot(), "src", "Wharf.Server", "bin", configuration, "net10.0", "wharf.dll");
    }

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(ConfigDir);
        Directory.CreateDirectory(Homes);
        await File.WriteAllTextAsync(Path.Combine(ConfigDir, "banner.txt"), "Welcome to the Wharf test server\n");
        await File.WriteAllTextAsync(Path.Combine(ConfigDir, "wharf.yaml"), $"""
            sftpd:
              bind_port: 2022
              bind_address: 127.0.0.1
              login_banner_file: banner.txt
              enabled_ssh_commands: ["*"]
            data_provider:
              driver: sqlite
              name: wharf.db
              track_quota: 1
            """);
        (Process, Port) = await StartServeAsync(ConfigDir, new Dictionary<string, string> { ["WHARF_SFTPD__BIND_PORT"] = "0" }); // the environment overrides the file
    }

    /// <summary>Starts `wharf serve` on <paramref name="configDir"/> and returns it with the port it listens on.</summary>
    public static async Task<(Process Process, int Port)> StartServeAsync(string configDir, IDictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { WharfDll(), "serve", "--config-dir", configDir, "--log-file-path", "wharf.log" })
        {
            psi.ArgumentList.Add(a);
        }

        // The HTTP server (default 127.0.0.1:8080) is off unless a test asks for it, so parallel servers do not collide.
        psi.Environment["WHARF_HTTPD__BIND_PORT"] = "0";
        // Many tests share a server and all come from 127.0.0.1: their deliberate failures would add up to a ban. Tests of the defender turn it on.
        psi.Environment["WHARF_COMMON__DEFENDER__ENABLED"] = "false";
        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }

        var process = Process.Start(psi)!;
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var m = line is null ? Match.Empty : PortRegex().Match(line);
        if (!m.Success)
        {
            throw new InvalidOperationException($"wharf serve did not start: {line} {await process.StandardError.ReadToEndAsync()}");
        }

        return (process, int.Parse(m.Groups[1].Value));
    }

    [GeneratedRegex(@"SFTP on [^\s]*:(\d+)")]
    private static partial Regex PortRegex();

    /// <summary>A TCP port free at the time of the call (for the HTTP server, which needs a fixed port in its config).</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs `wharf user ...` against this fixture's config dir.</summary>
    public Task<ProcessRunner.Result> UserAsync(params string[] args) => UserAsync(ConfigDir, args);

    /// <summary>Runs `wharf user ...` against <paramref name="configDir"/>.</summary>
    public static Task<ProcessRunner.Result> UserAsync(string configDir, params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [WharfDll(), "user", .. args, "--config-dir", configDir]);

    /// <summary>Adds a user with a home under <see cref="Homes"/> and the given extra options.</summary>
    public async Task<string> AddUserAsync(string name, params string[] extra)
    {
        var home = Path.Combine(Homes, name);
        var r = await UserAsync(["add", "--username", name, "--home-dir", home, .. extra]);
        Assert.True(r.ExitCode == 0, $"user add failed: {r.StdOut} {r.StdErr}");
        return home;
    }

    public string Log => File.Exists(Path.Combine(ConfigDir, "wharf.log")) ? File.ReadAllText(Path.Combine(ConfigDir, "wharf.log")) : "";

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Directory.Delete(Dir, true);
    }
}

public sealed class ServeTests(ServeFixture f) : IClassFixture<ServeFixture>
{
    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    private static string Script => Path.Combine(AppContext.BaseDirectory, "scripts", "paramiko_sftp.py");

    private static string Pub(string type = "ed25519") => File.ReadAllText(TestKeys.Instance.UserKeyPath(type) + ".pub").Trim();

    private Task<ProcessRunner.Result> ParamikoAsync(string user, string password, string mode, params string[] args) =>
        ProcessRunner.RunAsync(Python, [Script, f.Port.ToString(), user, password, mode, .. args], timeout: TimeSpan.FromMinutes(3));

    private string Local(string name)
    {
        var d = Path.Combine(f.Dir, "local-" + name);
        Directory.CreateDirectory(d);
        return d;
    }

    [Fact]
    public void EmbeddedDefaultsCreateTheDatabaseAndHostKeysPrivately()
    {
        foreach (var file in new[] { "wharf.db", "ssh_host_ed25519_key", "ssh_host_rsa_key" })
        {
            var path = Path.Combine(f.ConfigDir, file);
            Assert.True(File.Exists(path), file);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path) & ~(UnixFileMode.GroupRead | UnixFileMode.OtherRead) & (UnixFileMode)0x1FF);
        }

        Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(Path.Combine(f.ConfigDir, "ssh_host_ed25519_key")) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead));
    }

    [Fact]
    public async Task PasswordAndKeyLoginsAreChrootedToTheHome()
    {
        var home = await f.AddUserAsync("alice", "--password", "alice-pw", "--public-key", Pub());
        var r = await ParamikoAsync("alice", "alice-pw", "roundtrip", "1000", "70000");
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal(70000, new FileInfo(Path.Combine(home, "rt-70000.bin")).Length);

        var local = Local("alice");
        await File.WriteAllBytesAsync(Path.Combine(local, "k.bin"), RandomNumberGenerator.GetBytes(5000));
        var o = await OpenSsh.SftpBatchAsync(f.Port, "alice", ["put k.bin", "ls -1 /", "-get ../../config/wharf.db stolen.db"], workingDirectory: local);
        Assert.True(o.ExitCode == 0, o.StdErr);
        Assert.True(File.Exists(Path.Combine(home, "k.bin")));
        Assert.False(File.Exists(Path.Combine(local, "stolen.db")));
    }

    [Fact]
    public async Task PermissionsPerDirectoryMostSpecificWins()
    {
        var home = await f.AddUserAsync("perm", "--public-key", Pub(), "--permissions", "/:list,download", "--permissions", "/in:list,upload,create_dirs");
        Directory.CreateDirectory(Path.Combine(home, "in"));
        await File.WriteAllTextAsync(Path.Combine(home, "readme.txt"), "hello");
        await File.WriteAllTextAsync(Path.Combine(home, "in", "secret.txt"), "no download here");
        var local = Local("perm");
        await File.WriteAllTextAsync(Path.Combine(local, "up.txt"), "up");
        var r = await OpenSsh.SftpBatchAsync(f.Port, "perm",
            ["get readme.txt", "put up.txt in/up.txt", "mkdir in/sub", "-put up.txt up-root.txt", "-get in/secret.txt", "-rm readme.txt", "-rename readme.txt x.txt", "-mkdir newdir"],
            workingDirectory: local);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("hello", await File.ReadAllTextAsync(Path.Combine(local, "readme.txt")));
        Assert.True(File.Exists(Path.Combine(home, "in", "up.txt")));
        Assert.True(Directory.Exists(Path.Combine(home, "in", "sub")));
        Assert.False(File.Exists(Path.Combine(home, "up-root.txt")));
        Assert.False(File.Exists(Path.Combine(local, "secret.txt")));
        Assert.True(File.Exists(Path.Combine(home, "readme.txt")));
        Assert.False(Directory.Exists(Path.Combine(home, "newdir")));
    }

    [Fact]
    public async Task QuotaExceededMidUploadFailsThatFileOnly()
    {
        var home = await f.AddUserAsync("quota", "--public-key", Pub(), "--quota-size", "1048576");
        var local = Local("quota");
        var first = RandomNumberGenerator.GetBytes(600_000);
        await File.WriteAllBytesAsync(Path.Combine(local, "a.bin"), first);
        await File.WriteAllBytesAsync(Path.Combine(local, "b.bin"), RandomNumberGenerator.GetBytes(600_000));
        var r = await OpenSsh.SftpBatchAsync(f.Port, "quota", ["put a.bin", "put b.bin"], workingDirectory: local);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Equal(first, await File.ReadAllBytesAsync(Path.Combine(home, "a.bin")));
        Assert.True(!File.Exists(Path.Combine(home, "b.bin")) || new FileInfo(Path.Combine(home, "b.bin")).Length < 600_000);
        var show = await f.UserAsync("show", "--username", "quota");
        using var doc = JsonDocument.Parse(show.StdOut);
        Assert.InRange(doc.RootElement.GetProperty("used_quota_size").GetInt64(), 600_000, 1_048_576);
    }

    [Fact]
    public async Task HardLinkSymlinkAndTruncateTricksLeaveTheUsedQuotaEqualToANoFollowScan()
    {
        // A uid of its own: the rsync below (which triggers the rescan) never runs as root.
        var home = await f.AddUserAsync("quotatricks", "--public-key", Pub(), "--quota-size", "1048576", "--quota-files", "10", "--uid", "2103", "--gid", "2103");
        var local = Local("quotatricks");
        await File.WriteAllBytesAsync(Path.Combine(local, "data.bin"), RandomNumberGenerator.GetBytes(100_000));

        // OpenSSH sftp: ln is hardlink@openssh.com, ln -s a symlink.
        var commands = new List<string> { "put data.bin data" };
        for (int i = 0; i < 5; i++)
        {
            commands.AddRange(["ln data link", "rm data", "rename link data"]);
        }

        for (int i = 0; i < 10; i++)
        {
            commands.AddRange(["ln -s data s", "rm s"]);
        }

        var batch = await OpenSsh.SftpBatchAsync(f.Port, "quotatricks", commands, workingDirectory: local);
        Assert.True(batch.ExitCode == 0, batch.StdErr);

        // paramiko: SETSTAT size 0 on the path behind an open handle, then FSETSTAT to 2^64-1.
        var py = """
            import paramiko, sys
            t = paramiko.Transport(("127.0.0.1", int(sys.argv[1])))
            t.connect(username=sys.argv[2], pkey=paramiko.Ed25519Key.from_private_key_file(sys.argv[3]))
            s = paramiko.SFTPClient.from_transport(t)
            f = s.open("big", "wb")
            f.set_pipelined(False)
            chunk = b"x" * 65536
            off = 0
            refused = False
            for i in range(40):
                try:
                    f.seek(off); f.write(chunk); f.flush()
                    off += len(chunk)
                    if off % (512 * 1024) == 0:
                        s.truncate("big", 0)
                except IOError:
                    refused = True
                    break
            for i in range(3):
                try:
                    f.truncate(2**64 - 1)
                except IOError:
                    pass
            f.close()
            print("refused" if refused else "accepted", s.stat("big").st_size)
            """;
        var script = Path.Combine(local, "truncate.py");
        await File.WriteAllTextAsync(script, py);
        var run = await ProcessRunner.RunAsync(Python, [script, f.Port.ToString(), "quotatricks", TestKeys.Instance.UserKeyPath("ed25519")], timeout: TimeSpan.FromMinutes(3));
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.StartsWith("refused", run.StdOut.Trim());

        async Task<(long Size, int Files)> UsedAsync()
        {
            var show = await f.UserAsync("show", "--username", "quotatricks");
            using var doc = JsonDocument.Parse(show.StdOut);
            return (doc.RootElement.GetProperty("used_quota_size").GetInt64(), doc.RootElement.GetProperty("used_quota_files").GetInt32());
        }

        var disk = Wharf.Server.Storage.QuotaScanner.Scan(home);
        Assert.True(disk.Size <= 1_048_576, $"{disk.Size} bytes stored for a 1 MiB quota");
        Assert.Equal((disk.Size, disk.Files), await UsedAsync());

        // A symlink out of the home (put there behind Wharf's back), then a system command, whose end rescans the home.
        File.CreateSymbolicLink(Path.Combine(home, "etc"), "/etc");
        await File.WriteAllTextAsync(Path.Combine(local, "small.txt"), "hi");
        string ssh = $"ssh -F /dev/null -p {f.Port} -i {TestKeys.Instance.UserKeyPath("ed25519")} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR";
        var rsync = await ProcessRunner.RunAsync("rsync", ["-a", "-e", ssh, Path.Combine(local, "small.txt"), "quotatricks@127.0.0.1:small.txt"]);
        Assert.True(rsync.ExitCode == 0, rsync.StdErr);
        disk = Wharf.Server.Storage.QuotaScanner.Scan(home);
        Assert.Equal((disk.Size, disk.Files), await UsedAsync());
        Assert.True(disk.Size < 1_100_000 && disk.Files == 3, $"{disk}");
    }

    [Fact]
    public async Task DownloadBandwidthIsThrottled()
    {
        var home = await f.AddUserAsync("slow", "--public-key", Pub(), "--download-bandwidth", "512");
        Directory.CreateDirectory(home);
        await File.WriteAllBytesAsync(Path.Combine(home, "two.bin"), RandomNumberGenerator.GetBytes(2 * 1024 * 1024));
        var sw = Stopwatch.StartNew();
        var r = await OpenSsh.SftpBatchAsync(f.Port, "slow", ["get two.bin"], workingDirectory: Local("slow"));
        sw.Stop();
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.InRange(sw.Elapsed.TotalSeconds, 3.0, 12.0); // 2 MiB at 512 KiB/s is 4 s
    }

    [Fact]
    public async Task DeniedAddressInactiveAndExpiredAccountsCannotLogIn()
    {
        await f.AddUserAsync("denied", "--password", "pw", "--denied-ip", "127.0.0.0/8");
        await f.AddUserAsync("inactive", "--password", "pw", "--status", "0");
        await f.AddUserAsync("expired", "--password", "pw", "--expiration-date", (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000).ToString());
        await f.AddUserAsync("allowed", "--password", "pw", "--allowed-ip", "127.0.0.0/8", "--expiration-date", (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 3_600_000).ToString());
        foreach (var user in new[] { "denied", "inactive", "expired" })
        {
            var r = await ParamikoAsync(user, "pw", "listing", ".", "0");
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("Authentication failed", r.StdErr);
        }

        var ok = await ParamikoAsync("allowed", "pw", "listing", ".", "0");
        Assert.True(ok.ExitCode == 0, ok.StdOut + ok.StdErr);
        Assert.Contains("\"sender\":\"connection_failed\"", f.Log);
        Assert.Contains("\"client_ip\":\"127.0.0.1\"", f.Log);
    }

    [Fact]
    public async Task MaxSessionsIsEnforced()
    {
        await f.AddUserAsync("once", "--public-key", Pub(), "--max-sessions", "1");
        var psi = new ProcessStartInfo("sftp") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-F", "/dev/null", "-P", f.Port.ToString(), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", TestKeys.Instance.UserKeyPath("ed25519"), "once@127.0.0.1" })
        {
            psi.ArgumentList.Add(a);
        }

        using var first = Process.Start(psi)!;
        await first.StandardInput.WriteLineAsync("pwd");
        await first.StandardInput.FlushAsync();
        var line = await first.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)); // the session is up
        Assert.NotNull(line);
        var second = await OpenSsh.SftpBatchAsync(f.Port, "once", ["pwd"]);
        Assert.NotEqual(0, second.ExitCode);
        first.Kill();
        await first.WaitForExitAsync();
        await Task.Delay(500);
        var third = await OpenSsh.SftpBatchAsync(f.Port, "once", ["pwd"]);
        Assert.True(third.ExitCode == 0, third.StdErr);
    }

    [Fact]
    public async Task MaxSessionsHoldsUnderSimultaneousLogins()
    {
        // Eight paramiko clients finish the key exchange, wait for each other, then send their
        // password at once and each hold its SFTP session two seconds. With max_sessions 1
        // exactly one may get in; a count of the other sessions taken during authentication
        // let 3, then 5 in (each saw none authenticated yet while the passwords were hashed).
        await f.AddUserAsync("racer", "--password", "race-pw", "--max-sessions", "1");
        var py = """
            import paramiko, sys, threading, time
            port, n = int(sys.argv[1]), 8
            barrier = threading.Barrier(n)
            results = [None] * n
            def run(i):
                t = paramiko.Transport(("127.0.0.1", port))
                try:
                    t.start_client(timeout=60)
                    barrier.wait(timeout=60)
                    t.auth_password("racer", "race-pw")
                    s = paramiko.SFTPClient.from_transport(t)
                    s.listdir(".")
                    results[i] = "ok"
                    time.sleep(2)
                except paramiko.AuthenticationException:
                    results[i] = "refused"
                except Exception as e:
                    results[i] = "error " + repr(e)
                finally:
                    t.close()
            threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
            for th in threads: th.start()
            for th in threads: th.join()
            print(" ".join(results))
            """;
        var script = Path.Combine(Local("race"), "race.py");
        await File.WriteAllTextAsync(script, py);
        var r = await ProcessRunner.RunAsync(Python, [script, f.Port.ToString()], timeout: TimeSpan.FromMinutes(3));
        var outcomes = r.StdOut.Trim().Split(' ');
        Assert.True(outcomes.Length == 8 && outcomes.All(o => o is "ok" or "refused"), r.StdOut + r.StdErr);
        Assert.Equal(1, outcomes.Count(o => o == "ok"));

        // Every slot came back: the refused logins held none, the one that got in gave its back.
        var again = await ParamikoAsync("racer", "race-pw", "listing", ".", "0");
        Assert.True(again.ExitCode == 0, again.StdOut + again.StdErr);
        var twice = await ParamikoAsync("racer", "race-pw", "listing", ".", "0");
        Assert.True(twice.ExitCode == 0, twice.StdOut + twice.StdErr);
    }

    [Fact]
    public async Task IPv4MappedDeniedRuleRefusesTheIPv4Client()
    {
        // The rule as written in IPv6 notation; the client connects over IPv4 to 127.0.0.1.
        await f.AddUserAsync("mappeddeny", "--password", "pw", "--denied-ip", "::ffff:127.0.0.1/128");
        await f.AddUserAsync("mappedallow", "--password", "pw", "--allowed-ip", "::ffff:127.0.0.0/104");
        var denied = await ParamikoAsync("mappeddeny", "pw", "listing", ".", "0");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("Authentication failed", denied.StdErr);
        var allowed = await ParamikoAsync("mappedallow", "pw", "listing", ".", "0");
        Assert.True(allowed.ExitCode == 0, allowed.StdOut + allowed.StdErr);
        Assert.Contains("address 127.0.0.1 is denied", f.Log);

        // Shorter than /96 a mapped rule means nothing a client address can be: refused on save.
        var bad = await f.UserAsync("add", "--username", "mappedbad", "--home-dir", Path.Combine(f.Homes, "mappedbad"), "--password", "pw", "--denied-ip", "::ffff:0.0.0.0/80");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("denied_ip", bad.StdErr);
    }

    [Fact]
    public async Task EveryPasswordHashFormatLogsIn()
    {
        var mkpasswd = async (string method) => (await ProcessRunner.RunAsync("mkpasswd", ["-m", method, "-S", "saltsalt", "hashpw"])).StdOut.Trim();
        var formats = new Dictionary<string, string>
        {
            ["sha512crypt"] = await mkpasswd("sha-512"),
            ["sha256crypt"] = await mkpasswd("sha-256"),
            ["md5crypt"] = (await ProcessRunner.RunAsync("openssl", ["passwd", "-1", "-salt", "abcdefgh", "hashpw"])).StdOut.Trim(),
            ["bcrypt"] = (await ProcessRunner.RunAsync("htpasswd", ["-nbB", "-C", "5", "u", "hashpw"])).StdOut.Trim().Split(':', 2)[1],
            ["argon2id"] = (await ProcessRunner.RunAsync("/bin/sh", ["-c", "printf hashpw | argon2 somesaltvalue -id -t 2 -m 12 -p 1 -e"])).StdOut.Trim(),
        };
        int i = 0;
        foreach (var (format, hash) in formats)
        {
            Assert.StartsWith("$", hash);
            string name = $"hash{i++}";
            await f.AddUserAsync(name, "--password", hash);
            var r = await ParamikoAsync(name, "hashpw", "listing", ".", "0");
            Assert.True(r.ExitCode == 0, $"{format}: {r.StdOut} {r.StdErr}");
            var wrong = await ParamikoAsync(name, "not-it", "listing", ".", "0");
            Assert.NotEqual(0, wrong.ExitCode);
        }

        // The seed's pbkdf2 example, for the word "password".
        await f.AddUserAsync("pbkdf2", "--password", "$pbkdf2-sha256$150000$E86a9YMX3zC7$R5J62hsSq+pYw00hLLPKBbcGXmq7fj5+/M0IFoYtZbo=");
        var p = await ParamikoAsync("pbkdf2", "password", "listing", ".", "0");
        Assert.True(p.ExitCode == 0, p.StdOut + p.StdErr);
    }

    [Fact]
    public async Task NewPasswordsAreStoredAsArgon2id()
    {
        await f.AddUserAsync("plain", "--password", "plain-pw");
        var show = await f.UserAsync("show", "--username", "plain");
        Assert.DoesNotContain("plain-pw", show.StdOut);
        // The row may still sit in SQLite's write-ahead log: look at both files.
        var db = await ProcessRunner.RunAsync("/bin/sh", ["-c", $"cat '{Path.Combine(f.ConfigDir, "wharf.db")}'* | strings | grep -c 'argon2id.v=19' || true"]);
        Assert.NotEqual("0", db.StdOut.Trim());
        var r = await ParamikoAsync("plain", "plain-pw", "listing", ".", "0");
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
    }

    [Fact]
    public async Task OpenSshSftpWithAPassword()
    {
        var home = await f.AddUserAsync("pwsftp", "--password", "sftp-pw");
        var local = Local("pwsftp");
        await File.WriteAllTextAsync(Path.Combine(local, "p.txt"), "by password");
        var r = await OpenSsh.SftpWithPasswordAsync(f.Port, "pwsftp", "sftp-pw", ["put p.txt", "ls"], local);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("by password", await File.ReadAllTextAsync(Path.Combine(home, "p.txt")));
        var wrong = await OpenSsh.SftpWithPasswordAsync(f.Port, "pwsftp", "not-it", ["ls"], local);
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("Permission denied", wrong.StdErr);
    }

    [Fact]
    public async Task KeyboardInteractiveIsThePasswordPromptAndItsFailuresCountLikePasswords()
    {
        await f.AddUserAsync("kbdint", "--password", "kbd-pw");
        var ok = await OpenSsh.RunAsync(f.Port, "kbdint", "pwd", ["PreferredAuthentications=keyboard-interactive"], password: "kbd-pw");
        Assert.True(ok.ExitCode == 0, ok.StdErr);
        Assert.Equal("/\n", ok.StdOut);
        Assert.Contains("authenticated kbdint with keyboard-interactive", f.Log);

        // Three wrong keyboard-interactive answers, then three wrong passwords: six failures
        // in all, which is max_auth_tries' default, so the server closes the connection on the
        // last. Had keyboard-interactive not counted, the client would simply run out of tries.
        var wrong = await OpenSsh.RunAsync(f.Port, "kbdint", "pwd",
            ["PreferredAuthentications=keyboard-interactive,password", "NumberOfPasswordPrompts=3"], password: "not-it");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("Too many authentication failures", wrong.StdErr);
        var failures = f.Log.Split('\n').Where(l => l.Contains("\"sender\":\"connection_failed\"") && l.Contains("\"username\":\"kbdint\"")).ToList();
        Assert.Equal(3, failures.Count(l => l.Contains("\"login_type\":\"keyboard-interactive\"")));
        Assert.Equal(3, failures.Count(l => l.Contains("\"login_type\":\"password\"")));

        // An account with no password (public key only) cannot log in this way, whatever is typed.
        await f.AddUserAsync("kbdkeyonly", "--public-key", Pub());
        var keyOnly = await OpenSsh.RunAsync(f.Port, "kbdkeyonly", "pwd", ["PreferredAuthentications=keyboard-interactive", "NumberOfPasswordPrompts=1"], password: "");
        Assert.NotEqual(0, keyOnly.ExitCode);
        Assert.Contains(f.Log.Split('\n'), l => l.Contains("\"username\":\"kbdkeyonly\"") && l.Contains("\"login_type\":\"keyboard-interactive\"")
            && l.Contains("password login is not enabled for this account"));
    }

    [Fact]
    public async Task PuttyLogsInWithKeyboardInteractive()
    {
        // PuTTY tries keyboard-interactive first when it is offered, and -pw answers its prompt.
        var home = await f.AddUserAsync("puttyki", "--password", "putty-pw");
        var line = (await File.ReadAllTextAsync(Path.Combine(f.ConfigDir, "ssh_host_ed25519_key.pub"))).Trim();
        var fingerprint = Wharf.Ssh.Keys.AuthorizedKeyEntry.Parse(line).Key.GetSha256Fingerprint();
        var r = await Putty.RunAsync("plink", f.Port, "putty-pw", [fingerprint], ["puttyki@127.0.0.1", "pwd"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("/\n", r.StdOut);
        Assert.Contains("authenticated puttyki with keyboard-interactive", f.Log);

        var local = Local("puttyki");
        await File.WriteAllTextAsync(Path.Combine(local, "k.txt"), "by putty");
        var put = await Putty.RunAsync("pscp", f.Port, "putty-pw", [fingerprint], ["-q", "-sftp", Path.Combine(local, "k.txt"), "puttyki@127.0.0.1:/k.txt"]);
        Assert.True(put.ExitCode == 0, put.StdErr);
        Assert.Equal("by putty", await File.ReadAllTextAsync(Path.Combine(home, "k.txt")));
    }

    [Fact]
    public async Task EveryRemainingPermissionAllowedAndDenied()
    {
        // Same operations for a user with all permissions and one with only list,download,upload.
        var all = await f.AddUserAsync("permall", "--public-key", Pub(), "--permissions", "/:*");
        var few = await f.AddUserAsync("permfew", "--public-key", Pub(), "--permissions", "/:list,download,upload");
        foreach (var home in new[] { all, few })
        {
            Directory.CreateDirectory(home);
            await File.WriteAllTextAsync(Path.Combine(home, "existing.txt"), "old");
        }

        var local = Local("perms");
        await File.WriteAllTextAsync(Path.Combine(local, "existing.txt"), "new content");
        string[] ops = ["-put existing.txt", "-ln -s existing.txt link.txt", "-chmod 600 existing.txt", "-chown 4321 existing.txt", "-chgrp 4321 existing.txt"];
        var ra = await OpenSsh.SftpBatchAsync(f.Port, "permall", ops, workingDirectory: local);
        var rf = await OpenSsh.SftpBatchAsync(f.Port, "permfew", ops, workingDirectory: local);
        Assert.True(ra.ExitCode == 0 && rf.ExitCode == 0, ra.StdErr + rf.StdErr);

        Assert.Equal("new content", await File.ReadAllTextAsync(Path.Combine(all, "existing.txt")));  // overwrite
        Assert.NotNull(new FileInfo(Path.Combine(all, "link.txt")).LinkTarget);                    // create_symlinks
        Assert.Equal((UnixFileMode)Convert.ToInt32("600", 8), File.GetUnixFileMode(Path.Combine(all, "existing.txt")));

        Assert.Equal("old", await File.ReadAllTextAsync(Path.Combine(few, "existing.txt")));
        Assert.False(File.Exists(Path.Combine(few, "link.txt")));
        Assert.NotEqual((UnixFileMode)Convert.ToInt32("600", 8), File.GetUnixFileMode(Path.Combine(few, "existing.txt")));
        Assert.Contains("Permission denied", rf.StdErr);

        // chtimes through paramiko's utime (sftp has no command for it).
        var py = """
            import paramiko, sys
            t = paramiko.Transport(("127.0.0.1", int(sys.argv[1])))
            t.connect(username=sys.argv[2], pkey=paramiko.Ed25519Key.from_private_key_file(sys.argv[3]))
            s = paramiko.SFTPClient.from_transport(t)
            try:
                s.utime("existing.txt", (1000000000, 1000000000)); print("changed")
            except IOError as e:
                print("refused", e.errno)
            """;
        var script = Path.Combine(local, "utime.py");
        await File.WriteAllTextAsync(script, py);
        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var ua = await ProcessRunner.RunAsync(python, [script, f.Port.ToString(), "permall", TestKeys.Instance.UserKeyPath("ed25519")]);
        var uf = await ProcessRunner.RunAsync(python, [script, f.Port.ToString(), "permfew", TestKeys.Instance.UserKeyPath("ed25519")]);
        Assert.Equal("changed", ua.StdOut.Trim());
        Assert.StartsWith("refused", uf.StdOut.Trim());
        Assert.Equal(1000000000, new DateTimeOffset(File.GetLastWriteTimeUtc(Path.Combine(all, "existing.txt"))).ToUnixTimeSeconds());
    }

    [Fact]
    public async Task FilesBelongToTheUsersUidAndGidWhenRunningAsRoot()
    {
        Assert.True(Environment.IsPrivilegedProcess, "the interop tests run as root (CI does)");
        var home = await f.AddUserAsync("owned", "--public-key", Pub(), "--uid", "4242", "--gid", "4343");
        var local = Local("owned");
        await File.WriteAllTextAsync(Path.Combine(local, "o.txt"), "owned");
        var r = await OpenSsh.SftpBatchAsync(f.Port, "owned", ["put o.txt", "mkdir d"], workingDirectory: local);
        Assert.True(r.ExitCode == 0, r.StdErr);
        foreach (var path in new[] { home, Path.Combine(home, "o.txt"), Path.Combine(home, "d") })
        {
            var stat = await ProcessRunner.RunAsync("stat", ["-c", "%u:%g", path]);
            Assert.Equal("4242:4343", stat.StdOut.Trim());
        }
    }

    [Fact]
    public async Task LoginBannerFromTheConfiguredFileIsShownBeforeAuthentication()
    {
        await f.AddUserAsync("bannered", "--password", "pw");
        var py = """
            import paramiko, sys
            t = paramiko.Transport(("127.0.0.1", int(sys.argv[1])))
            t.connect(username="bannered", password="pw")
            print(repr(t.get_banner()))
            print(t.remote_version)
            """;
        var script = Path.Combine(Local("banner"), "banner.py");
        await File.WriteAllTextAsync(script, py);
        var r = await ProcessRunner.RunAsync(Python, [script, f.Port.ToString()]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("Welcome to the Wharf test server", r.StdOut);
        Assert.Contains("SSH-2.0-Wharf_", r.StdOut); // sftpd.banner: the software version
    }

    [Fact]
    public async Task RsyncAndGitThroughServe()
    {
        // System commands never run as root: the user has a uid of its own.
        var home = await f.AddUserAsync("sync", "--public-key", Pub(), "--uid", "2101", "--gid", "2101");
        var local = Local("sync");
        var src = Path.Combine(local, "src");
        Directory.CreateDirectory(Path.Combine(src, "d"));
        await File.WriteAllBytesAsync(Path.Combine(src, "a.bin"), RandomNumberGenerator.GetBytes(200_000));
        await File.WriteAllTextAsync(Path.Combine(src, "d", "b.txt"), "one");
        string ssh = $"ssh -F /dev/null -p {f.Port} -i {TestKeys.Instance.UserKeyPath("ed25519")} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR";
        var up = await ProcessRunner.RunAsync("rsync", ["-a", "-e", ssh, src + "/", "sync@127.0.0.1:dest/"]);
        Assert.True(up.ExitCode == 0, up.StdErr);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(src, "a.bin")), await File.ReadAllBytesAsync(Path.Combine(home, "dest", "a.bin")));

        await File.WriteAllTextAsync(Path.Combine(src, "d", "b.txt"), "two!");
        var again = await ProcessRunner.RunAsync("rsync", ["-a", "-i", "-e", ssh, src + "/", "sync@127.0.0.1:dest/"]);
        Assert.True(again.ExitCode == 0, again.StdErr);
        var changed = again.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('<')).ToList();
        Assert.Equal(["d/b.txt"], changed.Select(l => l.Split(' ', 2)[1]));

        var down = await ProcessRunner.RunAsync("rsync", ["-a", "-e", ssh, "sync@127.0.0.1:dest/", Path.Combine(local, "back") + "/"]);
        Assert.True(down.ExitCode == 0, down.StdErr);
        Assert.Equal("two!", await File.ReadAllTextAsync(Path.Combine(local, "back", "d", "b.txt")));

        // The quota was rescanned after the system command: the database has the real usage.
        var show = await f.UserAsync("show", "--username", "sync");
        using (var doc = JsonDocument.Parse(show.StdOut))
        {
            Assert.Equal(200_004, doc.RootElement.GetProperty("used_quota_size").GetInt64());
            Assert.Equal(2, doc.RootElement.GetProperty("used_quota_files").GetInt32());
        }

        var git = (string[] a, string? cwd) => ProcessRunner.RunAsync("/bin/sh", ["-c", "cd \"$0\" && exec git \"$@\"", cwd ?? local, .. a],
            env: new Dictionary<string, string> { ["GIT_SSH_COMMAND"] = ssh, ["GIT_AUTHOR_NAME"] = "t", ["GIT_AUTHOR_EMAIL"] = "t@example.com", ["GIT_COMMITTER_NAME"] = "t", ["GIT_COMMITTER_EMAIL"] = "t@example.com" });
        Assert.Equal(0, (await git(["init", "-q", "--bare", Path.Combine(home, "repo.git")], null)).ExitCode);
        Assert.Equal(0, (await ProcessRunner.RunAsync("chown", ["-R", "2101:2101", Path.Combine(home, "repo.git")])).ExitCode);
        var clone = await git(["clone", "-q", $"ssh://sync@127.0.0.1:{f.Port}/repo.git", "work"], null);
        Assert.True(clone.ExitCode == 0, clone.StdErr);
        var work = Path.Combine(local, "work");
        await File.WriteAllTextAsync(Path.Combine(work, "README"), "pushed through wharf");
        Assert.Equal(0, (await git(["add", "README"], work)).ExitCode);
        Assert.Equal(0, (await git(["commit", "-q", "-m", "first"], work)).ExitCode);
        var push = await git(["push", "-q", "origin", "HEAD:master"], work);
        Assert.True(push.ExitCode == 0, push.StdErr);
        var log = await git(["--git-dir", Path.Combine(home, "repo.git"), "log", "--format=%s", "master"], null);
        Assert.Equal("first", log.StdOut.Trim());
    }

    [Fact]
    public async Task SystemCommandAttacksPreparedOverSftpFail()
    {
        // Issue 13, items 1-3, as the attacker ran them: files written over SFTP, then rsync and git.
        var home = await f.AddUserAsync("eve", "--public-key", Pub(), "--uid", "2102", "--gid", "2102");
        var bobRepo = Path.Combine(f.Dir, "bob", "repo.git");
        Assert.Equal(0, (await ProcessRunner.RunAsync("git", ["init", "-q", "--bare", bobRepo])).ExitCode);
        var local = Local("eve");
        var seed = Path.Combine(local, "seed");
        var env = new Dictionary<string, string> { ["GIT_AUTHOR_NAME"] = "t", ["GIT_AUTHOR_EMAIL"] = "t@example.com", ["GIT_COMMITTER_NAME"] = "t", ["GIT_COMMITTER_EMAIL"] = "t@example.com" };
        Assert.Equal(0, (await ProcessRunner.RunAsync("git", ["init", "-q", "-b", "master", seed])).ExitCode);
        await File.WriteAllTextAsync(Path.Combine(seed, "f"), "x");
        Assert.Equal(0, (await ProcessRunner.RunAsync("git", ["-C", seed, "add", "f"], env: env)).ExitCode);
        Assert.Equal(0, (await ProcessRunner.RunAsync("git", ["-C", seed, "commit", "-q", "-m", "m"], env: env)).ExitCode);
        Assert.Equal(0, (await ProcessRunner.RunAsync("git", ["clone", "-q", "--bare", seed, Path.Combine(local, "x.git")])).ExitCode);
        var marker = Path.Combine(f.Dir, "rce.txt");
        await File.AppendAllTextAsync(Path.Combine(local, "x.git", "config"), $"[tar \"tgz\"]\n\tcommand = \"echo pwned-$(id -u) > {marker}; gzip -cn\"\n");
        Directory.CreateDirectory(Path.Combine(local, "g1"));
        await File.WriteAllTextAsync(Path.Combine(local, "g1", ".git"), $"gitdir: {bobRepo}\n");

        var r = await OpenSsh.SftpBatchAsync(f.Port, "eve",
        [
            "mkdir p1", "mkdir p1/p2", "mkdir p1/p2/p3", "mkdir p1/p2/p3/p4", "mkdir p1/p2/p3/p4/p5", "mkdir p1/p2/p3/p4/p5/p6",
            "symlink ../../../../../etc p1/p2/p3/p4/p5/p6/etc", "rename p1/p2/p3/p4/p5/p6 p6",
            "put -r x.git", "mkdir g1", "put g1/.git g1/.git",
        ], workingDirectory: local);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal("../../../../../etc", new FileInfo(Path.Combine(home, "p6", "etc")).LinkTarget);

        string ssh = $"ssh -F /dev/null -p {f.Port} -i {TestKeys.Instance.UserKeyPath("ed25519")} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR";
        var list = Path.Combine(local, "list");
        await File.WriteAllTextAsync(list, "p6/etc/shadow\np6/etc/passwd\n");
        var dl = Path.Combine(local, "dl");
        var rsync = await ProcessRunner.RunAsync("rsync", ["-e", ssh, "--no-implied-dirs", "--files-from=" + list, "eve@127.0.0.1:/", dl + "/"]);
        Assert.NotEqual(0, rsync.ExitCode);
        Assert.False(File.Exists(Path.Combine(dl, "p6", "etc", "shadow")));
        Assert.False(File.Exists(Path.Combine(dl, "p6", "etc", "passwd")));

        // The same moved link through every other protocol: SFTP, scp -O and the hash commands all refuse it.
        var sftpGet = await OpenSsh.SftpBatchAsync(f.Port, "eve", ["get p6/etc/passwd sftp-passwd"], workingDirectory: local);
        Assert.False(File.Exists(Path.Combine(local, "sftp-passwd")), sftpGet.StdOut);
        var scp = await ProcessRunner.RunAsync("scp", ["-O", "-P", f.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", TestKeys.Instance.UserKeyPath("ed25519"),
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "eve@127.0.0.1:p6/etc/passwd", Path.Combine(local, "scp-passwd")]);
        Assert.NotEqual(0, scp.ExitCode);
        Assert.False(File.Exists(Path.Combine(local, "scp-passwd")));
        var hash = await OpenSsh.RunAsync(f.Port, "eve", "sha256sum p6/etc/passwd");
        Assert.NotEqual(0, hash.ExitCode);
        Assert.DoesNotContain("p6/etc/passwd", hash.StdOut);

        var gitEnv = new Dictionary<string, string> { ["GIT_SSH_COMMAND"] = ssh };
        var archive = await ProcessRunner.RunAsync("git", ["archive", $"--remote=ssh://eve@127.0.0.1:{f.Port}/x.git", "--format=tgz", "-o", Path.Combine(local, "a.tgz"), "master"], env: gitEnv);
        Assert.NotEqual(0, archive.ExitCode);
        Assert.Contains("tar.tgz.command", archive.StdErr);
        Assert.False(File.Exists(marker));

        var clone = await ProcessRunner.RunAsync("git", ["clone", "-q", $"ssh://eve@127.0.0.1:{f.Port}/g1", Path.Combine(local, "stolen")], env: gitEnv);
        Assert.NotEqual(0, clone.ExitCode);
        Assert.Contains("gitfile", clone.StdErr);
    }

    [Fact]
    public async Task SshCommandsRunInTheHome()
    {
        var home = await f.AddUserAsync("cmd", "--public-key", Pub());
        Directory.CreateDirectory(home);
        await File.WriteAllTextAsync(Path.Combine(home, "f.txt"), "content");
        var r = await OpenSsh.RunAsync(f.Port, "cmd", "sha256sum f.txt");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData("content"u8))}  f.txt\n", r.StdOut);
    }

    /// <summary>
    /// A home for the link attacks: /ro (list, download), /nodl (list), everything else allowed;
    /// the user itself makes /lnk_ro and /lnk_nodl, symlinks to them, over SFTP.
    /// </summary>
    private async Task<string> LinkedHomeAsync(string user, params string[] extraPermissions)
    {
        var home = await f.AddUserAsync(user, ["--public-key", Pub(), "--permissions", "/:*", "--permissions", "/ro:list,download", "--permissions", "/nodl:list", .. extraPermissions]);
        Directory.CreateDirectory(Path.Combine(home, "ro", "sub"));
        Directory.CreateDirectory(Path.Combine(home, "nodl"));
        await File.WriteAllTextAsync(Path.Combine(home, "ro", "file.txt"), "read only");
        await File.WriteAllTextAsync(Path.Combine(home, "nodl", "secret.txt"), "secret");
        await File.WriteAllTextAsync(Path.Combine(home, "mine.txt"), "mine");
        var r = await OpenSsh.SftpBatchAsync(f.Port, user, ["symlink /ro /lnk_ro", "symlink /nodl /lnk_nodl"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("ro", new FileInfo(Path.Combine(home, "lnk_ro")).LinkTarget);
        return home;
    }

    private static UnixFileMode Mode(string path) => File.GetUnixFileMode(path);

    [Fact]
    public async Task SftpThroughASymlinkedDirectoryHasThatDirectorysPermissions()
    {
        var home = await LinkedHomeAsync("lnksftp");
        var mode = Mode(Path.Combine(home, "ro", "file.txt"));
        var local = Local("lnksftp");
        await File.WriteAllTextAsync(Path.Combine(local, "up.txt"), "attacker");
        var r = await OpenSsh.SftpBatchAsync(f.Port, "lnksftp",
            [
                "-put up.txt /lnk_ro/up.txt", "-put up.txt /lnk_ro/file.txt", "-rm /lnk_ro/file.txt", "-rmdir /lnk_ro/sub",
                "-rename /lnk_ro/file.txt /stolen.txt", "-rename /mine.txt /lnk_ro/mine.txt", "-chmod 600 /lnk_ro/file.txt",
                "-mkdir /lnk_ro/newdir", "-ln -s /mine.txt /lnk_ro/l", "-get /lnk_nodl/secret.txt secret.txt",
                // What the directories do allow still works through the links.
                "get /lnk_ro/file.txt allowed.txt", "ls -1 /lnk_nodl",
            ],
            workingDirectory: local);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("Permission denied", r.StdErr);
        Assert.Equal("read only", await File.ReadAllTextAsync(Path.Combine(home, "ro", "file.txt")));
        Assert.Equal(mode, Mode(Path.Combine(home, "ro", "file.txt")));
        Assert.True(Directory.Exists(Path.Combine(home, "ro", "sub")));
        Assert.Equal(["file.txt", "sub"], Directory.GetFileSystemEntries(Path.Combine(home, "ro")).Select(Path.GetFileName).Order());
        Assert.False(File.Exists(Path.Combine(home, "stolen.txt")));
        Assert.True(File.Exists(Path.Combine(home, "mine.txt")));
        Assert.False(File.Exists(Path.Combine(local, "secret.txt")));
        Assert.Equal("read only", await File.ReadAllTextAsync(Path.Combine(local, "allowed.txt")));
        Assert.Contains("secret.txt", r.StdOut);
    }

    [Fact]
    public async Task SftpExtensionsThroughLinksGrantNothing()
    {
        // hardlink@openssh.com, copy-data, check-file-name and a truncating setstat, through paramiko.
        var home = await LinkedHomeAsync("lnkext");
        var r = await ProcessRunner.RunAsync(Python,
            [
                Path.Combine(AppContext.BaseDirectory, "scripts", "paramiko_links.py"), f.Port.ToString(), "lnkext", TestKeys.Instance.UserKeyPath("ed25519"),
                "truncate:/lnk_ro/file.txt", "hardlink:/nodl/secret.txt:/hl.txt", "hardlink:/ro/file.txt:/hl2.txt",
                "hardlink:/lnk_nodl/secret.txt:/hl3.txt", "copydata:/lnk_nodl/secret.txt:/copy.txt", "checkfile:/lnk_nodl/secret.txt",
                "hardlink:/mine.txt:/mine2.txt", "checkfile:/lnk_ro/file.txt",
            ]);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal(
            ["refused truncate 13", "refused hardlink 13", "refused hardlink 13", "refused hardlink 13", "refused copydata 13", "refused checkfile 13", "ok hardlink", "ok checkfile"],
            r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal("read only", await File.ReadAllTextAsync(Path.Combine(home, "ro", "file.txt")));
        // No hl*.txt and no copy.txt: nothing was linked or copied out of /ro and /nodl.
        Assert.Equal(["lnk_nodl", "lnk_ro", "mine.txt", "mine2.txt", "nodl", "ro"], Directory.GetFileSystemEntries(home).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task ScpThroughASymlinkedDirectoryHasThatDirectorysPermissions()
    {
        var home = await LinkedHomeAsync("lnkscp");
        var local = Local("lnkscp");
        await File.WriteAllTextAsync(Path.Combine(local, "up.txt"), "attacker");
        Directory.CreateDirectory(Path.Combine(local, "tree"));
        await File.WriteAllTextAsync(Path.Combine(local, "tree", "t.txt"), "tree");
        string remote = "lnkscp@127.0.0.1:";
        var up = await ScpAsync(local, "up.txt", remote + "/lnk_ro");
        var upTree = await ScpAsync(local, "-r", "tree", remote + "/lnk_ro");
        var down = await ScpAsync(local, remote + "/lnk_nodl/secret.txt", "secret.txt");
        var downTree = await ScpAsync(local, "-r", remote + "/lnk_nodl", "nodl-copy");
        var allowed = await ScpAsync(local, remote + "/lnk_ro/file.txt", "allowed.txt");

        Assert.NotEqual(0, up.ExitCode);
        Assert.NotEqual(0, upTree.ExitCode);
        Assert.NotEqual(0, down.ExitCode);
        Assert.NotEqual(0, downTree.ExitCode);
        Assert.Contains("Permission denied", up.StdErr + upTree.StdErr + down.StdErr + downTree.StdErr);
        Assert.Equal(["file.txt", "sub"], Directory.GetFileSystemEntries(Path.Combine(home, "ro")).Select(Path.GetFileName).Order());
        Assert.False(File.Exists(Path.Combine(local, "secret.txt")));
        Assert.False(File.Exists(Path.Combine(local, "nodl-copy", "secret.txt")));
        Assert.True(allowed.ExitCode == 0, allowed.StdErr);
        Assert.Equal("read only", await File.ReadAllTextAsync(Path.Combine(local, "allowed.txt")));
    }

    [Fact]
    public async Task HashCommandsThroughASymlinkNeedDownloadWhereTheFileIs()
    {
        await LinkedHomeAsync("lnkhash");
        var r = await OpenSsh.RunAsync(f.Port, "lnkhash", "sha256sum /lnk_ro/file.txt /lnk_nodl/secret.txt");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData("read only"u8))}  /lnk_ro/file.txt\n", r.StdOut);
        Assert.Contains("sha256sum: /lnk_nodl/secret.txt: Permission denied", r.StdErr);
    }

    [Fact]
    public async Task DirectoryRenamesThatWouldMoveFilesToOtherPermissionsAreRefused()
    {
        var home = await LinkedHomeAsync("lnkren", "--permissions", "/a/ro:list,download");
        Directory.CreateDirectory(Path.Combine(home, "a", "ro"));
        await File.WriteAllTextAsync(Path.Combine(home, "a", "ro", "file.txt"), "read only too");
        Directory.CreateDirectory(Path.Combine(home, "plain"));
        var r = await OpenSsh.SftpBatchAsync(f.Port, "lnkren", ["-rename /ro /ro2", "-rename /a /b", "-rename /lnk_ro/sub /sub", "rename /plain /plain2"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("Permission denied", r.StdErr);
        Assert.True(File.Exists(Path.Combine(home, "ro", "file.txt")));
        Assert.True(File.Exists(Path.Combine(home, "a", "ro", "file.txt")));
        Assert.True(Directory.Exists(Path.Combine(home, "ro", "sub")));
        Assert.False(Directory.Exists(Path.Combine(home, "ro2")) || Directory.Exists(Path.Combine(home, "b")));
        Assert.True(Directory.Exists(Path.Combine(home, "plain2")));
    }

    [Fact]
    public async Task PosixRenameOverAnExistingFileNeedsOverwrite()
    {
        var home = await f.AddUserAsync("noover", "--public-key", Pub(), "--permissions", "/:list,download,upload,rename");
        Directory.CreateDirectory(home);
        await File.WriteAllTextAsync(Path.Combine(home, "existing.txt"), "old");
        var local = Local("noover");
        await File.WriteAllTextAsync(Path.Combine(local, "new.txt"), "new");
        // OpenSSH's rename is posix-rename@openssh.com, which replaces an existing target.
        var r = await OpenSsh.SftpBatchAsync(f.Port, "noover", ["put new.txt", "-rename new.txt existing.txt", "rename new.txt fresh.txt"], workingDirectory: local);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("Permission denied", r.StdErr);
        Assert.Equal("old", await File.ReadAllTextAsync(Path.Combine(home, "existing.txt")));
        Assert.Equal("new", await File.ReadAllTextAsync(Path.Combine(home, "fresh.txt")));
    }

    /// <summary>OpenSSH scp with the legacy protocol (-O, served by Wharf's scp command), run in <paramref name="local"/>.</summary>
    private Task<ProcessRunner.Result> ScpAsync(string local, params string[] args)
    {
        var sh = new List<string>
        {
            "-c", "cd \"$0\" && exec scp \"$@\"", local,
            "-O", "-F", "/dev/null", "-P", f.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes",
            "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-i", TestKeys.Instance.UserKeyPath("ed25519"),
        };
        sh.AddRange(args);
        return ProcessRunner.RunAsync("/bin/sh", sh, env: new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = "" }, timeout: TimeSpan.FromSeconds(120));
    }
}

/// <summary>Servers with their own configuration: atomic uploads under kill -9, and PostgreSQL.</summary>
public sealed class ServeProcessTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "wharf-servep-" + Guid.NewGuid().ToString("N")[..8]);

    public ServeProcessTests() => Directory.CreateDirectory(Path.Combine(_dir, "config"));

    public void Dispose() => Directory.Delete(_dir, true);

    private string ConfigDir => Path.Combine(_dir, "config");

    [Fact]
    public async Task KillDashNineMidUploadInAtomicModeLeavesNoPartialFile()
    {
        await File.WriteAllTextAsync(Path.Combine(ConfigDir, "wharf.yaml"), "sftpd:\n  bind_address: 127.0.0.1\n  upload_mode: 1\n");
        var home = Path.Combine(_dir, "home");
        var add = await ServeFixture.UserAsync(ConfigDir, "add", "--username", "atomic", "--home-dir", home,
            "--public-key", File.ReadAllText(TestKeys.Instance.UserKeyPath("ed25519") + ".pub").Trim(), "--upload-bandwidth", "256");
        Assert.True(add.ExitCode == 0, add.StdErr);
        var (server, port) = await ServeFixture.StartServeAsync(ConfigDir, new Dictionary<string, string> { ["WHARF_SFTPD__BIND_PORT"] = "0" });
        try
        {
            var local = Path.Combine(_dir, "local");
            Directory.CreateDirectory(local);
            await File.WriteAllBytesAsync(Path.Combine(local, "big.bin"), RandomNumberGenerator.GetBytes(8 * 1024 * 1024));
            var upload = OpenSsh.SftpBatchAsync(port, "atomic", ["put big.bin"], workingDirectory: local);
            // Wait until bytes are flowing into the temporary file, then kill the server outright.
            for (int i = 0; i < 100 && !(Directory.Exists(home) && Directory.EnumerateFiles(home, "*", new EnumerationOptions { AttributesToSkip = 0 }).Any(p => new FileInfo(p).Length > 100_000)); i++)
            {
                await Task.Delay(100);
            }

            var kill = await ProcessRunner.RunAsync("kill", ["-9", server.Id.ToString()]);
            Assert.Equal(0, kill.ExitCode);
            var r = await upload;
            Assert.NotEqual(0, r.ExitCode);
            Assert.False(File.Exists(Path.Combine(home, "big.bin")), "a partial file is visible at the target");
            Assert.NotEmpty(Directory.EnumerateFiles(home, "*", new EnumerationOptions { AttributesToSkip = 0 })); // the upload had started
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill();
            }

            server.Dispose();
        }
    }

    [Fact]
    public async Task ServesUsersFromPostgreSql()
    {
        var pg = await ProcessRunner.RunAsync("bash", [Path.Combine(ServeFixture.RepoRoot(), "scripts", "start-postgres.sh")], timeout: TimeSpan.FromMinutes(5));
        Assert.True(pg.ExitCode == 0, pg.StdErr);
        string database = "wharf_serve_" + Guid.NewGuid().ToString("N")[..8];
        var create = await ProcessRunner.RunAsync("psql", ["-h", "127.0.0.1", "-p", "5433", "-U", "wharf", "-d", "wharf_test", "-c", $"CREATE DATABASE {database}"],
            env: new Dictionary<string, string> { ["PGPASSWORD"] = "wharf" });
        Assert.True(create.ExitCode == 0, create.StdErr);
        await File.WriteAllTextAsync(Path.Combine(ConfigDir, "wharf.json"), $$"""
            { "sftpd": { "bind_address": "127.0.0.1" },
              "data_provider": { "driver": "postgresql", "host": "127.0.0.1", "port": 5433, "username": "wharf", "password": "wharf", "name": "{{database}}" } }
            """);
        var home = Path.Combine(_dir, "pg-home");
        var add = await ServeFixture.UserAsync(ConfigDir, "add", "--username", "pguser", "--home-dir", home, "--password", "pg-pw");
        Assert.True(add.ExitCode == 0, add.StdErr);
        // Two nodes on the same database.
        var (a, portA) = await ServeFixture.StartServeAsync(ConfigDir, new Dictionary<string, string> { ["WHARF_SFTPD__BIND_PORT"] = "0" });
        var (b, portB) = await ServeFixture.StartServeAsync(ConfigDir, new Dictionary<string, string> { ["WHARF_SFTPD__BIND_PORT"] = "0" });
        try
        {
            string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
            var script2 = Path.Combine(AppContext.BaseDirectory, "scripts", "paramiko_sftp.py");
            foreach (var port in new[] { portA, portB })
            {
                var r = await ProcessRunner.RunAsync(python, [script2, port.ToString(), "pguser", "pg-pw", "roundtrip", "5000"]);
                Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
            }

            var show = await ServeFixture.UserAsync(ConfigDir, "show", "--username", "pguser");
            using var doc = JsonDocument.Parse(show.StdOut);
            Assert.True(doc.RootElement.GetProperty("last_login").GetInt64() > 0);
            Assert.Equal(5000, doc.RootElement.GetProperty("used_quota_size").GetInt64()); // the same file uploaded twice: one file's size
        }
        finally
        {
            a.Kill();
            b.Kill();
            a.Dispose();
            b.Dispose();
        }
    }
}

public sealed class ServeConfigurationErrorTests
{
    [Theory]
    [InlineData("data_provider:\n  driver: mongodb\n", "data_provider.driver")]
    [InlineData("sftpd:\n  bind_port: 70000\n", "sftpd.bind_port")]
    [InlineData("sftpd:\n  ciphers: [rot13]\n", "sftpd.ciphers")]
    [InlineData("sftpd:\n  keys:\n    - private_key: missing_key\n", "sftpd.keys")]
    [InlineData("sftpd: [unbalanced\n", "wharf.yaml")]
    public async Task BadConfigurationStopsWithOneLineNamingTheOption(string yaml, string option)
    {
        var dir = Path.Combine(Path.GetTempPath(), "wharf-badcfg-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "wharf.yaml"), yaml);
            var r = await ProcessRunner.RunAsync("dotnet", [ServeFixture.WharfDll(), "serve", "--config-dir", dir], timeout: TimeSpan.FromSeconds(60));
            Assert.NotEqual(0, r.ExitCode);
            Assert.Single(r.StdErr.Trim().Split('\n'));
            Assert.Contains(option, r.StdErr);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
