using System.Security.Cryptography;
using Wharf.Sftp;
using Wharf.Sftp.Events;

namespace Wharf.Interop.Tests;

/// <summary>SFTP with paramiko and OpenSSH's sftp against the embeddable SftpServer on a real directory.</summary>
public sealed class SftpTests(SftpHostFixture fixture, RekeyingSftpHostFixture rekeying)
    : IClassFixture<SftpHostFixture>, IClassFixture<RekeyingSftpHostFixture>
{
    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    private static string Script => Path.Combine(AppContext.BaseDirectory, "scripts", "paramiko_sftp.py");

    private Task<ProcessRunner.Result> ParamikoAsync(string mode, params string[] args) =>
        // paramiko downloads at a few MiB/s against any server (OpenSSH sshd included), so 100 MiB takes a while.
        ProcessRunner.RunAsync(Python, [Script, fixture.Port.ToString(), "alice", TestHost.AlicePassword, mode, .. args], timeout: TimeSpan.FromMinutes(10));

    private static readonly long[] Sizes = [0, 1, 32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1, (1 << 20) + 13, 100L << 20];

    private string LocalDir(string name)
    {
        var d = Path.Combine(fixture.Base, "local-" + name);
        Directory.CreateDirectory(d);
        return d;
    }

    [Fact]
    public async Task ParamikoRoundTripsEverySize()
    {
        var r = await ParamikoAsync("roundtrip", [.. Sizes.Select(s => s.ToString())]);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Equal(Sizes.Length * 2, r.StdOut.Split('\n').Count(l => l.StartsWith("ok ", StringComparison.Ordinal)));
        foreach (var size in Sizes)
        {
            Assert.Equal(size, new FileInfo(Path.Combine(fixture.Root, $"rt-{size}.bin")).Length);
        }
    }

    [Fact]
    public async Task OpenSshRoundTripsEverySize()
    {
        var local = LocalDir("rt");
        var hashes = new Dictionary<long, string>();
        foreach (var size in Sizes)
        {
            var data = RandomNumberGenerator.GetBytes((int)size);
            await File.WriteAllBytesAsync(Path.Combine(local, $"o-{size}.bin"), data);
            hashes[size] = Convert.ToHexString(SHA256.HashData(data));
        }

        var commands = Sizes.Select(s => $"put o-{s}.bin").Concat(Sizes.Select(s => $"get o-{s}.bin back-{s}.bin")).ToList();
        var r = await OpenSsh.SftpBatchAsync(fixture.Port, "alice", commands, workingDirectory: local);
        Assert.True(r.ExitCode == 0, r.StdErr);
        foreach (var size in Sizes)
        {
            Assert.Equal(hashes[size], Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(fixture.Root, $"o-{size}.bin")))));
            Assert.Equal(hashes[size], Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(local, $"back-{size}.bin")))));
        }
    }

    /// <summary>
    /// sftp -B 262144 asks for 256 KiB per READ and refuses any message over 256 KiB; with reads
    /// served up to 256 KiB the DATA reply was 13 bytes too long ("Received message too long").
    /// (Its WRITEs of 256 KiB are too long for the client itself, whatever the server: 261120 is
    /// the largest -B an upload can use.)
    /// </summary>
    [Fact]
    public async Task OpenSshLargeBuffersRoundTrip()
    {
        var local = LocalDir("large-buffers");
        var data = RandomNumberGenerator.GetBytes((3 << 20) + 17);
        await File.WriteAllBytesAsync(Path.Combine(local, "big.bin"), data);
        var r = await OpenSsh.SftpBatchAsync(fixture.Port, "alice", ["put big.bin big-B.bin"],
            workingDirectory: local, sftpFlags: ["-B", "261120", "-R", "128"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(fixture.Root, "big-B.bin")));
        r = await OpenSsh.SftpBatchAsync(fixture.Port, "alice", ["get big-B.bin big-back.bin"],
            workingDirectory: local, sftpFlags: ["-B", "262144", "-R", "128"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(local, "big-back.bin")));
    }

    /// <summary>
    /// The server's RekeyBytes (1 MiB) reached in each direction of a 24 MiB transfer: the
    /// server starts every exchange mid-stream. (OpenSSH 9.2 defaults to sntrup761x25519, whose
    /// key generation makes each exchange cost the client tens of milliseconds.) OpenSSH 10.4 and later disconnect a peer that
    /// sends anything but the exchange between its KEXINIT and its NEWKEYS, so 10.5 also checks
    /// that the server holds its own data back meanwhile.
    /// </summary>
    [Theory]
    [InlineData("9.2")]
    [InlineData("10.5")]
    public async Task OpenSshThroughRekeysStartedByTheServerMidTransfer(string version)
    {
        string? dir = version == "10.5" ? OpenSsh10.Dir : null;
        var local = LocalDir("server-rekey-" + version);
        var data = RandomNumberGenerator.GetBytes(24 << 20);
        await File.WriteAllBytesAsync(Path.Combine(local, "big.bin"), data);
        string remote = $"openssh-{version}-rekey.bin";

        int mark = rekeying.SessionMark;
        var r = await OpenSsh.SftpBatchAsync(rekeying.Port, "alice", [$"put big.bin {remote}"], workingDirectory: local, openSshDir: dir);
        Assert.True(r.ExitCode == 0, r.StdErr);
        var up = await rekeying.EndedSessionAfterAsync(mark);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(rekeying.Root, remote)));
        Assert.True(up.ServerInitiatedRekeys >= 8, $"{up.ServerInitiatedRekeys} rekeys by the server while receiving");

        mark = rekeying.SessionMark;
        r = await OpenSsh.SftpBatchAsync(rekeying.Port, "alice", [$"get {remote} back.bin"], workingDirectory: local, openSshDir: dir);
        Assert.True(r.ExitCode == 0, r.StdErr);
        var down = await rekeying.EndedSessionAfterAsync(mark);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(local, "back.bin")));
        Assert.True(down.ServerInitiatedRekeys >= 8, $"{down.ServerInitiatedRekeys} rekeys by the server while sending");
    }

    [Fact]
    public async Task ParamikoOperationsAndErrorCodes()
    {
        var r = await ParamikoAsync("ops");
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.DoesNotContain("fail ", r.StdOut);
    }

    [Fact]
    public async Task OpenSshRenameLinksStatvfsFsyncCopyAndResume()
    {
        var local = LocalDir("ops");
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 7);
        await File.WriteAllBytesAsync(Path.Combine(local, "big.bin"), data);
        var r = await OpenSsh.SftpBatchAsync(fixture.Port, "alice",
        [
            "mkdir work",
            "cd work",
            "put -f big.bin",             // fsync@openssh.com after the transfer
            "rename big.bin moved.bin",   // posix-rename@openssh.com
            "ln -s moved.bin soft.bin",
            "ln moved.bin hard.bin",      // hardlink@openssh.com
            "cp moved.bin copied.bin",    // copy-data
            "df -h",                      // statvfs@openssh.com
            "chmod 600 copied.bin",
            "ls -l",
            "get copied.bin fromcopy.bin",
        ], workingDirectory: local);
        Assert.True(r.ExitCode == 0, r.StdErr);
        var work = Path.Combine(fixture.Root, "work");
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(work, "copied.bin")));
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(local, "fromcopy.bin")));
        Assert.True(new FileInfo(Path.Combine(work, "soft.bin")).LinkTarget is not null);
        Assert.Equal(data.Length, new FileInfo(Path.Combine(work, "hard.bin")).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(work, "copied.bin")));
        Assert.Contains("Size", r.StdOut); // df header
        Assert.False(File.Exists(Path.Combine(work, "big.bin")));

        // Resume: a partial upload and a partial download are completed by reput / reget.
        await File.WriteAllBytesAsync(Path.Combine(work, "partial.bin"), data.AsSpan(0, 1_000_000).ToArray());
        await File.WriteAllBytesAsync(Path.Combine(local, "partial-get.bin"), data.AsSpan(0, 777_777).ToArray());
        File.Copy(Path.Combine(local, "big.bin"), Path.Combine(local, "partial.bin"));
        await File.WriteAllBytesAsync(Path.Combine(work, "partial-get.bin"), data);
        r = await OpenSsh.SftpBatchAsync(fixture.Port, "alice", ["cd work", "reput partial.bin", "reget partial-get.bin"], workingDirectory: local);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(work, "partial.bin")));
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(local, "partial-get.bin")));
    }

    [Fact]
    public async Task TenThousandEntriesListedCompletely()
    {
        var dir = Path.Combine(fixture.Root, "many");
        Directory.CreateDirectory(dir);
        for (int i = 0; i < 10_000; i++)
        {
            File.WriteAllBytes(Path.Combine(dir, $"f{i:D5}"), []);
        }

        var r = await ParamikoAsync("listing", "many", "10000");
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);

        var o = await OpenSsh.SftpBatchAsync(fixture.Port, "alice", ["ls -1 many"]);
        Assert.True(o.ExitCode == 0, o.StdErr);
        var names = o.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("sftp>", StringComparison.Ordinal)).Select(l => Path.GetFileName(l)).ToList();
        Assert.Equal(10_000, names.Count);
        Assert.Equal(10_000, names.Distinct().Count());
    }

    [Fact]
    public async Task RecursivePutAndGetOfATree()
    {
        var local = LocalDir("tree");
        var tree = Path.Combine(local, "tree");
        var files = new Dictionary<string, byte[]>();
        for (int d = 0; d < 4; d++)
        {
            var sub = Path.Combine(tree, $"d{d}", $"e{d % 2}");
            Directory.CreateDirectory(sub);
            for (int f = 0; f < 5; f++)
            {
                var rel = Path.Combine($"d{d}", $"e{d % 2}", $"file{f}.dat");
                files[rel] = RandomNumberGenerator.GetBytes(1000 * (f + 1) + d);
                await File.WriteAllBytesAsync(Path.Combine(tree, rel), files[rel]);
            }
        }

        var r = await OpenSsh.SftpBatchAsync(fixture.Port, "alice", ["put -r tree", "get -r tree treeback"], workingDirectory: local);
        Assert.True(r.ExitCode == 0, r.StdErr);
        foreach (var (rel, content) in files)
        {
            Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(fixture.Root, "tree", rel)));
            Assert.Equal(content, await File.ReadAllBytesAsync(Path.Combine(local, "treeback", rel)));
        }
    }

    [Fact]
    public async Task EscapeAttemptsStayInsideTheRoot()
    {
        var before = fixture.OutsideSnapshot();
        // An on-disk symlink that points outside must not be followed either.
        File.CreateSymbolicLink(Path.Combine(fixture.Root, "evil-link"), fixture.Outside);
        var r = await ParamikoAsync("escape");
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);

        var o = await OpenSsh.SftpBatchAsync(fixture.Port, "alice",
        [
            "-get evil-link/secret.txt stolen1.txt",
            "-ls evil-link",
            "-put /etc/hostname evil-link/planted.txt",
            "-mkdir evil-link/newdir",
            "-rename evil-link/secret.txt moved.txt",
            "-ln -s /etc/passwd abs-link",
            "-ln evil-link/secret.txt hard-out",
            "-chmod 777 evil-link/secret.txt",
            "-get ../outside/secret.txt stolen2.txt",
            "-cd evil-link",
        ], workingDirectory: LocalDir("escape"));
        Assert.False(File.Exists(Path.Combine(fixture.Base, "local-escape", "stolen1.txt")));
        Assert.False(File.Exists(Path.Combine(fixture.Base, "local-escape", "stolen2.txt")));
        Assert.Equal(before, fixture.OutsideSnapshot());
        Assert.Equal(["outside", "root"], Directory.EnumerateFileSystemEntries(fixture.Base).Select(Path.GetFileName)
            .Where(n => !n!.StartsWith("local-", StringComparison.Ordinal)).Order());
        File.Delete(Path.Combine(fixture.Root, "evil-link"));
    }

    [Fact]
    public async Task SixteenConnectionsAtOnceEveryByteVerified()
    {
        var local = LocalDir("parallel");
        var data = new Dictionary<int, byte[]>();
        for (int i = 0; i < 16; i++)
        {
            data[i] = RandomNumberGenerator.GetBytes(4 * 1024 * 1024 + i);
            if (i % 2 == 0)
            {
                await File.WriteAllBytesAsync(Path.Combine(local, $"up{i}.bin"), data[i]);
            }
            else
            {
                await File.WriteAllBytesAsync(Path.Combine(fixture.Root, $"down{i}.bin"), data[i]);
            }
        }

        var runs = Enumerable.Range(0, 16).Select(i => OpenSsh.SftpBatchAsync(fixture.Port, "alice",
            [i % 2 == 0 ? $"put up{i}.bin" : $"get down{i}.bin"], workingDirectory: local)).ToList();
        foreach (var r in await Task.WhenAll(runs))
        {
            Assert.True(r.ExitCode == 0, r.StdErr);
        }

        for (int i = 0; i < 16; i++)
        {
            var path = i % 2 == 0 ? Path.Combine(fixture.Root, $"up{i}.bin") : Path.Combine(local, $"down{i}.bin");
            Assert.Equal(data[i], await File.ReadAllBytesAsync(path));
        }
    }

    [Fact]
    public async Task EventsSeeEveryStepBeforeAndAfter()
    {
        fixture.Events.Clear();
        var local = LocalDir("events");
        await File.WriteAllTextAsync(Path.Combine(local, "e.txt"), "events");
        var r = await OpenSsh.SftpBatchAsync(fixture.Port, "alice", ["mkdir evdir", "put e.txt evdir/e.txt", "ls evdir", "rename evdir/e.txt evdir/f.txt", "rm evdir/f.txt", "rmdir evdir"], workingDirectory: local);
        Assert.True(r.ExitCode == 0, r.StdErr);
        var seen = fixture.Events.ToList();
        foreach (var op in new[] { SftpOperation.DirCreate, SftpOperation.FileOpen, SftpOperation.FileClose, SftpOperation.DirList, SftpOperation.FileRename, SftpOperation.FileRemove, SftpOperation.DirRemove })
        {
            Assert.Contains(seen, e => e.Op == op && e.Before);
            Assert.Contains(seen, e => e.Op == op && !e.Before && e.Status == SftpStatusCode.Ok);
        }

        Assert.Contains(seen, e => e.Op == SftpOperation.FileOpen && e.Path == "/evdir/e.txt");
    }
}
