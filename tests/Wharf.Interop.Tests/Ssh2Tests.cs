using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Wharf.Interop.Tests;

/// <summary>
/// Node's ssh2 (1.17.0) against the embeddable SftpServer. ssh2 sends SYMLINK in the draft's
/// order (link path first) to any server whose identification does not start with
/// SSH-2.0-OpenSSH or SSH-2.0-dropbear — Wharf's does not — so these tests also prove the quirk.
/// </summary>
public sealed class Ssh2Tests(SftpHostFixture fixture) : IClassFixture<SftpHostFixture>
{
    private string LocalDir(string name)
    {
        var d = Path.Combine(fixture.Base, "local-ssh2-" + name);
        Directory.CreateDirectory(d);
        return d;
    }

    private static string Sha256(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }

    private static async Task<string> RandomFileAsync(string path, int size)
    {
        await File.WriteAllBytesAsync(path, RandomNumberGenerator.GetBytes(size));
        return Sha256(path);
    }

    private static object Op(string op, object? args = null)
    {
        var o = new JsonObject { ["op"] = op };
        if (args is not null)
        {
            foreach (var p in args.GetType().GetProperties())
            {
                o[p.Name] = JsonValue.Create(p.GetValue(args));
            }
        }

        return o;
    }

    [Fact]
    public async Task SftpOperationsWithTheSymlinkWhereTheUserAskedForIt()
    {
        var local = LocalDir("ops");
        await File.WriteAllTextAsync(Path.Combine(local, "a.txt"), "from ssh2");
        int mark = fixture.SessionMark;
        var r = await Ssh2Client.RunAsync(fixture.Port, "alice", "password", TestHost.AlicePassword,
            Op("mkdir", new { path = "/s2" }),
            Op("put", new { local = Path.Combine(local, "a.txt"), remote = "/s2/a.txt" }),
            Op("readdir", new { path = "/s2" }),
            Op("stat", new { path = "/s2/a.txt" }),
            Op("rename", new { from = "/s2/a.txt", to = "/s2/b.txt" }),
            Op("symlink", new { target = "b.txt", link = "/s2/link" }), // ssh2's symlink(targetPath, linkPath)
            Op("readlink", new { path = "/s2/link" }),
            Op("lstat", new { path = "/s2/link" }),
            Op("stat", new { path = "/s2/link" }),
            Op("lstat", new { path = "/s2/b.txt" }));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(["a.txt"], r.Ok(2)!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(9, r.Ok(3)!["size"]!.GetValue<long>());
        Assert.Equal("b.txt", r.Ok(6)!.GetValue<string>());
        Assert.True(r.Ok(7)!["isSymbolicLink"]!.GetValue<bool>());
        Assert.True(r.Ok(8)!["isFile"]!.GetValue<bool>());
        Assert.False(r.Ok(9)!["isSymbolicLink"]!.GetValue<bool>());

        // On disk: the link is where the user asked, pointing at the file, and the file is untouched.
        var dir = Path.Combine(fixture.Root, "s2");
        Assert.Equal("b.txt", new FileInfo(Path.Combine(dir, "link")).LinkTarget);
        Assert.Null(new FileInfo(Path.Combine(dir, "b.txt")).LinkTarget);
        Assert.Equal("from ssh2", await File.ReadAllTextAsync(Path.Combine(dir, "b.txt")));
        Assert.False(File.Exists(Path.Combine(fixture.Root, "b.txt")));
        Assert.StartsWith("SSH-2.0-ssh2js1.17.0", (await fixture.EndedSessionAfterAsync(mark)).ClientVersion);

        var clean = await Ssh2Client.RunAsync(fixture.Port, "alice", "password", TestHost.AlicePassword,
            Op("get", new { remote = "/s2/link", local = Path.Combine(local, "via-link.txt") }),
            Op("unlink", new { path = "/s2/link" }),
            Op("unlink", new { path = "/s2/b.txt" }),
            Op("rmdir", new { path = "/s2" }),
            Op("readdir", new { path = "/" }));
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.Equal("from ssh2", await File.ReadAllTextAsync(Path.Combine(local, "via-link.txt")));
        Assert.DoesNotContain("s2", clean.Ok(4)!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.False(Directory.Exists(dir));
        Assert.StartsWith("secret.txt:", Assert.Single(fixture.OutsideSnapshot()));
    }

    [Fact]
    public async Task FiftyMiBRoundTripBothWays()
    {
        var local = LocalDir("big");
        var up = Path.Combine(local, "up.bin");
        var hash = await RandomFileAsync(up, 50 << 20);
        var r = await Ssh2Client.RunAsync(fixture.Port, "alice", "publickey", TestKeys.Instance.UserKeyPath("ed25519"),
            Op("put", new { local = up, remote = "/ssh2-50m.bin" }),
            Op("get", new { remote = "/ssh2-50m.bin", local = Path.Combine(local, "down.bin") }));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(hash, Sha256(Path.Combine(fixture.Root, "ssh2-50m.bin")));
        Assert.Equal(hash, r.Ok(1)!["sha256"]!.GetValue<string>());
        Assert.Equal(hash, Sha256(Path.Combine(local, "down.bin")));
        File.Delete(Path.Combine(fixture.Root, "ssh2-50m.bin"));
    }

    [Fact]
    public async Task ClientStartedRekeyMidUpload()
    {
        // The client starts a key exchange while fastPut still has 12 of 16 MiB to send. ssh2
        // 1.17.0 documents Client#rekey() but lacks it; the driver calls what it would call,
        // the client protocol's rekey() (see ssh2-driver.js).
        var local = LocalDir("crekey");
        var up = Path.Combine(local, "up.bin");
        var hash = await RandomFileAsync(up, 16 << 20);
        int mark = fixture.SessionMark;
        var r = await Ssh2Client.RunAsync(fixture.Port, "alice", "password", TestHost.AlicePassword,
            Op("put", new { local = up, remote = "/ssh2-crekey.bin", rekeyAt = 4 << 20 }));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.True(r.Ok(0)!["rekeyStarted"]!.GetValue<bool>());
        Assert.Equal(1, r.Done["rekeys"]!.GetValue<int>());
        Assert.Equal(hash, Sha256(Path.Combine(fixture.Root, "ssh2-crekey.bin")));
        // The first exchange and the client's one (the server's own limit is 1 GiB).
        Assert.Equal(2, (await fixture.EndedSessionAfterAsync(mark)).KeyExchangeCount);
        File.Delete(Path.Combine(fixture.Root, "ssh2-crekey.bin"));
    }

    [Fact]
    public async Task KeyboardInteractiveOnlyIsRefusedWithoutAHandlerAndCostsNoAttempt()
    {
        // The library server has no keyboard-interactive handler, so it does not offer the
        // method: ssh2 finds nothing it may try, and no attempt was counted.
        int mark = fixture.SessionMark;
        var r = await Ssh2Client.RunAsync(fixture.Port, "alice", "keyboard-interactive-only", TestHost.AlicePassword, Op("realpath", new { path = "." }));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("All configured authentication methods failed", r.ToString());
        Assert.Equal(0, (await fixture.EndedSessionAfterAsync(mark)).AuthenticationFailures);
    }
}

/// <summary>ssh2 against a server that starts a key exchange after every MiB.</summary>
public sealed class Ssh2ServerRekeyTests(RekeyingSftpHostFixture fixture) : IClassFixture<RekeyingSftpHostFixture>
{
    [Fact]
    public async Task ServerStartedRekeysMidTransferBothWays()
    {
        var local = Path.Combine(fixture.Base, "local-ssh2-srekey");
        Directory.CreateDirectory(local);
        var up = Path.Combine(local, "up.bin");
        await File.WriteAllBytesAsync(up, RandomNumberGenerator.GetBytes(16 << 20));
        var hash = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(up)));
        int mark = fixture.SessionMark;
        var r = await Ssh2Client.RunAsync(fixture.Port, "alice", "password", TestHost.AlicePassword,
            new { op = "put", local = up, remote = "/srekey.bin" },
            new { op = "get", remote = "/srekey.bin", local = Path.Combine(local, "down.bin") });
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(hash, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(fixture.Root, "srekey.bin")))));
        Assert.Equal(hash, r.Ok(1)!["sha256"]!.GetValue<string>());
        // 32 MiB through a server that rekeys every MiB; the client starts none of its own.
        var session = await fixture.EndedSessionAfterAsync(mark);
        Assert.True(session.KeyExchangeCount > 16, $"{session.KeyExchangeCount} key exchanges");
        Assert.Equal(session.KeyExchangeCount - 1, r.Done["rekeys"]!.GetValue<int>());
    }
}

/// <summary>ssh2's keyboard-interactive login against `wharf portable` (one Password: prompt).</summary>
public sealed class Ssh2PortableTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "wharf-ssh2p-" + Guid.NewGuid().ToString("N")[..8]);

    public Ssh2PortableTests() => Directory.CreateDirectory(Path.Combine(_dir, "served"));

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public async Task KeyboardInteractiveLogin()
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "served", "hello.txt"), "hi");
        await using var w = await PortableProcess.StartAsync(Path.Combine(_dir, "config"), "-d", Path.Combine(_dir, "served"),
            "-u", "u", "-p", "kbd-secret", "--listen-address", "127.0.0.1");
        var ok = await Ssh2Client.RunAsync(w.Port, "u", "keyboard-interactive-only", "kbd-secret", new { op = "readdir", path = "/" });
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Equal(["hello.txt"], ok.Ok(0)!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("keyboard-interactive", ok.Done["auth"]!.GetValue<string>());

        var wrong = await Ssh2Client.RunAsync(w.Port, "u", "keyboard-interactive-only", "not-it", new { op = "readdir", path = "/" });
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("All configured authentication methods failed", wrong.ToString());
    }
}
