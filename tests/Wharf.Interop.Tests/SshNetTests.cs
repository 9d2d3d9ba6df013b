using System.Security.Cryptography;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Wharf.Interop.Tests;

/// <summary>
/// SSH.NET (2026.0.1, NuGet) against the embeddable SftpServer. Its SftpClient.SymbolicLink(path,
/// linkPath) writes the target first, OpenSSH's order, whatever the server.
/// </summary>
public sealed class SshNetTests(SftpHostFixture fixture) : IClassFixture<SftpHostFixture>
{
    internal static ConnectionInfo PasswordLogin(int port, string user = "alice", string password = TestHost.AlicePassword) =>
        new("127.0.0.1", port, user, new PasswordAuthenticationMethod(user, password)) { Timeout = TimeSpan.FromSeconds(30) };

    internal static KeyboardInteractiveAuthenticationMethod KeyboardInteractive(string user, string answer, List<string>? promptsSeen = null)
    {
        var ki = new KeyboardInteractiveAuthenticationMethod(user);
        ki.AuthenticationPrompt += (_, e) =>
        {
            foreach (var p in e.Prompts)
            {
                promptsSeen?.Add($"{p.Request}|echo={p.IsEchoed}");
                p.Response = answer;
            }
        };
        return ki;
    }

    private static string Sha256(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }

    [Fact]
    public async Task SftpOperationsIncludingASymbolicLinkWhereTheUserAskedForIt()
    {
        int mark = fixture.SessionMark;
        using (var c = new SftpClient(PasswordLogin(fixture.Port)))
        {
            c.Connect();
            c.CreateDirectory("/sn");
            using (var up = new MemoryStream("from SSH.NET"u8.ToArray()))
            {
                c.UploadFile(up, "/sn/a.txt");
            }

            Assert.Contains("a.txt", c.ListDirectory("/sn").Select(f => f.Name));
            Assert.Equal(12, c.GetAttributes("/sn/a.txt").Size);
            c.RenameFile("/sn/a.txt", "/sn/b.txt");
            c.SymbolicLink("/sn/b.txt", "/sn/link"); // (target, link)
            // READDIR's attributes describe the entries themselves (SSH.NET's Get resolves the
            // path with REALPATH first, so it would describe the file the link points to).
            var entries = c.ListDirectory("/sn").ToDictionary(f => f.Name);
            Assert.True(entries["link"].IsSymbolicLink);
            Assert.True(entries["b.txt"].IsRegularFile);
            using (var down = new MemoryStream())
            {
                c.DownloadFile("/sn/link", down);
                Assert.Equal("from SSH.NET"u8.ToArray(), down.ToArray());
            }

            // On disk, before anything is removed: the link where it was asked for, the file intact.
            var dir = Path.Combine(fixture.Root, "sn");
            Assert.Equal("b.txt", new FileInfo(Path.Combine(dir, "link")).LinkTarget);
            Assert.Null(new FileInfo(Path.Combine(dir, "b.txt")).LinkTarget);
            Assert.Equal("from SSH.NET", await File.ReadAllTextAsync(Path.Combine(dir, "b.txt")));

            // SSH.NET resolves every path with REALPATH before acting on it (against OpenSSH's
            // sftp-server too, whose realpath(3) follows links), so DeleteFile("/sn/link") would
            // remove b.txt: it cannot remove a link itself. The file goes through SSH.NET, the
            // dangling link it leaves from the disk.
            c.DeleteFile("/sn/b.txt");
            Assert.False(File.Exists(Path.Combine(dir, "b.txt")));
            Assert.Equal("b.txt", new FileInfo(Path.Combine(dir, "link")).LinkTarget);
            File.Delete(Path.Combine(dir, "link"));
            c.DeleteDirectory("/sn");
            Assert.False(c.Exists("/sn"));
            c.Disconnect();
        }

        Assert.False(Directory.Exists(Path.Combine(fixture.Root, "sn")));
        Assert.StartsWith("SSH-2.0-Renci.SshNet.SshClient.2026.0.1", (await fixture.EndedSessionAfterAsync(mark)).ClientVersion);
    }

    [Fact]
    public async Task FiftyMiBRoundTripBothWays()
    {
        var local = Path.Combine(fixture.Base, "local-sshnet");
        Directory.CreateDirectory(local);
        var up = Path.Combine(local, "up.bin");
        await File.WriteAllBytesAsync(up, RandomNumberGenerator.GetBytes(50 << 20));
        var hash = Sha256(up);
        var key = new PrivateKeyFile(TestKeys.Instance.UserKeyPath("ed25519"));
        using (var c = new SftpClient(new ConnectionInfo("127.0.0.1", fixture.Port, "alice", new PrivateKeyAuthenticationMethod("alice", key))))
        {
            c.Connect();
            using (var f = File.OpenRead(up))
            {
                await c.UploadFileAsync(f, "/sshnet-50m.bin", TestContext.Current.CancellationToken);
            }

            using (var f = File.Create(Path.Combine(local, "down.bin")))
            {
                await c.DownloadFileAsync("/sshnet-50m.bin", f, TestContext.Current.CancellationToken);
            }
        }

        Assert.Equal(hash, Sha256(Path.Combine(fixture.Root, "sshnet-50m.bin")));
        Assert.Equal(hash, Sha256(Path.Combine(local, "down.bin")));
        File.Delete(Path.Combine(fixture.Root, "sshnet-50m.bin"));
    }

    [Fact]
    public async Task KeyboardInteractiveOnlyFindsNoMethodAndCostsNoAttempt()
    {
        // The library server answers no keyboard-interactive, so with defaults it does not offer it.
        int mark = fixture.SessionMark;
        using var c = new SftpClient(new ConnectionInfo("127.0.0.1", fixture.Port, "alice", KeyboardInteractive("alice", TestHost.AlicePassword)));
        var ex = Assert.Throws<SshAuthenticationException>(c.Connect);
        Assert.Contains("No suitable authentication method found", ex.Message);
        Assert.Equal(0, (await fixture.EndedSessionAfterAsync(mark)).AuthenticationFailures);
    }
}

/// <summary>SSH.NET preferring keyboard-interactive, against a server that allows one failed attempt.</summary>
public sealed class SshNetLoginCompatibilityTests(SingleAttemptSftpHostFixture fixture) : IClassFixture<SingleAttemptSftpHostFixture>
{
    [Fact]
    public async Task KeyboardInteractiveNotOfferedLeavesThePasswordItsAttempt()
    {
        // SSH.NET tries keyboard-interactive first when the server offers it. Offered without a
        // handler (as before), it failed and, at one attempt allowed, ended the connection before
        // the password; not offered, the password logs in on the same connection.
        var info = new ConnectionInfo("127.0.0.1", fixture.Port, "alice",
            SshNetTests.KeyboardInteractive("alice", TestHost.AlicePassword),
            new PasswordAuthenticationMethod("alice", TestHost.AlicePassword));
        int mark = fixture.SessionMark;
        using (var c = new SftpClient(info))
        {
            c.Connect();
            Assert.Equal("/", c.WorkingDirectory);
        }

        var session = await fixture.EndedSessionAfterAsync(mark);
        Assert.True(session.IsAuthenticated);
        Assert.Equal(0, session.AuthenticationFailures);
    }
}

/// <summary>SSH.NET through a server that starts a key exchange after every MiB.</summary>
public sealed class SshNetServerRekeyTests(RekeyingSftpHostFixture fixture) : IClassFixture<RekeyingSftpHostFixture>
{
    [Fact]
    public async Task ServerStartedRekeysMidTransferBothWays()
    {
        var data = RandomNumberGenerator.GetBytes(16 << 20);
        int mark = fixture.SessionMark;
        using (var c = new SftpClient(SshNetTests.PasswordLogin(fixture.Port)))
        {
            c.Connect();
            using (var up = new MemoryStream(data))
            {
                c.UploadFile(up, "/sshnet-rekey.bin");
            }

            using var down = new MemoryStream();
            c.DownloadFile("/sshnet-rekey.bin", down);
            Assert.Equal(SHA256.HashData(data), SHA256.HashData(down.ToArray()));
        }

        Assert.Equal(SHA256.HashData(data), SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(fixture.Root, "sshnet-rekey.bin"))));
        var session = await fixture.EndedSessionAfterAsync(mark);
        Assert.True(session.KeyExchangeCount > 16, $"{session.KeyExchangeCount} key exchanges");
    }
}

/// <summary>SSH.NET's keyboard-interactive login against `wharf portable`.</summary>
public sealed class SshNetPortableTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "wharf-sshnetp-" + Guid.NewGuid().ToString("N")[..8]);

    public SshNetPortableTests() => Directory.CreateDirectory(Path.Combine(_dir, "served"));

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task KeyboardInteractiveLoginWithOnePasswordPrompt()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "served", "hello.txt"), "hi");
        await using var w = await PortableProcess.StartAsync(Path.Combine(_dir, "config"), "-d", Path.Combine(_dir, "served"),
            "-u", "u", "-p", "kbd-secret", "--listen-address", "127.0.0.1");
        var prompts = new List<string>();
        using (var c = new SftpClient(new ConnectionInfo("127.0.0.1", w.Port, "u", SshNetTests.KeyboardInteractive("u", "kbd-secret", prompts))))
        {
            c.Connect();
            Assert.Contains("hello.txt", c.ListDirectory("/").Select(f => f.Name));
        }

        Assert.Equal(["Password: |echo=False"], prompts);
        using var wrong = new SftpClient(new ConnectionInfo("127.0.0.1", w.Port, "u", SshNetTests.KeyboardInteractive("u", "not-it")));
        Assert.Throws<SshAuthenticationException>(wrong.Connect);
    }
}
