using System.Security.Cryptography;
using Wharf.Ssh;

namespace Wharf.Interop.Tests;

/// <summary>
/// asyncssh (Debian's python3-asyncssh) as an SFTP client against the embeddable SftpServer:
/// the operations a user runs, a 50 MiB round trip, and key exchanges in the middle of large
/// transfers, started by asyncssh (its rekey_bytes) or by the server (its RekeyBytes).
/// asyncssh keeps sending channel data after its own KEXINIT, which the server used to answer
/// with "message 94 not allowed during key exchange".
/// </summary>
public sealed class AsyncSshTests(SftpHostFixture fixture, RekeyingSftpHostFixture rekeying)
    : IClassFixture<SftpHostFixture>, IClassFixture<RekeyingSftpHostFixture>
{
    private const int FiftyMiB = 50 << 20;

    /// <summary>Debian's python3 has asyncssh; a pyenv python on PATH may not.</summary>
    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    private static string Script => Path.Combine(AppContext.BaseDirectory, "scripts", "asyncssh_sftp.py");

    private static readonly string Password = "password:" + TestHost.AlicePassword;

    private static Task<ProcessRunner.Result> AsyncSshAsync(SftpHostFixture host, params string[] args) => AsyncSshWithAsync(host, Password, args);

    /// <summary>Runs the driver with <paramref name="auth"/> (password:SECRET or key:PATH); it must succeed.</summary>
    private static async Task<ProcessRunner.Result> AsyncSshWithAsync(SftpHostFixture host, string auth, params string[] args)
    {
        var r = await ProcessRunner.RunAsync(Python, [Script, host.Port.ToString(), "alice", auth, .. args],
            timeout: TimeSpan.FromMinutes(2));
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\n{r.StdOut}{r.StdErr}");
        return r;
    }

    private string LocalDir(string name)
    {
        var d = Path.Combine(fixture.Base, "asyncssh-local-" + name);
        Directory.CreateDirectory(d);
        return d;
    }

    private static string Sha256Of(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(f));
    }

    /// <summary>A file of random bytes; returns its path and SHA-256.</summary>
    private static (string Path, string Sha256) RandomFile(string dir, string name, int size)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(size));
        return (path, Sha256Of(path));
    }

    private static int ClientStartedRekeys(SshSession s) => s.KeyExchangeCount - 1 - s.ServerInitiatedRekeys;

    /// <summary>What a user does, logged in with an ed25519 key: every operation succeeds and the tree on disk agrees.</summary>
    [Fact]
    public async Task SftpOperations()
    {
        var r = await AsyncSshWithAsync(fixture, "key:" + TestKeys.Instance.UserKeyPath("ed25519"), "ops", "asyncssh-ops");
        Assert.DoesNotContain("fail", r.StdOut);
        var lines = r.StdOut.Split('\n');
        Assert.Contains("names a.txt,sub", lines);
        Assert.Contains("size 20000", lines);
        Assert.Contains("names-after ", lines);
        Assert.Contains("ok gone", lines);
        Assert.False(Directory.Exists(Path.Combine(fixture.Root, "asyncssh-ops")));
    }

    /// <summary>
    /// symlink(oldpath, newpath) as os.symlink: the link appears at newpath and points to oldpath.
    /// asyncssh sends draft-02's argument order to servers whose version string does not look
    /// like OpenSSH; SftpClientQuirks tells the server so from asyncssh's identification line.
    /// </summary>
    [Fact]
    public async Task SymlinkIsCreatedAtNewPathPointingToOldPath()
    {
        var r = await ProcessRunner.RunAsync(Python, [Script, fixture.Port.ToString(), "alice", Password, "symlink", "asyncssh-links"]);
        var lines = r.StdOut.Split('\n');
        var link = new FileInfo(Path.Combine(fixture.Root, "asyncssh-links", "link.txt"));
        Assert.True(link.LinkTarget == "target.txt", $"link.txt -> {link.LinkTarget ?? "(none)"}\n{r.StdOut}{r.StdErr}");
        Assert.Contains("readlink target.txt", lines);
        Assert.Contains("content through the link", lines);
        Assert.Equal(0, r.ExitCode);
    }

    [Fact]
    public async Task FiftyMiBRoundTrip()
    {
        var local = LocalDir("roundtrip");
        var (path, sha) = RandomFile(local, "big.bin", FiftyMiB);
        var back = Path.Combine(local, "back.bin");
        await AsyncSshAsync(fixture, "--compression", "none", "roundtrip", path, "asyncssh-big.bin", back);
        Assert.Equal(sha, Sha256Of(Path.Combine(fixture.Root, "asyncssh-big.bin")));
        Assert.Equal(sha, Sha256Of(back));
    }

    /// <summary>
    /// The issue's case: asyncssh with its default algorithms (zlib@openssh.com compression
    /// included) and a small rekey_bytes starts key exchanges while it uploads and downloads 50 MiB,
    /// sending data after its own KEXINIT each time.
    /// </summary>
    [Fact]
    public async Task RekeysStartedByAsyncSshMidTransferLoseNothing()
    {
        var local = LocalDir("client-rekey");
        var (path, sha) = RandomFile(local, "big.bin", FiftyMiB);

        int mark = fixture.SessionMark;
        await AsyncSshAsync(fixture, "--rekey-bytes", (1 << 20).ToString(), "put", path, "asyncssh-rekey.bin");
        var up = await fixture.EndedSessionAfterAsync(mark);
        Assert.Equal(sha, Sha256Of(Path.Combine(fixture.Root, "asyncssh-rekey.bin")));
        // asyncssh does not count what it sends during an exchange, so it rekeys less often than
        // every MiB: several times is what matters.
        Assert.True(ClientStartedRekeys(up) >= 5, $"{ClientStartedRekeys(up)} rekeys by asyncssh while uploading");
        Assert.Equal(0, up.ServerInitiatedRekeys);

        // Downloading, asyncssh sends only requests: a smaller limit still rekeys a few times.
        mark = fixture.SessionMark;
        var back = Path.Combine(local, "back.bin");
        await AsyncSshAsync(fixture, "--compression", "none", "--rekey-bytes", "32768", "get", "asyncssh-rekey.bin", back);
        var down = await fixture.EndedSessionAfterAsync(mark);
        Assert.Equal(sha, Sha256Of(back));
        Assert.True(ClientStartedRekeys(down) >= 3, $"{ClientStartedRekeys(down)} rekeys by asyncssh while downloading");
        Assert.Equal(0, down.ServerInitiatedRekeys);
    }

    /// <summary>The server's RekeyBytes (1 MiB) reached in each direction: asyncssh answers each exchange mid-stream.</summary>
    [Fact]
    public async Task RekeysStartedByTheServerMidTransferLoseNothing()
    {
        var local = LocalDir("server-rekey");
        var (path, sha) = RandomFile(local, "big.bin", FiftyMiB);

        int mark = rekeying.SessionMark;
        await AsyncSshAsync(rekeying, "--compression", "none", "put", path, "asyncssh-server-rekey.bin");
        var up = await rekeying.EndedSessionAfterAsync(mark);
        Assert.Equal(sha, Sha256Of(Path.Combine(rekeying.Root, "asyncssh-server-rekey.bin")));
        // What asyncssh sends inside an exchange counts towards the one before, so the server
        // rekeys less often than every MiB: several times is what matters.
        Assert.True(up.ServerInitiatedRekeys >= 5, $"{up.ServerInitiatedRekeys} rekeys by the server while receiving");

        mark = rekeying.SessionMark;
        var back = Path.Combine(local, "back.bin");
        await AsyncSshAsync(rekeying, "--compression", "none", "get", "asyncssh-server-rekey.bin", back);
        var down = await rekeying.EndedSessionAfterAsync(mark);
        Assert.Equal(sha, Sha256Of(back));
        Assert.True(down.ServerInitiatedRekeys >= 5, $"{down.ServerInitiatedRekeys} rekeys by the server while sending");
    }
}
