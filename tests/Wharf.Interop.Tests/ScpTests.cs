using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Wharf.Interop.Tests;

/// <summary>OpenSSH's scp (legacy -O and SFTP mode) against the real `wharf portable`.</summary>
public sealed partial class ScpTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "wharf-scp-" + Guid.NewGuid().ToString("N")[..8]);

    public ScpTests()
    {
        Directory.CreateDirectory(Served);
        Directory.CreateDirectory(Local);
    }

    private string Served => Path.Combine(_dir, "served");

    private string Local => Path.Combine(_dir, "local");

    public void Dispose() => Directory.Delete(_dir, true);

    private sealed class Running(Process process, int port) : IAsyncDisposable
    {
        public int Port { get; } = port;

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
    }

    /// <summary>As PortableTests: starts wharf portable with key login for "u" and waits for its banner.</summary>
    private async Task<Running> StartAsync(string served, string permissions = "*", string config = "config")
    {
        var pub = (await File.ReadAllTextAsync(TestKeys.Instance.UserKeyPath("ed25519") + ".pub")).Trim();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { ServeFixture.WharfDll(), "portable", "--config-dir", Path.Combine(_dir, config), "-d", served,
            "-u", "u", "-k", pub, "-g", permissions, "-c", "*", "--listen-address", "127.0.0.1" })
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi)!;
        var text = new System.Text.StringBuilder();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (line is null)
            {
                break;
            }

            text.AppendLine(line);
            if (line.StartsWith("  host keys:", StringComparison.Ordinal))
            {
                return new Running(p, int.Parse(PortRegex().Match(text.ToString()).Groups[1].Value));
            }
        }

        throw new InvalidOperationException("wharf portable did not start: " + text + await p.StandardError.ReadToEndAsync());
    }

    [GeneratedRegex(@"over SFTP on [^\s]*:(\d+)")]
    private static partial Regex PortRegex();

    /// <summary>OpenSSH scp run in <see cref="Local"/>, key login, no user configuration.</summary>
    private Task<ProcessRunner.Result> ScpAsync(int port, params string[] args)
    {
        var sh = new List<string>
        {
            "-c", "cd \"$0\" && exec scp \"$@\"", Local,
            "-F", "/dev/null", "-P", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes",
            "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-i", TestKeys.Instance.UserKeyPath("ed25519"),
        };
        sh.AddRange(args);
        return ProcessRunner.RunAsync("/bin/sh", sh, env: new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = "" }, timeout: TimeSpan.FromSeconds(120));
    }

    private static string Sha(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private void MakeTree(string root)
    {
        Directory.CreateDirectory(Path.Combine(root, "tree", "sub", "deeper"));
        File.WriteAllBytes(Path.Combine(root, "tree", "a.bin"), RandomNumberGenerator.GetBytes(300_001));
        File.WriteAllText(Path.Combine(root, "tree", "sub", "b.txt"), "b");
        File.WriteAllBytes(Path.Combine(root, "tree", "sub", "deeper", "empty"), []);
    }

    private static void AssertSameTree(string a, string b)
    {
        var left = Directory.GetFileSystemEntries(a, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(a, p)).Order().ToList();
        var right = Directory.GetFileSystemEntries(b, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(b, p)).Order().ToList();
        Assert.Equal(left, right);
        foreach (var rel in left.Where(r => File.Exists(Path.Combine(a, r))))
        {
            Assert.Equal(Sha(Path.Combine(a, rel)), Sha(Path.Combine(b, rel)));
        }
    }

    [Fact]
    public async Task LegacyUploadAndDownloadOfAFile()
    {
        await using var w = await StartAsync(Served);
        await File.WriteAllBytesAsync(Path.Combine(Local, "up.bin"), RandomNumberGenerator.GetBytes(1_234_567));
        var r = await ScpAsync(w.Port, "-O", "up.bin", "u@127.0.0.1:");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(Sha(Path.Combine(Local, "up.bin")), Sha(Path.Combine(Served, "up.bin")));
        r = await ScpAsync(w.Port, "-O", "u@127.0.0.1:up.bin", "down.bin");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(Sha(Path.Combine(Local, "up.bin")), Sha(Path.Combine(Local, "down.bin")));
    }

    [Fact]
    public async Task LegacyRecursiveBothWays()
    {
        MakeTree(Local);
        await using var w = await StartAsync(Served);
        var r = await ScpAsync(w.Port, "-O", "-r", "tree", "u@127.0.0.1:/");
        Assert.True(r.ExitCode == 0, r.StdErr);
        AssertSameTree(Path.Combine(Local, "tree"), Path.Combine(Served, "tree"));
        r = await ScpAsync(w.Port, "-O", "-r", "u@127.0.0.1:/tree", "back");
        Assert.True(r.ExitCode == 0, r.StdErr);
        AssertSameTree(Path.Combine(Local, "tree"), Path.Combine(Local, "back"));
    }

    [Fact]
    public async Task LegacyPreserveKeepsTimesAndModes()
    {
        var file = Path.Combine(Local, "p.txt");
        await File.WriteAllTextAsync(file, "preserved");
        File.SetUnixFileMode(file, (UnixFileMode)0x1E0); // 0740
        var mtime = new DateTime(2011, 3, 4, 5, 6, 7, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(file, mtime);
        await using var w = await StartAsync(Served);
        var r = await ScpAsync(w.Port, "-O", "-p", "p.txt", "u@127.0.0.1:p.txt");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(mtime, File.GetLastWriteTimeUtc(Path.Combine(Served, "p.txt")));
        Assert.Equal((UnixFileMode)0x1E0, File.GetUnixFileMode(Path.Combine(Served, "p.txt")));

        var other = new DateTime(2012, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(Path.Combine(Served, "p.txt"), other);
        File.SetUnixFileMode(Path.Combine(Served, "p.txt"), (UnixFileMode)0x1A0); // 0640
        r = await ScpAsync(w.Port, "-O", "-p", "u@127.0.0.1:p.txt", "p2.txt");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(other, File.GetLastWriteTimeUtc(Path.Combine(Local, "p2.txt")));
        Assert.Equal((UnixFileMode)0x1A0, File.GetUnixFileMode(Path.Combine(Local, "p2.txt")));
    }

    [Fact]
    public async Task ModernScpOverSftpBothWays()
    {
        await File.WriteAllBytesAsync(Path.Combine(Local, "m.bin"), RandomNumberGenerator.GetBytes(500_000));
        await using var w = await StartAsync(Served);
        var r = await ScpAsync(w.Port, "m.bin", "u@127.0.0.1:m.bin");
        Assert.True(r.ExitCode == 0, r.StdErr);
        r = await ScpAsync(w.Port, "u@127.0.0.1:m.bin", "m2.bin");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(Sha(Path.Combine(Local, "m.bin")), Sha(Path.Combine(Served, "m.bin")));
        Assert.Equal(Sha(Path.Combine(Local, "m.bin")), Sha(Path.Combine(Local, "m2.bin")));
    }

    [Fact]
    public async Task LegacyThirdPartyCopyBetweenTwoServers()
    {
        var second = Path.Combine(_dir, "served2");
        Directory.CreateDirectory(second);
        await File.WriteAllBytesAsync(Path.Combine(Served, "x.bin"), RandomNumberGenerator.GetBytes(700_000));
        await using var a = await StartAsync(Served);
        await using var b = await StartAsync(second, config: "config2");
        // -3 uses one -P for both: give each its port in the URI form instead.
        var r = await ScpAsync(a.Port, "-O", "-3", $"scp://u@127.0.0.1:{a.Port}/x.bin", $"scp://u@127.0.0.1:{b.Port}/y.bin");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(Sha(Path.Combine(Served, "x.bin")), Sha(Path.Combine(second, "y.bin")));
    }

    [Fact]
    public async Task PathsEscapingTheRootCreateNothingOutside()
    {
        var served = Path.Combine(_dir, "a", "b", "served");
        Directory.CreateDirectory(served);
        await File.WriteAllTextAsync(Path.Combine(Local, "file"), "data");
        await using var w = await StartAsync(served);
        var r = await ScpAsync(w.Port, "-O", "file", "u@127.0.0.1:../../x");
        // "../.." is clamped at the user's root, as in SFTP: the file lands inside, never above.
        Assert.False(File.Exists(Path.Combine(_dir, "x")));
        Assert.False(File.Exists(Path.Combine(_dir, "a", "x")));
        Assert.False(File.Exists(Path.Combine(_dir, "a", "b", "x")));
        Assert.True(r.ExitCode != 0 || File.Exists(Path.Combine(served, "x")), r.StdErr);

        r = await ScpAsync(w.Port, "-O", "u@127.0.0.1:/../../etc/passwd", ".");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("No such file or directory", r.StdErr);
        Assert.False(File.Exists(Path.Combine(Local, "passwd")));
    }

    [Fact]
    public async Task AReadOnlyUserCannotUpload()
    {
        await File.WriteAllTextAsync(Path.Combine(Local, "file"), "data");
        await File.WriteAllTextAsync(Path.Combine(Served, "readable"), "readable");
        await using var w = await StartAsync(Served, "list,download");
        var r = await ScpAsync(w.Port, "-O", "file", "u@127.0.0.1:file");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Permission denied", r.StdErr);
        Assert.False(File.Exists(Path.Combine(Served, "file")));
        r = await ScpAsync(w.Port, "-O", "u@127.0.0.1:readable", "got");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("readable", await File.ReadAllTextAsync(Path.Combine(Local, "got")));
    }

    [Fact]
    public async Task AMissingFileFails()
    {
        await using var w = await StartAsync(Served);
        var r = await ScpAsync(w.Port, "-O", "u@127.0.0.1:missing.txt", ".");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("No such file or directory", r.StdErr);
        Assert.False(File.Exists(Path.Combine(Local, "missing.txt")));
    }
}
