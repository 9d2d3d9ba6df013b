using System.Globalization;
using System.Security.Cryptography;

namespace Wharf.Interop.Tests;

/// <summary>PuTTY's command-line tools (Debian's putty-tools: psftp, pscp, plink), never prompting.</summary>
public static class Putty
{
    /// <summary>
    /// Runs <paramref name="tool"/> in batch mode (no prompt ever: an unknown host key or a
    /// question fails instead), with the host key pinned by its fingerprints and a password.
    /// </summary>
    public static Task<ProcessRunner.Result> RunAsync(string tool, int port, string password, IEnumerable<string> hostKeyFingerprints,
        IEnumerable<string> args, byte[]? stdin = null, IEnumerable<string>? savedSettings = null)
    {
        // PuTTY keeps host keys and settings under $HOME/.putty: a fresh HOME each run, so nothing
        // from an earlier run (or the developer's own) is used. Settings with no command-line
        // flag go into a saved session there ("Key=Value" lines), loaded with -load.
        var home = Path.Combine(Path.GetTempPath(), "wharf-putty-home-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(home, ".putty", "sessions"));
        var all = new List<string>();
        if (savedSettings is not null)
        {
            File.WriteAllLines(Path.Combine(home, ".putty", "sessions", "wharf"), savedSettings);
            all.AddRange(["-load", "wharf"]);
        }

        all.AddRange(["-batch", "-P", port.ToString(CultureInfo.InvariantCulture), "-pw", password]);
        foreach (var fp in hostKeyFingerprints)
        {
            all.AddRange(["-hostkey", fp]);
        }

        all.AddRange(args);
        return RunInHomeAsync(tool, all, stdin, home);
    }

    private static async Task<ProcessRunner.Result> RunInHomeAsync(string tool, List<string> args, byte[]? stdin, string home)
    {
        try
        {
            return await ProcessRunner.RunAsync(tool, args, stdin ?? [], new Dictionary<string, string> { ["HOME"] = home }, TimeSpan.FromMinutes(3));
        }
        finally
        {
            Directory.Delete(home, true);
        }
    }

    /// <summary>The SHA-256 fingerprints of the test host keys of <paramref name="types"/>.</summary>
    public static string[] Fingerprints(params string[] types) =>
        [.. TestKeys.Instance.HostKeys.Where(k => types.Length == 0 || types.Contains(k.PublicKey.KeyType)).Select(k => k.PublicKey.GetSha256Fingerprint())];
}

/// <summary>psftp and pscp against the embeddable SftpServer (its host key is the test Ed25519 key).</summary>
public sealed class PuttyTests(SftpHostFixture fixture) : IClassFixture<SftpHostFixture>
{
    private static readonly string[] HostKey = Putty.Fingerprints("ssh-ed25519");

    private string LocalDir(string name)
    {
        var d = Path.Combine(fixture.Base, "local-putty-" + name);
        Directory.CreateDirectory(d);
        return d;
    }

    private static string Sha256(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }

    [Fact]
    public async Task PsftpBatchOperations()
    {
        // psftp has no command that creates a symbolic link (nor reads one), so none is tested here.
        var local = LocalDir("psftp");
        await File.WriteAllTextAsync(Path.Combine(local, "a.txt"), "from psftp");
        var batch = Path.Combine(local, "batch.txt");
        await File.WriteAllLinesAsync(batch, [
            $"lcd {local}", "mkdir /pt", "cd /pt", "put a.txt", "ls", "mv a.txt b.txt", "chmod 600 b.txt", "get b.txt back.txt",
            "mkdir sub", "rmdir sub", "ls /pt",
        ]);
        int mark = fixture.SessionMark;
        var r = await Putty.RunAsync("psftp", fixture.Port, TestHost.AlicePassword, HostKey, ["-b", batch, "-bc", "alice@127.0.0.1"]);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("a.txt", r.StdOut);
        Assert.Equal("from psftp", await File.ReadAllTextAsync(Path.Combine(local, "back.txt")));
        var onServer = Path.Combine(fixture.Root, "pt", "b.txt");
        Assert.Equal("from psftp", await File.ReadAllTextAsync(onServer));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(onServer));
        Assert.False(File.Exists(Path.Combine(fixture.Root, "pt", "a.txt")));
        Assert.False(Directory.Exists(Path.Combine(fixture.Root, "pt", "sub")));
        Assert.StartsWith("SSH-2.0-PuTTY_", (await fixture.EndedSessionAfterAsync(mark)).ClientVersion);

        await File.WriteAllLinesAsync(batch, ["rm /pt/b.txt", "rmdir /pt"]);
        var clean = await Putty.RunAsync("psftp", fixture.Port, TestHost.AlicePassword, HostKey, ["-b", batch, "alice@127.0.0.1"]);
        Assert.True(clean.ExitCode == 0, clean.StdOut + clean.StdErr);
        Assert.False(Directory.Exists(Path.Combine(fixture.Root, "pt")));

        // A failing command ends a batch with an error.
        await File.WriteAllLinesAsync(batch, ["rmdir /no-such-dir"]);
        var failing = await Putty.RunAsync("psftp", fixture.Port, TestHost.AlicePassword, HostKey, ["-b", batch, "alice@127.0.0.1"]);
        Assert.NotEqual(0, failing.ExitCode);
    }

    [Fact]
    public async Task PscpFiftyMiBBothWays()
    {
        var local = LocalDir("pscp");
        var up = Path.Combine(local, "up.bin");
        await File.WriteAllBytesAsync(up, RandomNumberGenerator.GetBytes(50 << 20));
        var hash = Sha256(up);
        var put = await Putty.RunAsync("pscp", fixture.Port, TestHost.AlicePassword, HostKey, ["-q", "-sftp", up, "alice@127.0.0.1:/pscp-50m.bin"]);
        Assert.True(put.ExitCode == 0, put.StdOut + put.StdErr);
        Assert.Equal(hash, Sha256(Path.Combine(fixture.Root, "pscp-50m.bin")));
        var down = Path.Combine(local, "down.bin");
        var get = await Putty.RunAsync("pscp", fixture.Port, TestHost.AlicePassword, HostKey, ["-q", "-sftp", "alice@127.0.0.1:/pscp-50m.bin", down]);
        Assert.True(get.ExitCode == 0, get.StdOut + get.StdErr);
        Assert.Equal(hash, Sha256(down));
        File.Delete(Path.Combine(fixture.Root, "pscp-50m.bin"));
    }

    [Fact]
    public async Task WrongHostKeyFingerprintIsRefusedWithoutAsking()
    {
        var r = await Putty.RunAsync("psftp", fixture.Port, TestHost.AlicePassword, Putty.Fingerprints("ssh-rsa"), ["-b", "/dev/null", "alice@127.0.0.1"]);
        Assert.NotEqual(0, r.ExitCode);
    }
}

/// <summary>pscp through a server that starts a key exchange after every MiB.</summary>
public sealed class PuttyServerRekeyTests(RekeyingSftpHostFixture fixture) : IClassFixture<RekeyingSftpHostFixture>
{
    [Fact]
    public async Task ServerStartedRekeysMidTransferBothWays()
    {
        var local = Path.Combine(fixture.Base, "local-putty-rekey");
        Directory.CreateDirectory(local);
        var up = Path.Combine(local, "up.bin");
        await File.WriteAllBytesAsync(up, RandomNumberGenerator.GetBytes(16 << 20));
        var hash = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(up)));
        string[] hostKey = Putty.Fingerprints("ssh-ed25519");
        int mark = fixture.SessionMark;
        var put = await Putty.RunAsync("pscp", fixture.Port, TestHost.AlicePassword, hostKey, ["-q", "-sftp", up, "alice@127.0.0.1:/rekey.bin"]);
        Assert.True(put.ExitCode == 0, put.StdOut + put.StdErr);
        // PuTTY's own limits are 1 GB and 60 minutes, so every key exchange after the first is
        // the server's. Uploading, there are far fewer than one per MiB (3 to 5 exchanges seen
        // for 16 MiB): what pscp has already sent when the server's KEXINIT reaches it is read
        // under the old keys while the exchange runs, and the count starts again at NEWKEYS.
        var upload = await fixture.EndedSessionAfterAsync(mark);
        Assert.True(upload.KeyExchangeCount >= 2, $"{upload.KeyExchangeCount} key exchanges during the upload");
        var down = Path.Combine(local, "down.bin");
        mark = fixture.SessionMark;
        var get = await Putty.RunAsync("pscp", fixture.Port, TestHost.AlicePassword, hostKey, ["-q", "-sftp", "alice@127.0.0.1:/rekey.bin", down]);
        Assert.True(get.ExitCode == 0, get.StdOut + get.StdErr);
        var download = await fixture.EndedSessionAfterAsync(mark);
        Assert.NotSame(upload, download);
        Assert.True(download.KeyExchangeCount > 8, $"{download.KeyExchangeCount} key exchanges during the download"); // 17 seen
        Assert.Equal(hash, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(fixture.Root, "rekey.bin")))));
        Assert.Equal(hash, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(down))));
    }
}

/// <summary>plink running commands on the test host (which has echo, sha256 and exit).</summary>
public sealed class PlinkTests(FullHostFixture fixture) : IClassFixture<FullHostFixture>
{
    // The test host's keyboard-interactive asks twice and -pw answers one prompt only, so plink
    // is told to skip keyboard-interactive (PuTTY's AuthKI setting, which has no flag) and use
    // the password method.
    private static readonly string[] PasswordOnly = ["AuthKI=0"];

    [Fact]
    public async Task PlinkRunsACommandWithItsInputAndExitStatus()
    {
        var data = RandomNumberGenerator.GetBytes(3 << 20);
        var r = await Putty.RunAsync("plink", fixture.Host.Port, TestHost.AlicePassword, Putty.Fingerprints(), ["alice@127.0.0.1", "sha256"], data, PasswordOnly);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal($"{Convert.ToHexStringLower(SHA256.HashData(data))} {data.Length}\n", r.StdOut);
        var exit = await Putty.RunAsync("plink", fixture.Host.Port, TestHost.AlicePassword, Putty.Fingerprints(), ["alice@127.0.0.1", "exit 7"], savedSettings: PasswordOnly);
        Assert.Equal(7, exit.ExitCode);
    }
}

/// <summary>PuTTY's keyboard-interactive login (it tries it first when offered; -pw answers the prompt) against `wharf portable`.</summary>
public sealed class PuttyPortableTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "wharf-puttyp-" + Guid.NewGuid().ToString("N")[..8]);

    public PuttyPortableTests() => Directory.CreateDirectory(Path.Combine(_dir, "served"));

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task KeyboardInteractiveLogin()
    {
        var log = Path.Combine(_dir, "portable.log");
        await using var w = await PortableProcess.StartAsync(Path.Combine(_dir, "config"), "-d", Path.Combine(_dir, "served"),
            "-u", "u", "-p", "kbd-secret", "--listen-address", "127.0.0.1", "-l", log);
        var hostKey = System.Text.RegularExpressions.Regex.Match(w.Output, @"ssh-ed25519 (SHA256:\S+?),").Groups[1].Value;
        var ok = await Putty.RunAsync("plink", w.Port, "kbd-secret", [hostKey], ["u@127.0.0.1", "pwd"]);
        Assert.True(ok.ExitCode == 0, ok.StdErr);
        Assert.Equal("/\n", ok.StdOut);
        Assert.Contains("authenticated u with keyboard-interactive", await File.ReadAllTextAsync(log));

        var wrong = await Putty.RunAsync("plink", w.Port, "not-it", [hostKey], ["u@127.0.0.1", "pwd"]);
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("failed keyboard-interactive for u", await File.ReadAllTextAsync(log));
    }
}
