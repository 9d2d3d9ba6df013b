using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Wharf.Interop.Tests;

/// <summary>The real `wharf portable` executable, driven as a user would.</summary>
public sealed partial class PortableTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "wharf-portable-" + Guid.NewGuid().ToString("N")[..8]);

    public PortableTests() => Directory.CreateDirectory(Path.Combine(_dir, "served"));

    public void Dispose() => Directory.Delete(_dir, true);

    private Task<PortableProcess> StartAsync(params string[] args) => PortableProcess.StartAsync(Path.Combine(_dir, "config"), args);

    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    private static string Script => Path.Combine(AppContext.BaseDirectory, "scripts", "paramiko_sftp.py");

    [Fact]
    public async Task ServesADirectoryWithPasswordAndAllPermissions()
    {
        await using var w = await StartAsync("-d", Path.Combine(_dir, "served"), "-s", "0", "-u", "u", "-p", "secret", "-g", "*", "--listen-address", "127.0.0.1");
        Assert.Contains("username: u", w.Output);
        var r = await ProcessRunner.RunAsync(Python, [Script, w.Port.ToString(), "u", "secret", "roundtrip", "0", "70000"]);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal(70000, new FileInfo(Path.Combine(_dir, "served", "rt-70000.bin")).Length);
    }

    [Fact]
    public async Task KeyboardInteractiveAsksForThePasswordAndItsFailuresCount()
    {
        await using var w = await StartAsync("-d", Path.Combine(_dir, "served"), "-u", "u", "-p", "secret", "--listen-address", "127.0.0.1");
        var ok = await OpenSsh.RunAsync(w.Port, "u", "pwd", ["PreferredAuthentications=keyboard-interactive"], password: "secret");
        Assert.True(ok.ExitCode == 0, ok.StdErr);
        Assert.Equal("/\n", ok.StdOut);

        // 3 keyboard-interactive + 3 password failures reach the default limit of 6 attempts.
        var wrong = await OpenSsh.RunAsync(w.Port, "u", "pwd",
            ["PreferredAuthentications=keyboard-interactive,password", "NumberOfPasswordPrompts=3"], password: "wrong");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("Too many authentication failures", wrong.StdErr);
        var user = await OpenSsh.RunAsync(w.Port, "someone-else", "pwd", ["PreferredAuthentications=keyboard-interactive"], password: "secret");
        Assert.NotEqual(0, user.ExitCode);
        Assert.Contains("Permission denied", user.StdErr);
    }

    [Fact]
    public async Task KeyOnlyPortableDoesNotOfferKeyboardInteractive()
    {
        var pub = (await File.ReadAllTextAsync(TestKeys.Instance.UserKeyPath("ed25519") + ".pub")).Trim();
        await using var w = await StartAsync("-d", Path.Combine(_dir, "served"), "-u", "keyuser", "-k", pub, "--listen-address", "127.0.0.1");
        var r = await OpenSsh.RunAsync(w.Port, "keyuser", "pwd", ["PreferredAuthentications=keyboard-interactive"], password: "anything");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Permission denied (publickey,password)", r.StdErr);
    }

    [Fact]
    public async Task OpenSshSftpWithAPublicKey()
    {
        var pub = (await File.ReadAllTextAsync(TestKeys.Instance.UserKeyPath("ed25519") + ".pub")).Trim();
        await using var w = await StartAsync("-d", Path.Combine(_dir, "served"), "-u", "keyuser", "-k", pub, "-g", "*", "--listen-address", "127.0.0.1");
        Assert.DoesNotContain("password:", w.Output);
        var data = RandomNumberGenerator.GetBytes(123_457);
        await File.WriteAllBytesAsync(Path.Combine(_dir, "up.bin"), data);
        var r = await OpenSsh.SftpBatchAsync(w.Port, "keyuser", ["put up.bin", "get up.bin down.bin"], workingDirectory: _dir);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_dir, "served", "up.bin")));
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(_dir, "down.bin")));
    }

    [Fact]
    public async Task DefaultPermissionsAllowListAndDownloadOnly()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "served", "readme.txt"), "read me");
        var pub = (await File.ReadAllTextAsync(TestKeys.Instance.UserKeyPath("ed25519") + ".pub")).Trim();
        await using var w = await StartAsync("-d", Path.Combine(_dir, "served"), "-u", "ro", "-k", pub, "--listen-address", "127.0.0.1");
        await File.WriteAllTextAsync(Path.Combine(_dir, "new.txt"), "new");
        var r = await OpenSsh.SftpBatchAsync(w.Port, "ro", ["ls", "get readme.txt got.txt", "-put new.txt", "-mkdir d", "-rm readme.txt"], workingDirectory: _dir);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("readme.txt", r.StdOut);
        Assert.Equal("read me", await File.ReadAllTextAsync(Path.Combine(_dir, "got.txt")));
        Assert.Contains("Permission denied", r.StdErr);
        Assert.False(File.Exists(Path.Combine(_dir, "served", "new.txt")));
        Assert.False(Directory.Exists(Path.Combine(_dir, "served", "d")));
        Assert.True(File.Exists(Path.Combine(_dir, "served", "readme.txt")));
    }

    [Fact]
    public async Task GeneratesAndPrintsCredentialsAndStopsOnSigterm()
    {
        await using var w = await StartAsync("-d", Path.Combine(_dir, "served"), "--listen-address", "127.0.0.1");
        var user = Regex.Match(w.Output, @"username: (\S+)").Groups[1].Value;
        var password = Regex.Match(w.Output, @"password: (\S+)").Groups[1].Value;
        Assert.StartsWith("user_", user);
        Assert.Equal(16, password.Length);
        var r = await ProcessRunner.RunAsync(Python, [Script, w.Port.ToString(), user, password, "listing", ".", "0"]);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.True(File.Exists(Path.Combine(_dir, "config", "ssh_host_ed25519_key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "config", "ssh_host_ed25519_key")));

        var kill = await ProcessRunner.RunAsync("kill", ["-TERM", w.Process.Id.ToString()]);
        Assert.Equal(0, kill.ExitCode);
        await w.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, w.Process.ExitCode);
    }

    [Fact]
    public async Task HashCommandsMatchCoreutilsByteForByte()
    {
        var served = Path.Combine(_dir, "served");
        await File.WriteAllBytesAsync(Path.Combine(served, "a.bin"), RandomNumberGenerator.GetBytes(300_001));
        await File.WriteAllTextAsync(Path.Combine(served, "back\\slash.txt"), "escaped name");
        Directory.CreateDirectory(Path.Combine(served, "sub"));
        await File.WriteAllTextAsync(Path.Combine(served, "sub", "b.txt"), "b");
        var pub = (await File.ReadAllTextAsync(TestKeys.Instance.UserKeyPath("ed25519") + ".pub")).Trim();
        await using var w = await StartAsync("-d", served, "-u", "h", "-k", pub, "-g", "*", "-c", "*", "--listen-address", "127.0.0.1");
        foreach (var tool in new[] { "md5sum", "sha1sum", "sha256sum", "sha384sum", "sha512sum" })
        {
            string args = "a.bin sub/b.txt 'back\\slash.txt' missing.txt sub";
            var ours = await OpenSsh.RunAsync(w.Port, "h", $"{tool} {args}");
            var theirs = await ProcessRunner.RunAsync("/bin/sh", ["-c", $"cd '{served}' && {tool} {args}"]);
            Assert.Contains("  a.bin\n", theirs.StdOut); // the comparison is not between two empty outputs
            Assert.Contains("missing.txt: No such file or directory", theirs.StdErr);
            Assert.Equal(theirs.StdOut, ours.StdOut);
            Assert.Equal(theirs.StdErr.Trim(), ours.StdErr.Trim());
            Assert.Equal(theirs.ExitCode, ours.ExitCode);
        }

        var stdin = await OpenSsh.RunAsync(w.Port, "h", "sha256sum", stdin: "from stdin"u8.ToArray());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("from stdin"u8)) + "  -\n", stdin.StdOut);
        Assert.Equal("/\n", (await OpenSsh.RunAsync(w.Port, "h", "pwd")).StdOut);
        Assert.Equal(0, (await OpenSsh.RunAsync(w.Port, "h", "cd /sub")).ExitCode);
    }

    [Fact]
    public async Task OnlyEnabledCommandsRun()
    {
        var served = Path.Combine(_dir, "served");
        await File.WriteAllTextAsync(Path.Combine(served, "f.txt"), "f");
        var pub = (await File.ReadAllTextAsync(TestKeys.Instance.UserKeyPath("ed25519") + ".pub")).Trim();
        await using var w = await StartAsync("-d", served, "-u", "h", "-k", pub, "--listen-address", "127.0.0.1");
        Assert.Equal(0, (await OpenSsh.RunAsync(w.Port, "h", "md5sum f.txt")).ExitCode); // a default
        var refused = await OpenSsh.RunAsync(w.Port, "h", "sha256sum f.txt");
        Assert.Equal(127, refused.ExitCode);
        Assert.Contains("'sha256sum' is not enabled", refused.StdErr);
        var shell = await OpenSsh.RunAsync(w.Port, "h", "cat /etc/passwd; id");
        Assert.Equal(127, shell.ExitCode);
        Assert.Empty(shell.StdOut);
    }

    [Fact]
    public async Task HashCommandsObeyPermissionsAndTheRoot()
    {
        var served = Path.Combine(_dir, "served");
        var pub = (await File.ReadAllTextAsync(TestKeys.Instance.UserKeyPath("ed25519") + ".pub")).Trim();
        await File.WriteAllTextAsync(Path.Combine(served, "f.txt"), "f");
        await using var w = await StartAsync("-d", served, "-u", "h", "-k", pub, "-g", "list", "--listen-address", "127.0.0.1");
        var denied = await OpenSsh.RunAsync(w.Port, "h", "md5sum f.txt");
        Assert.Equal(1, denied.ExitCode);
        Assert.Contains("md5sum: f.txt: Permission denied", denied.StdErr);
        var escape = await OpenSsh.RunAsync(w.Port, "h", "md5sum ../../../../etc/passwd /etc/passwd");
        Assert.Equal(1, escape.ExitCode);
        Assert.DoesNotContain(Convert.ToHexStringLower(MD5.HashData(await File.ReadAllBytesAsync("/etc/passwd"))), escape.StdOut);
    }

    [Fact]
    public async Task RcloneCheckAndHashesAgainstAWharfRemote()
    {
        var served = Path.Combine(_dir, "served");
        var local = Path.Combine(_dir, "rclone-local");
        Directory.CreateDirectory(Path.Combine(local, "sub"));
        await File.WriteAllBytesAsync(Path.Combine(local, "a.bin"), RandomNumberGenerator.GetBytes(300_000));
        await File.WriteAllTextAsync(Path.Combine(local, "sub", "b.txt"), "rclone");
        var pub = (await File.ReadAllTextAsync(TestKeys.Instance.UserKeyPath("ed25519") + ".pub")).Trim();
        await using var w = await StartAsync("-d", served, "-u", "rc", "-k", pub, "-g", "*", "-c", "*", "--listen-address", "127.0.0.1");
        // The remote is configured through the environment; the hash commands are named so that
        // rclone does not race its own detection on first use.
        var env = new Dictionary<string, string>
        {
            ["RCLONE_CONFIG"] = Path.Combine(_dir, "rclone.conf"),
            ["RCLONE_CONFIG_W_TYPE"] = "sftp",
            ["RCLONE_CONFIG_W_HOST"] = "127.0.0.1",
            ["RCLONE_CONFIG_W_PORT"] = w.Port.ToString(),
            ["RCLONE_CONFIG_W_USER"] = "rc",
            ["RCLONE_CONFIG_W_KEY_FILE"] = TestKeys.Instance.UserKeyPath("ed25519"),
            ["RCLONE_CONFIG_W_SHELL_TYPE"] = "unix",
            ["RCLONE_CONFIG_W_MD5SUM_COMMAND"] = "md5sum",
            ["RCLONE_CONFIG_W_SHA1SUM_COMMAND"] = "sha1sum",
        };
        var copy = await ProcessRunner.RunAsync("rclone", ["copy", local, "W:"], env: env);
        Assert.True(copy.ExitCode == 0, copy.StdErr);
        var check = await ProcessRunner.RunAsync("rclone", ["check", local, "W:"], env: env);
        Assert.True(check.ExitCode == 0, check.StdErr);
        Assert.Contains("0 differences found", check.StdErr);
        Assert.Contains("2 matching files", check.StdErr);

        var remote = await ProcessRunner.RunAsync("rclone", ["md5sum", "W:"], env: env);
        Assert.True(remote.ExitCode == 0, remote.StdErr);
        var expected = await ProcessRunner.RunAsync("/bin/sh", ["-c", $"cd '{local}' && md5sum a.bin sub/b.txt"]);
        Assert.Equal(expected.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(), remote.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());

        // A changed file is found by check.
        await File.WriteAllTextAsync(Path.Combine(served, "sub", "b.txt"), "changed");
        var differ = await ProcessRunner.RunAsync("rclone", ["check", local, "W:"], env: env);
        Assert.NotEqual(0, differ.ExitCode);
        Assert.Contains("1 differences found", differ.StdErr);
    }

    [Fact]
    public async Task BadDirectoryStopsWithOneLine()
    {
        var r = await ProcessRunner.RunAsync("dotnet", [ServeFixture.WharfDll(), "portable", "-d", Path.Combine(_dir, "nope")]);
        Assert.Equal(2, r.ExitCode);
        Assert.Single(r.StdErr.Trim().Split('\n'));
        Assert.Contains("--directory", r.StdErr);
    }

    [Fact]
    public async Task UnknownPermissionStopsWithOneLine()
    {
        var r = await ProcessRunner.RunAsync("dotnet", [ServeFixture.WharfDll(), "portable", "-d", _dir, "-g", "list,teleport"]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("teleport", r.StdErr);
    }
}
