using System.Text;
using Wharf.Sftp.FileSystem;
using Wharf.Sftp.Protocol;

namespace Wharf.Sftp.Tests.Protocol;

public sealed class SftpSessionTests : IAsyncLifetime
{
    private readonly TempDirFileSystem _fs = new();
    private SftpTestClient _c = null!;

    public async ValueTask InitializeAsync() => _c = await SftpTestClient.StartAsync(_fs);

    public async ValueTask DisposeAsync()
    {
        await _c.DisposeAsync();
        _fs.Dispose();
    }

    private async Task<byte[]> Put(string path, byte[] content)
    {
        var h = await _c.OpenHandle(path, SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate);
        if (content.Length > 0)
        {
            (await _c.Write(h, 0, content)).AssertOk();
        }

        (await _c.Close(h)).AssertOk();
        return content;
    }

    [Fact]
    public async Task VersionIs3WithOpenSshExtensionsInOrder()
    {
        await using var c = await SftpTestClient.StartAsync(_fs, version: 6);
        Assert.Equal(3u, c.ServerVersion);
        Assert.Equal(3, c.Session.ProtocolVersion);
        Assert.Equal(
            [("posix-rename@openssh.com", "1"), ("statvfs@openssh.com", "2"), ("fstatvfs@openssh.com", "2"), ("hardlink@openssh.com", "1"),
             ("fsync@openssh.com", "1"), ("lsetstat@openssh.com", "1"), ("limits@openssh.com", "1"), ("expand-path@openssh.com", "1"),
             ("copy-data", "1"), ("home-directory", "1"), ("users-groups-by-id@openssh.com", "1"),
             ("check-file-handle", "1"), ("check-file-name", "1"), ("space-available", "1")],
            c.Extensions);
    }

    [Fact]
    public async Task CleanEndReturnsZeroAndAbortsOpenHandles()
    {
        await Put("/f", [1, 2, 3]);
        var h1 = await _c.OpenHandle("/f", SftpOpenFlags.Read);
        var h2 = await _c.OpenHandle("/f", SftpOpenFlags.Write);
        var d = (await _c.PathRequest(SftpPacketType.Opendir, "/")).Handle;
        int closedBefore = _fs.FilesClosed;
        await _c.CompleteAsync();
        Assert.Equal(0, await _c.SessionTask.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(closedBefore, _fs.FilesClosed); // aborted, not closed
        Assert.Equal(3, _fs.FilesDisposed);          // the Put's file and the two left open
        Assert.Equal(1, _fs.DirectoriesDisposed);
        Assert.NotEqual(h1, h2);
        Assert.Equal(32, d.Length);
    }

    [Fact]
    public async Task OpenErrors()
    {
        (await _c.Open("/missing", SftpOpenFlags.Read)).AssertStatus(SftpStatusCode.NoSuchFile);
        await Put("/exists", [1]);
        // v3 has no FILE_ALREADY_EXISTS: FAILURE, message kept.
        (await _c.Open("/exists", SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Exclusive)).AssertStatus(SftpStatusCode.Failure, "exist");
        _fs.Fault = (op, path) => op == "open" ? new SftpException(SftpStatusCode.PermissionDenied, "denied by policy") : null;
        (await _c.Open("/exists", SftpOpenFlags.Read)).AssertStatus(SftpStatusCode.PermissionDenied, "denied by policy");
        _fs.Fault = (op, path) => op == "open" ? new UnauthorizedAccessException("/real/path") : null;
        (await _c.Open("/exists", SftpOpenFlags.Read)).AssertStatus(SftpStatusCode.PermissionDenied);
        _fs.Fault = null;
        (await _c.Open("/exists", SftpOpenFlags.Read)).Handle.ToString();
    }

    [Fact]
    public async Task ExclusiveCreateMakesANewFile()
    {
        var h = await _c.OpenHandle("/new", SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Exclusive);
        (await _c.Close(h)).AssertOk();
        Assert.True(File.Exists(_fs.Real("/new")));
    }

    [Fact]
    public async Task AppendWritesAtTheEnd()
    {
        await Put("/a", "hello "u8.ToArray());
        var h = await _c.OpenHandle("/a", SftpOpenFlags.Write | SftpOpenFlags.Append);
        (await _c.Write(h, 0, "world"u8.ToArray())).AssertOk();
        (await _c.Close(h)).AssertOk();
        Assert.Equal("hello world", File.ReadAllText(_fs.Real("/a")));
    }

    [Fact]
    public async Task TruncateOnOpenAndBySetstat()
    {
        await Put("/t", new byte[1000]);
        var h = await _c.OpenHandle("/t", SftpOpenFlags.Write | SftpOpenFlags.Truncate);
        Assert.Equal(0UL, (await _c.HandleRequest(SftpPacketType.Fstat, h)).Attributes.Size);
        (await _c.Close(h)).AssertOk();
        await Put("/t", new byte[1000]);
        (await _c.Request(SftpPacketType.Setstat, w => { w.WriteString("/t"); SftpTestClient.WriteAttributes(w, new() { Size = 10 }); })).AssertOk();
        Assert.Equal(10, new FileInfo(_fs.Real("/t")).Length);
        h = await _c.OpenHandle("/t", SftpOpenFlags.Write);
        (await _c.Request(SftpPacketType.Fsetstat, w => { w.WriteBinary(h); SftpTestClient.WriteAttributes(w, new() { Size = 3, Permissions = 0x180 }); })).AssertOk();
        var a = (await _c.HandleRequest(SftpPacketType.Fstat, h)).Attributes;
        Assert.Equal(3UL, a.Size);
        Assert.Equal(0x8180u, a.Permissions);
        Assert.True(a.IsRegularFile);
    }

    [Fact]
    public async Task ReadPastEndIsEofAndLongReadsAreShortened()
    {
        await using var c = await SftpTestClient.StartAsync(_fs, new SftpSessionOptions { MaxReadLength = 1000 });
        var content = Encoding.ASCII.GetBytes(new string('x', 5000));
        File.WriteAllBytes(_fs.Real("/r"), content);
        var h = await c.OpenHandle("/r", SftpOpenFlags.Read);
        Assert.Equal(1000, (await c.Read(h, 0, 1 << 20)).Data.Length);
        Assert.Equal(500, (await c.Read(h, 4500, 1000)).Data.Length); // short read at the end
        (await c.Read(h, 5000, 10)).AssertStatus(SftpStatusCode.Eof);
        (await c.Read(h, ulong.MaxValue, 10)).AssertStatus(SftpStatusCode.Eof);
        Assert.Empty((await c.Read(h, 0, 0)).Data);
    }

    [Fact]
    public async Task StatLstatAndErrors()
    {
        await Put("/s", [1, 2, 3]);
        var a = (await _c.PathRequest(SftpPacketType.Stat, "/s")).Attributes;
        Assert.Equal(3UL, a.Size);
        Assert.True(a.IsRegularFile);
        Assert.NotNull(a.ModifyTime);
        Assert.True((await _c.PathRequest(SftpPacketType.Lstat, "/")).Attributes.IsDirectory);
        (await _c.PathRequest(SftpPacketType.Stat, "/nope")).AssertStatus(SftpStatusCode.NoSuchFile);
        (await _c.PathRequest(SftpPacketType.Lstat, "/nope")).AssertStatus(SftpStatusCode.NoSuchFile);
        (await _c.HandleRequest(SftpPacketType.Fstat, new byte[32])).AssertStatus(SftpStatusCode.Failure, "invalid handle");
    }

    [Fact]
    public async Task DirectoriesAndRemove()
    {
        (await _c.Request(SftpPacketType.Mkdir, w => { w.WriteString("d"); SftpTestClient.WriteAttributes(w, null); })).AssertOk();
        Assert.True(Directory.Exists(_fs.Real("/d")));
        (await _c.Request(SftpPacketType.Mkdir, w => { w.WriteString("/d"); SftpTestClient.WriteAttributes(w, null); })).AssertStatus(SftpStatusCode.Failure, "exists");
        await Put("/d/f", [1]);
        (await _c.PathRequest(SftpPacketType.Rmdir, "/d")).AssertStatus(SftpStatusCode.Failure); // not empty
        (await _c.PathRequest(SftpPacketType.Remove, "/d")).AssertStatus(SftpStatusCode.Failure);
        (await _c.PathRequest(SftpPacketType.Remove, "/d/f")).AssertOk();
        (await _c.PathRequest(SftpPacketType.Remove, "/d/f")).AssertStatus(SftpStatusCode.NoSuchFile);
        (await _c.PathRequest(SftpPacketType.Rmdir, "/d")).AssertOk();
        (await _c.PathRequest(SftpPacketType.Rmdir, "/d")).AssertStatus(SftpStatusCode.NoSuchFile);
    }

    [Fact]
    public async Task RealpathNormalisesAndCanonicalises()
    {
        var names = (await _c.PathRequest(SftpPacketType.Realpath, "../../a/./b//c/..")).Names;
        var (name, longName, attrs) = Assert.Single(names);
        Assert.Equal("/a/b", name);
        Assert.Equal("/a/b", longName);
        Assert.Null(attrs.Size);
        Assert.Null(attrs.Permissions);
        Assert.Equal("/", Assert.Single((await _c.PathRequest(SftpPacketType.Realpath, ".")).Names).Name);
        Assert.Equal("/", Assert.Single((await _c.PathRequest(SftpPacketType.Realpath, "")).Names).Name);
    }

    [Fact]
    public async Task RelativePathsStartAtHome()
    {
        Directory.CreateDirectory(_fs.Real("/home/u"));
        await using var c = await SftpTestClient.StartAsync(_fs, new SftpSessionOptions { HomeDirectory = "/home/u" });
        Assert.Equal("/home/u", Assert.Single((await c.PathRequest(SftpPacketType.Realpath, ".")).Names).Name);
        var h = await c.OpenHandle("rel.txt", SftpOpenFlags.Write | SftpOpenFlags.Create);
        (await c.Close(h)).AssertOk();
        Assert.True(File.Exists(_fs.Real("/home/u/rel.txt")));
        Assert.Equal("/home/u", Assert.Single((await c.Extended("home-directory", w => w.WriteString(""))).Names).Name);
        Assert.Equal("/home/u", Assert.Single((await c.Extended("expand-path@openssh.com", w => w.WriteString("~"))).Names).Name);
        Assert.Equal("/home/u/x/y", Assert.Single((await c.Extended("expand-path@openssh.com", w => w.WriteString("~/x//y/."))).Names).Name);
        Assert.Equal("/home/z", Assert.Single((await c.Extended("expand-path@openssh.com", w => w.WriteString("../z"))).Names).Name);
        (await c.Extended("expand-path@openssh.com", w => w.WriteString("~bob/x"))).AssertStatus(SftpStatusCode.NoSuchFile);
    }

    [Fact]
    public async Task PathsAreNeverAboveRootForTheFileSystem()
    {
        var seen = new List<string>();
        _fs.Fault = (op, p) => { lock (seen) { seen.Add(p); } return null; };
        (await _c.PathRequest(SftpPacketType.Stat, "../../etc/passwd")).AssertStatus(SftpStatusCode.NoSuchFile);
        (await _c.PathRequest(SftpPacketType.Stat, "/../..//etc/./passwd")).AssertStatus(SftpStatusCode.NoSuchFile);
        Assert.Equal(["/etc/passwd", "/etc/passwd"], seen);
    }

    [Fact]
    public async Task InvalidNamesAreRefused()
    {
        (await _c.Request(SftpPacketType.Stat, w => w.WriteBinary("a\0b"u8))).AssertStatus(SftpStatusCode.Failure, "invalid file name");
        (await _c.Request(SftpPacketType.Stat, w => w.WriteBinary([0x61, 0xC3]))).AssertStatus(SftpStatusCode.Failure, "invalid file name");
        (await _c.PathRequest(SftpPacketType.Stat, "/")).Attributes.ToString();
    }

    [Fact]
    public async Task RenameRefusesToOverwriteButPosixRenameReplaces()
    {
        await Put("/old", "old"u8.ToArray());
        await Put("/target", "target"u8.ToArray());
        (await _c.TwoPaths(SftpPacketType.Rename, "/old", "/target")).AssertStatus(SftpStatusCode.Failure);
        Assert.Equal("target", File.ReadAllText(_fs.Real("/target")));
        (await _c.Extended("posix-rename@openssh.com", w => { w.WriteString("/old"); w.WriteString("/target"); })).AssertOk();
        Assert.Equal("old", File.ReadAllText(_fs.Real("/target")));
        Assert.False(File.Exists(_fs.Real("/old")));
        (await _c.TwoPaths(SftpPacketType.Rename, "/target", "/renamed")).AssertOk();
        (await _c.TwoPaths(SftpPacketType.Rename, "/missing", "/x")).AssertStatus(SftpStatusCode.NoSuchFile);
    }

    [Fact]
    public async Task SymlinkTakesTargetFirstThenLink()
    {
        await Put("/target.txt", "t"u8.ToArray());
        // OpenSSH order: targetpath, then linkpath.
        (await _c.TwoPaths(SftpPacketType.Symlink, "target.txt", "/link")).AssertOk();
        Assert.Equal("target.txt", new FileInfo(_fs.Real("/link")).LinkTarget);
        var (name, longName, _) = Assert.Single((await _c.PathRequest(SftpPacketType.Readlink, "/link")).Names);
        Assert.Equal("target.txt", name);
        Assert.Equal("target.txt", longName);
        Assert.True((await _c.PathRequest(SftpPacketType.Lstat, "/link")).Attributes.IsSymbolicLink);
        Assert.True((await _c.PathRequest(SftpPacketType.Stat, "/link")).Attributes.IsRegularFile);
        (await _c.PathRequest(SftpPacketType.Readlink, "/target.txt")).AssertStatus(SftpStatusCode.Failure);
    }

    [Fact]
    public async Task SymlinkInDraftOrderForClientsThatSendItSo()
    {
        // asyncssh and ssh2 towards a server that does not look like OpenSSH: linkpath, then targetpath.
        await using var c = await SftpTestClient.StartAsync(_fs, symlinkOrder: SymlinkArgumentOrder.LinkFirst);
        await Put("/target.txt", "t"u8.ToArray());
        (await c.TwoPaths(SftpPacketType.Symlink, "/link", "target.txt")).AssertOk();
        Assert.Equal("target.txt", new FileInfo(_fs.Real("/link")).LinkTarget);
        Assert.Equal("t", File.ReadAllText(_fs.Real("/target.txt")));
        Assert.Null(new FileInfo(_fs.Real("/target.txt")).LinkTarget);
        // The first path is the link whatever the second: an existing name there is not replaced.
        (await c.TwoPaths(SftpPacketType.Symlink, "/target.txt", "/link")).AssertStatus(SftpStatusCode.Failure);
        Assert.Null(new FileInfo(_fs.Real("/target.txt")).LinkTarget);
    }

    [Fact]
    public async Task ReaddirListsTenThousandEntriesOnceEach()
    {
        Directory.CreateDirectory(_fs.Real("/big"));
        for (int i = 0; i < 10_000; i++)
        {
            File.WriteAllBytes(_fs.Real($"/big/file-{i:D5}-{new string('n', i % 50)}"), []);
        }

        var h = (await _c.PathRequest(SftpPacketType.Opendir, "/big")).Handle;
        var names = new List<string>();
        int replies = 0;
        while (true)
        {
            var reply = await _c.HandleRequest(SftpPacketType.Readdir, h);
            if (reply.Type == SftpPacketType.Status)
            {
                reply.AssertStatus(SftpStatusCode.Eof);
                break;
            }

            var batch = reply.Names;
            Assert.InRange(batch.Count, 1, 100);
            foreach (var (name, longName, attrs) in batch)
            {
                names.Add(name);
                Assert.Matches(@"^-[rwx-]{9} +1 root +wheel +0 [A-Z][a-z]{2} [ \d]\d ( \d{4}|\d\d:\d\d) " + System.Text.RegularExpressions.Regex.Escape(name) + "$", longName);
                Assert.True(attrs.IsRegularFile);
            }

            replies++;
        }

        (await _c.HandleRequest(SftpPacketType.Readdir, h)).AssertStatus(SftpStatusCode.Eof);
        (await _c.Close(h)).AssertOk();
        Assert.Equal(10_000, names.Count);
        Assert.Equal(10_000, names.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => $"file-{i:D5}-{new string('n', i % 50)}").Order(), names.Order());
        Assert.True(replies >= 100);
    }

    [Fact]
    public async Task HandleKindsAreDistinguished()
    {
        await Put("/f", [1]);
        var dir = (await _c.PathRequest(SftpPacketType.Opendir, "/")).Handle;
        var file = await _c.OpenHandle("/f", SftpOpenFlags.Read);
        (await _c.HandleRequest(SftpPacketType.Readdir, file)).AssertStatus(SftpStatusCode.Failure, "invalid handle");
        (await _c.Read(dir, 0, 10)).AssertStatus(SftpStatusCode.Failure, "invalid handle");
        (await _c.PathRequest(SftpPacketType.Opendir, "/f")).AssertStatus(SftpStatusCode.NoSuchFile);
        (await _c.Close(dir)).AssertOk();
        (await _c.Close(dir)).AssertStatus(SftpStatusCode.Failure, "invalid handle");
        (await _c.Close(file)).AssertOk();
        (await _c.Read(file, 0, 10)).AssertStatus(SftpStatusCode.Failure, "invalid handle");
    }

    [Fact]
    public async Task CloseReportsCommitFailureAndStillReleasesTheFile()
    {
        var h = await _c.OpenHandle("/c", SftpOpenFlags.Write | SftpOpenFlags.Create);
        _fs.Fault = (op, _) => op == "close" ? new SftpException(SftpStatusCode.Failure, "commit failed") : null;
        (await _c.Close(h)).AssertStatus(SftpStatusCode.Failure, "commit failed");
        Assert.Equal(1, _fs.FilesDisposed);
        _fs.Fault = null;
        (await _c.Close(h)).AssertStatus(SftpStatusCode.Failure, "invalid handle");
    }

    [Fact]
    public async Task UnexpectedExceptionIsInternalErrorAndTheSessionGoesOn()
    {
        _fs.Fault = (op, _) => op == "stat" ? new InvalidOperationException("/secret/host/path") : null;
        (await _c.PathRequest(SftpPacketType.Stat, "/")).AssertStatus(SftpStatusCode.Failure, "internal error");
        Assert.True((await _c.PathRequest(SftpPacketType.Lstat, "/")).Attributes.IsDirectory);
    }

    [Fact]
    public async Task TooManyHandles()
    {
        await using var c = await SftpTestClient.StartAsync(_fs, new SftpSessionOptions { MaxHandles = 2 });
        await Put("/f", [1]);
        var h1 = await c.OpenHandle("/f", SftpOpenFlags.Read);
        var h2 = (await c.PathRequest(SftpPacketType.Opendir, "/")).Handle;
        (await c.Open("/f", SftpOpenFlags.Read)).AssertStatus(SftpStatusCode.Failure, "too many open handles");
        (await c.PathRequest(SftpPacketType.Opendir, "/")).AssertStatus(SftpStatusCode.Failure, "too many open handles");
        (await c.Close(h1)).AssertOk();
        var h3 = await c.OpenHandle("/f", SftpOpenFlags.Read);
        (await c.Close(h2)).AssertOk();
        (await c.Close(h3)).AssertOk();
    }
}
