using System.Reflection;
using System.Security.Cryptography;
using Wharf.Sftp.FileSystem;
using Wharf.Sftp.Protocol;
using Wharf.Ssh.IO;

namespace Wharf.Sftp.Tests.Protocol;

public sealed class SftpSessionExtensionTests : IAsyncLifetime
{
    private readonly TempDirFileSystem _fs = new();
    private SftpTestClient _c = null!;

    public async ValueTask InitializeAsync() => _c = await SftpTestClient.StartAsync(_fs, new SftpSessionOptions { MaxHandles = 77, MaxReadLength = 5000, MaxWriteLength = 6000, MaxPacketLength = 70_000 });

    public async ValueTask DisposeAsync()
    {
        await _c.DisposeAsync();
        _fs.Dispose();
    }

    private static ulong[] Uint64s(SftpReply reply)
    {
        Assert.Equal(SftpPacketType.ExtendedReply, reply.Type);
        var r = reply.Reader();
        var list = new List<ulong>();
        while (r.Remaining > 0)
        {
            list.Add(r.ReadUInt64());
        }

        return [.. list];
    }

    [Fact]
    public async Task Limits() =>
        Assert.Equal([70_000UL, 5000, 6000, 77], Uint64s(await _c.Extended("limits@openssh.com", _ => { })));

    [Fact]
    public async Task StatvfsAndFstatvfs()
    {
        ulong[] expected = [4096, 1024, 1000, 600, 500, 100, 60, 50, 42, 0, 255];
        Assert.Equal(expected, Uint64s(await _c.Extended("statvfs@openssh.com", w => w.WriteString("/"))));
        File.WriteAllBytes(_fs.Real("/f"), [1]);
        var h = await _c.OpenHandle("/f", SftpOpenFlags.Read);
        Assert.Equal(expected, Uint64s(await _c.Extended("fstatvfs@openssh.com", w => w.WriteBinary(h))));
        (await _c.Extended("fstatvfs@openssh.com", w => w.WriteBinary(new byte[32]))).AssertStatus(SftpStatusCode.Failure, "invalid handle");
        _fs.Fault = (op, _) => op == "statvfs" ? new SftpException(SftpStatusCode.OpUnsupported, "no statvfs here") : null;
        (await _c.Extended("statvfs@openssh.com", w => w.WriteString("/"))).AssertStatus(SftpStatusCode.OpUnsupported, "no statvfs here");
    }

    [Fact]
    public async Task SpaceAvailable()
    {
        var reply = await _c.Extended("space-available", w => w.WriteString("/"));
        Assert.Equal(SftpPacketType.ExtendedReply, reply.Type);
        var r = reply.Reader();
        Assert.Equal(1000UL * 1024, r.ReadUInt64());
        Assert.Equal(600UL * 1024, r.ReadUInt64());
        Assert.Equal(1000UL * 1024, r.ReadUInt64());
        Assert.Equal(500UL * 1024, r.ReadUInt64());
        Assert.Equal(1024u, r.ReadUInt32());
        Assert.Equal(0, r.Remaining);
    }

    [Fact]
    public async Task HardlinkFsyncLsetstat()
    {
        File.WriteAllText(_fs.Real("/a"), "a");
        (await _c.Extended("hardlink@openssh.com", w => { w.WriteString("/a"); w.WriteString("b"); })).AssertOk();
        Assert.Equal("a", File.ReadAllText(_fs.Real("/b")));
        (await _c.Extended("hardlink@openssh.com", w => { w.WriteString("/nope"); w.WriteString("c"); })).AssertStatus(SftpStatusCode.NoSuchFile);
        var h = await _c.OpenHandle("/a", SftpOpenFlags.Write);
        (await _c.Extended("fsync@openssh.com", w => w.WriteBinary(h))).AssertOk();
        var seen = new List<string>();
        _fs.Fault = (op, p) => { seen.Add(op + " " + p); return null; };
        (await _c.Extended("lsetstat@openssh.com", w => { w.WriteString("/a"); SftpTestClient.WriteAttributes(w, new() { ModifyTime = 1_000_000 }); })).AssertOk();
        Assert.Equal(["lsetstat /a"], seen);
        Assert.Equal(1_000_000, new DateTimeOffset(File.GetLastWriteTimeUtc(_fs.Real("/a"))).ToUnixTimeSeconds());
    }

    [Fact]
    public async Task UsersGroupsById()
    {
        var reply = await _c.Extended("users-groups-by-id@openssh.com", w =>
        {
            using var u = new SshWriter();
            u.WriteUInt32(0);
            u.WriteUInt32(1000);
            u.WriteUInt32(4242);
            w.WriteBinary(u.WrittenSpan);
            using var g = new SshWriter();
            g.WriteUInt32(100);
            w.WriteBinary(g.WrittenSpan);
        });
        Assert.Equal(SftpPacketType.ExtendedReply, reply.Type);
        var r = reply.Reader();
        var users = new SshReader(r.ReadBinary());
        Assert.Equal(["root", "alice", ""], [users.ReadString(), users.ReadString(), users.ReadString()]);
        Assert.Equal(0, users.Remaining);
        var groups = new SshReader(r.ReadBinary());
        Assert.Equal("users", groups.ReadString());
        Assert.Equal(0, groups.Remaining);
        Assert.Equal(0, r.Remaining);
        (await _c.Extended("users-groups-by-id@openssh.com", w => { w.WriteBinary([1, 2, 3]); w.WriteBinary([]); })).AssertStatus(SftpStatusCode.BadMessage);
    }

    /// <summary>
    /// Found by fuzzing (target sftp): over a file system without <see cref="IFileOwnerNames"/>
    /// the loop skipped reading each id along with the lookup, so it never ended and grew its
    /// reply without bound. Each id now gets an empty name.
    /// </summary>
    [Fact]
    public async Task UsersGroupsByIdWithoutOwnerNamesAnswersEmptyNames()
    {
        var bare = DispatchProxy.Create<IFileSystem, OnlyFileSystem>();
        ((OnlyFileSystem)(object)bare).Inner = _fs;
        Assert.False(bare is IFileOwnerNames);
        await using var c = await SftpTestClient.StartAsync(bare);
        // The fuzzer's input: one uid and one gid, both 0.
        var reply = await c.Extended("users-groups-by-id@openssh.com", w => { w.WriteBinary(new byte[4]); w.WriteBinary(new byte[4]); })
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(SftpPacketType.ExtendedReply, reply.Type);
        var r = reply.Reader();
        var users = new SshReader(r.ReadBinary());
        Assert.Equal("", users.ReadString());
        Assert.Equal(0, users.Remaining);
        var groups = new SshReader(r.ReadBinary());
        Assert.Equal("", groups.ReadString());
        Assert.Equal(0, groups.Remaining);
        Assert.Equal(0, r.Remaining);
    }

    /// <summary>An <see cref="IFileSystem"/> and nothing else, forwarding to <see cref="Inner"/>.</summary>
    public class OnlyFileSystem : DispatchProxy
    {
        public IFileSystem Inner { get; set; } = null!;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod!.Invoke(Inner, args);
    }

    [Fact]
    public async Task CopyData()
    {
        var content = RandomNumberGenerator.GetBytes(200_001);
        File.WriteAllBytes(_fs.Real("/src"), content);
        var src = await _c.OpenHandle("/src", SftpOpenFlags.Read | SftpOpenFlags.Write);
        var dst = await _c.OpenHandle("/dst", SftpOpenFlags.Write | SftpOpenFlags.Create);
        Task<SftpReply> Copy(byte[] from, ulong off, ulong len, byte[] to, ulong woff) => _c.Extended("copy-data", w =>
        {
            w.WriteBinary(from);
            w.WriteUInt64(off);
            w.WriteUInt64(len);
            w.WriteBinary(to);
            w.WriteUInt64(woff);
        });

        (await Copy(src, 0, 0, dst, 0)).AssertOk(); // 0 = to end of file
        Assert.Equal(content, File.ReadAllBytes(_fs.Real("/dst")));
        (await Copy(src, 10, 20, dst, 300_000)).AssertOk();
        var dstBytes = File.ReadAllBytes(_fs.Real("/dst"));
        Assert.Equal(300_020, dstBytes.Length);
        Assert.Equal(content[10..30], dstBytes[300_000..]);
        (await Copy(src, 0, 100, src, 50)).AssertStatus(SftpStatusCode.Failure, "overlapping");
        (await Copy(src, 0, 0, src, 300_000)).AssertStatus(SftpStatusCode.Failure);
        (await Copy(src, 0, 100, src, 100)).AssertOk(); // same handle, disjoint ranges
        Assert.Equal(content[..100], File.ReadAllBytes(_fs.Real("/src"))[100..200]);
        (await Copy(src, 0, 1, new byte[32], 0)).AssertStatus(SftpStatusCode.Failure, "invalid handle");
    }

    [Theory]
    [InlineData("md5")]
    [InlineData("sha1")]
    [InlineData("sha256")]
    [InlineData("sha512")]
    public async Task CheckFileWholeRange(string algorithm)
    {
        var content = RandomNumberGenerator.GetBytes(150_000);
        File.WriteAllBytes(_fs.Real("/h"), content);
        var name = algorithm switch { "md5" => HashAlgorithmName.MD5, "sha1" => HashAlgorithmName.SHA1, "sha256" => HashAlgorithmName.SHA256, _ => HashAlgorithmName.SHA512 };
        using var expected = IncrementalHash.CreateHash(name);
        expected.AppendData(content);
        byte[] whole = expected.GetHashAndReset();

        var reply = await _c.Extended("check-file-name", w => { w.WriteString("/h"); w.WriteString("crc32,nope," + algorithm + ",md5"); w.WriteUInt64(0); w.WriteUInt64(0); w.WriteUInt32(0); });
        Assert.Equal(whole, CheckFileHashes(reply, algorithm));

        var h = await _c.OpenHandle("/h", SftpOpenFlags.Read);
        reply = await _c.Extended("check-file-handle", w => { w.WriteBinary(h); w.WriteString(algorithm); w.WriteUInt64(1000); w.WriteUInt64(5000); w.WriteUInt32(0); });
        expected.AppendData(content, 1000, 5000);
        Assert.Equal(expected.GetHashAndReset(), CheckFileHashes(reply, algorithm));
    }

    [Fact]
    public async Task CheckFileBlocks()
    {
        var content = RandomNumberGenerator.GetBytes(10_000);
        File.WriteAllBytes(_fs.Real("/h"), content);
        var reply = await _c.Extended("check-file-name", w => { w.WriteString("/h"); w.WriteString("sha256"); w.WriteUInt64(100); w.WriteUInt64(0); w.WriteUInt32(4096); });
        var expected = new List<byte>();
        for (int off = 100; off < content.Length; off += 4096)
        {
            expected.AddRange(SHA256.HashData(content.AsSpan(off, Math.Min(4096, content.Length - off))));
        }

        Assert.Equal(expected.ToArray(), CheckFileHashes(reply, "sha256"));
        (await _c.Extended("check-file-name", w => { w.WriteString("/h"); w.WriteString("sha256"); w.WriteUInt64(0); w.WriteUInt64(0); w.WriteUInt32(100); })).AssertStatus(SftpStatusCode.Failure, "block size");
        (await _c.Extended("check-file-name", w => { w.WriteString("/h"); w.WriteString("crc32"); w.WriteUInt64(0); w.WriteUInt64(0); w.WriteUInt32(0); })).AssertStatus(SftpStatusCode.OpUnsupported);
        (await _c.Extended("check-file-name", w => { w.WriteString("/none"); w.WriteString("md5"); w.WriteUInt64(0); w.WriteUInt64(0); w.WriteUInt32(0); })).AssertStatus(SftpStatusCode.NoSuchFile);
    }

    private static byte[] CheckFileHashes(SftpReply reply, string algorithm)
    {
        Assert.True(reply.Type == SftpPacketType.ExtendedReply, $"got {reply.Type}");
        var r = reply.Reader();
        Assert.Equal("check-file", r.ReadString());
        Assert.Equal(algorithm, r.ReadString());
        return r.RemainingSpan.ToArray();
    }

    [Fact]
    public async Task UnknownExtensionIsUnsupported()
    {
        (await _c.Extended("nope@example.com", w => w.WriteString("x"))).AssertStatus(SftpStatusCode.OpUnsupported);
        Assert.Equal(4, Uint64s(await _c.Extended("limits@openssh.com", _ => { })).Length);
    }
}
