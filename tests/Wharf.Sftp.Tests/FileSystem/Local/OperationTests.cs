using Wharf.Sftp.FileSystem;
using Wharf.Sftp.FileSystem.Local;
using static Wharf.Sftp.Tests.FileSystem.Local.TestRoot;

namespace Wharf.Sftp.Tests.FileSystem.Local;

public sealed class OperationTests : IDisposable
{
    private readonly TestRoot _t = new();

    public void Dispose() => _t.Dispose();

    private static async Task Code(SftpStatusCode code, Func<Task> action) => Assert.Equal(code, (await Fails(action)).Code);

    [Theory, InlineData(false), InlineData(true)]
    public async Task WriteReadRoundTripAtOffsets(bool walk)
    {
        using var fs = _t.Create(walk);
        var file = await fs.OpenFileAsync("/f", SftpOpenFlags.Read | SftpOpenFlags.Write | SftpOpenFlags.Create, SftpFileAttributes.Empty, Ct);
        await using (file)
        {
            await file.WriteAsync(5, "world"u8.ToArray(), Ct);
            await file.WriteAsync(0, "hello"u8.ToArray(), Ct);
            var buffer = new byte[4];
            Assert.Equal(4, await file.ReadAsync(3, buffer, Ct));
            Assert.Equal("lowo"u8.ToArray(), buffer);
            Assert.Equal(0, await file.ReadAsync(10, buffer, Ct));
            Assert.Equal(10UL, (await file.GetAttributesAsync(Ct)).Size);
            await file.FlushAsync(Ct);
            await file.CloseAsync(Ct);
        }

        Assert.Equal("helloworld", File.ReadAllText(_t.InRoot("f")));
    }

    [Fact]
    public async Task OpenFailuresHaveTheRightCodes()
    {
        using var fs = _t.Create();
        Directory.CreateDirectory(_t.InRoot("d"));
        File.WriteAllText(_t.InRoot("x"), "x");
        await Code(SftpStatusCode.NoSuchFile, () => fs.OpenFileAsync("/missing", SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct).AsTask());
        await Code(SftpStatusCode.NoSuchFile, () => fs.OpenFileAsync("/nodir/f", SftpOpenFlags.Write | SftpOpenFlags.Create, SftpFileAttributes.Empty, Ct).AsTask());
        await Code(SftpStatusCode.NotADirectory, () => fs.OpenFileAsync("/x/f", SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct).AsTask());
        await Code(SftpStatusCode.Failure, () => fs.OpenFileAsync("/d", SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct).AsTask());
        await Code(SftpStatusCode.Failure, () => fs.OpenFileAsync("/", SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct).AsTask());
        await Code(SftpStatusCode.FileAlreadyExists, () => fs.OpenFileAsync("/x", SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Exclusive, SftpFileAttributes.Empty, Ct).AsTask());
        await Code(SftpStatusCode.InvalidFilename, () => fs.OpenFileAsync("/a\0b", SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct).AsTask());
        await Code(SftpStatusCode.InvalidFilename, () => fs.OpenFileAsync("/" + new string('n', 300), SftpOpenFlags.Write | SftpOpenFlags.Create, SftpFileAttributes.Empty, Ct).AsTask());
        Assert.Equal("x", File.ReadAllText(_t.InRoot("x")));

        var readOnly = await fs.OpenFileAsync("/x", SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct);
        await using (readOnly)
        {
            await Code(SftpStatusCode.PermissionDenied, () => readOnly.WriteAsync(0, "y"u8.ToArray(), Ct).AsTask());
            await Code(SftpStatusCode.PermissionDenied, () => readOnly.SetAttributesAsync(new SftpFileAttributes { Size = 0 }, Ct).AsTask());
        }

        var writeOnly = await fs.OpenFileAsync("/x", SftpOpenFlags.Write, SftpFileAttributes.Empty, Ct);
        await using (writeOnly)
        {
            await Code(SftpStatusCode.PermissionDenied, () => writeOnly.ReadAsync(0, new byte[1], Ct).AsTask());
        }
    }

    [Fact]
    public async Task ExclusiveCreatesANewFile()
    {
        using var fs = _t.Create();
        await WriteFile(fs, "/new", "n", SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Exclusive);
        Assert.Equal("n", File.ReadAllText(_t.InRoot("new")));
    }

    [Fact]
    public async Task AppendWritesAtTheEndWhateverTheOffset()
    {
        using var fs = _t.Create();
        File.WriteAllText(_t.InRoot("log"), "one,");
        var file = await fs.OpenFileAsync("/log", SftpOpenFlags.Write | SftpOpenFlags.Append, SftpFileAttributes.Empty, Ct);
        await using (file)
        {
            await file.WriteAsync(0, "two,"u8.ToArray(), Ct);
            await file.WriteAsync(1, "three"u8.ToArray(), Ct);
            await file.CloseAsync(Ct);
        }

        Assert.Equal("one,two,three", File.ReadAllText(_t.InRoot("log")));
    }

    [Fact]
    public async Task TruncateEmptiesAnExistingFileAndCreateWithoutTruncateKeepsIt()
    {
        using var fs = _t.Create();
        File.WriteAllText(_t.InRoot("t"), "0123456789");
        await WriteFile(fs, "/t", "ab", SftpOpenFlags.Write | SftpOpenFlags.Create);
        Assert.Equal("ab23456789", File.ReadAllText(_t.InRoot("t")));
        await WriteFile(fs, "/t", "ab");
        Assert.Equal("ab", File.ReadAllText(_t.InRoot("t")));
    }

    [Fact]
    public async Task RemoveFile()
    {
        using var fs = _t.Create();
        File.WriteAllText(_t.InRoot("f"), "f");
        Directory.CreateDirectory(_t.InRoot("d"));
        File.CreateSymbolicLink(_t.InRoot("l"), "f");
        await fs.RemoveFileAsync("/l", Ct);
        Assert.True(File.Exists(_t.InRoot("f")));
        Assert.False(Path.Exists(_t.InRoot("l")));
        await fs.RemoveFileAsync("/f", Ct);
        Assert.False(File.Exists(_t.InRoot("f")));
        await Code(SftpStatusCode.NoSuchFile, () => fs.RemoveFileAsync("/f", Ct).AsTask());
        await Code(SftpStatusCode.Failure, () => fs.RemoveFileAsync("/d", Ct).AsTask());
        await Code(SftpStatusCode.PermissionDenied, () => fs.RemoveFileAsync("/", Ct).AsTask());
        Assert.True(Directory.Exists(_t.InRoot("d")));
    }

    [Fact]
    public async Task CreateAndRemoveDirectory()
    {
        using var fs = _t.Create();
        await fs.CreateDirectoryAsync("/d", SftpFileAttributes.Empty, Ct);
        Assert.True(Directory.Exists(_t.InRoot("d")));
        await Code(SftpStatusCode.FileAlreadyExists, () => fs.CreateDirectoryAsync("/d", SftpFileAttributes.Empty, Ct).AsTask());
        await Code(SftpStatusCode.FileAlreadyExists, () => fs.CreateDirectoryAsync("/", SftpFileAttributes.Empty, Ct).AsTask());
        await Code(SftpStatusCode.NoSuchFile, () => fs.CreateDirectoryAsync("/no/d", SftpFileAttributes.Empty, Ct).AsTask());
        File.WriteAllText(_t.InRoot("d/f"), "f");
        await Code(SftpStatusCode.NotADirectory, () => fs.CreateDirectoryAsync("/d/f/x", SftpFileAttributes.Empty, Ct).AsTask());
        await Code(SftpStatusCode.DirNotEmpty, () => fs.RemoveDirectoryAsync("/d", Ct).AsTask());
        await Code(SftpStatusCode.NotADirectory, () => fs.RemoveDirectoryAsync("/d/f", Ct).AsTask());
        await Code(SftpStatusCode.NoSuchFile, () => fs.RemoveDirectoryAsync("/nope", Ct).AsTask());
        await Code(SftpStatusCode.PermissionDenied, () => fs.RemoveDirectoryAsync("/", Ct).AsTask());
        File.Delete(_t.InRoot("d/f"));
        File.CreateSymbolicLink(_t.InRoot("dl"), "d");
        await Code(SftpStatusCode.NotADirectory, () => fs.RemoveDirectoryAsync("/dl", Ct).AsTask());
        await fs.RemoveDirectoryAsync("/d", Ct);
        Assert.False(Directory.Exists(_t.InRoot("d")));
    }

    [Fact]
    public async Task RenameHonoursOverwrite()
    {
        using var fs = _t.Create();
        File.WriteAllText(_t.InRoot("a"), "a");
        File.WriteAllText(_t.InRoot("b"), "b");
        await Code(SftpStatusCode.FileAlreadyExists, () => fs.RenameAsync("/a", "/b", false, Ct).AsTask());
        Assert.Equal("a", File.ReadAllText(_t.InRoot("a")));
        Assert.Equal("b", File.ReadAllText(_t.InRoot("b")));
        await fs.RenameAsync("/a", "/b", true, Ct);
        Assert.False(File.Exists(_t.InRoot("a")));
        Assert.Equal("a", File.ReadAllText(_t.InRoot("b")));
        await fs.RenameAsync("/b", "/c", false, Ct);
        Assert.Equal("a", File.ReadAllText(_t.InRoot("c")));
        await Code(SftpStatusCode.NoSuchFile, () => fs.RenameAsync("/b", "/d", false, Ct).AsTask());
        await Code(SftpStatusCode.PermissionDenied, () => fs.RenameAsync("/", "/x", false, Ct).AsTask());
    }

    [Fact]
    public async Task RenamingADirectoryIntoItselfFailsCleanly()
    {
        using var fs = _t.Create();
        Directory.CreateDirectory(_t.InRoot("d/sub"));
        await Code(SftpStatusCode.Failure, () => fs.RenameAsync("/d", "/d/sub/d", false, Ct).AsTask());
        await Code(SftpStatusCode.Failure, () => fs.RenameAsync("/d", "/d/sub/d", true, Ct).AsTask());
        Assert.True(Directory.Exists(_t.InRoot("d/sub")));
    }

    [Fact]
    public async Task RenameMovesASymlinkNotItsTarget()
    {
        using var fs = _t.Create();
        File.WriteAllText(_t.InRoot("t"), "t");
        File.CreateSymbolicLink(_t.InRoot("l"), "t");
        await fs.RenameAsync("/l", "/l2", false, Ct);
        Assert.True(File.Exists(_t.InRoot("t")));
        Assert.Equal("t", new FileInfo(_t.InRoot("l2")).LinkTarget);
    }

    [Fact]
    public async Task SymlinksAreStoredRelativeToTheirDirectory()
    {
        using var fs = _t.Create();
        Directory.CreateDirectory(_t.InRoot("a/b"));
        Directory.CreateDirectory(_t.InRoot("dir"));
        File.WriteAllText(_t.InRoot("dir/file"), "content");
        await fs.CreateSymbolicLinkAsync("/a/b/abs", "/dir/file", Ct);
        Assert.Equal("../../dir/file", await fs.ReadLinkAsync("/a/b/abs", Ct));
        Assert.Equal("content", await ReadFile(fs, "/a/b/abs"));
        await fs.CreateSymbolicLinkAsync("/a/b/rel", "./x/../../../dir/file", Ct);
        Assert.Equal("../../dir/file", await fs.ReadLinkAsync("/a/b/rel", Ct));
        await fs.CreateSymbolicLinkAsync("/a/self", ".", Ct);
        Assert.Equal(".", await fs.ReadLinkAsync("/a/self", Ct));
        Assert.Equal("/a", await fs.GetCanonicalPathAsync("/a/self", Ct));
        await Code(SftpStatusCode.FileAlreadyExists, () => fs.CreateSymbolicLinkAsync("/a/b/abs", "/dir", Ct).AsTask());
        await Code(SftpStatusCode.InvalidFilename, () => fs.CreateSymbolicLinkAsync("/a/e", "", Ct).AsTask());
        await Code(SftpStatusCode.Failure, () => fs.ReadLinkAsync("/dir/file", Ct).AsTask());
        await Code(SftpStatusCode.NoSuchFile, () => fs.ReadLinkAsync("/dir/none", Ct).AsTask());
    }

    [Fact]
    public async Task SymlinkInASymlinkedDirectoryIsRelativeToThePhysicalDirectory()
    {
        using var fs = _t.Create();
        Directory.CreateDirectory(_t.InRoot("real/deep"));
        File.WriteAllText(_t.InRoot("top"), "top");
        File.CreateSymbolicLink(_t.InRoot("alias"), "real/deep");
        await fs.CreateSymbolicLinkAsync("/alias/l", "/top", Ct);
        Assert.Equal("../../top", new FileInfo(_t.InRoot("real/deep/l")).LinkTarget);
        Assert.Equal("top", File.ReadAllText(_t.InRoot("real/deep/l")));
    }

    [Fact]
    public async Task HardLinks()
    {
        using var fs = _t.Create();
        File.WriteAllText(_t.InRoot("f"), "f");
        Directory.CreateDirectory(_t.InRoot("d"));
        await fs.CreateHardLinkAsync("/f", "/d/g", Ct);
        File.AppendAllText(_t.InRoot("d/g"), "+");
        Assert.Equal("f+", File.ReadAllText(_t.InRoot("f")));
        await Code(SftpStatusCode.FileAlreadyExists, () => fs.CreateHardLinkAsync("/f", "/d/g", Ct).AsTask());
        await Code(SftpStatusCode.NoSuchFile, () => fs.CreateHardLinkAsync("/none", "/h", Ct).AsTask());
        await Code(SftpStatusCode.PermissionDenied, () => fs.CreateHardLinkAsync("/d", "/d2", Ct).AsTask());
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task CanonicalPaths(bool walk)
    {
        using var fs = _t.Create(walk);
        Directory.CreateDirectory(_t.InRoot("a/b"));
        File.CreateSymbolicLink(_t.InRoot("l"), "a/b");
        Assert.Equal("/", await fs.GetCanonicalPathAsync("/", Ct));
        Assert.Equal("/a/b", await fs.GetCanonicalPathAsync("/l", Ct));
        Assert.Equal("/a/b/new", await fs.GetCanonicalPathAsync("/l/new", Ct));
        Assert.Equal("/a", await fs.GetCanonicalPathAsync("/l/..", Ct));
        await Code(SftpStatusCode.NoSuchFile, () => fs.GetCanonicalPathAsync("/missing/x", Ct).AsTask());
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task StatAndLstat(bool walk)
    {
        using var fs = _t.Create(walk);
        File.WriteAllText(_t.InRoot("f"), "12345");
        File.SetUnixFileMode(_t.InRoot("f"), (UnixFileMode)0x1A0); // 0640
        File.SetLastWriteTimeUtc(_t.InRoot("f"), new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        File.CreateSymbolicLink(_t.InRoot("l"), "f");
        var a = await fs.GetAttributesAsync("/f", true, Ct);
        Assert.Equal(5UL, a.Size);
        Assert.Equal(0x81A0u, a.Permissions);
        Assert.Equal(1577934245u, a.ModifyTime);
        Assert.NotNull(a.AccessTime);
        Assert.Equal(GetUid(_t.InRoot("f")), a.Uid);
        Assert.True((await fs.GetAttributesAsync("/l", false, Ct)).IsSymbolicLink);
        Assert.Equal(5UL, (await fs.GetAttributesAsync("/l", true, Ct)).Size);
        Assert.True((await fs.GetAttributesAsync("/", true, Ct)).IsDirectory);
        await Code(SftpStatusCode.NoSuchFile, () => fs.GetAttributesAsync("/none", false, Ct).AsTask());
        await Code(SftpStatusCode.NoSuchFile, () => fs.GetAttributesAsync("/none", true, Ct).AsTask());
    }

    private static uint GetUid(string path)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%u", path]) { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return uint.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task SetAttributesSizePermissionsTimes()
    {
        using var fs = _t.Create();
        File.WriteAllText(_t.InRoot("f"), "0123456789");
        await fs.SetAttributesAsync("/f", new SftpFileAttributes { Size = 4 }, true, Ct);
        Assert.Equal("0123", File.ReadAllText(_t.InRoot("f")));
        await fs.SetAttributesAsync("/f", new SftpFileAttributes { Size = 6 }, true, Ct);
        Assert.Equal(6, new FileInfo(_t.InRoot("f")).Length);
        await fs.SetAttributesAsync("/f", new SftpFileAttributes { Permissions = 0x180 }, true, Ct);
        Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(_t.InRoot("f")));
        await fs.SetAttributesAsync("/f", new SftpFileAttributes { AccessTime = 1000, ModifyTime = 2000 }, true, Ct);
        var a = await fs.GetAttributesAsync("/f", true, Ct);
        Assert.Equal(1000u, a.AccessTime);
        Assert.Equal(2000u, a.ModifyTime);

        File.CreateSymbolicLink(_t.InRoot("l"), "f");
        await fs.SetAttributesAsync("/l", new SftpFileAttributes { Permissions = 0x1A4 }, true, Ct);
        Assert.Equal((UnixFileMode)0x1A4, File.GetUnixFileMode(_t.InRoot("f")));
        await Code(SftpStatusCode.OpUnsupported, () => fs.SetAttributesAsync("/l", new SftpFileAttributes { Permissions = 0x1FF }, false, Ct).AsTask());
        await Code(SftpStatusCode.Failure, () => fs.SetAttributesAsync("/l", new SftpFileAttributes { Size = 0 }, false, Ct).AsTask());
        await Code(SftpStatusCode.NoSuchFile, () => fs.SetAttributesAsync("/none", new SftpFileAttributes { Size = 0 }, true, Ct).AsTask());
        Assert.Equal(6, new FileInfo(_t.InRoot("f")).Length);
    }

    [Fact]
    public async Task FileSetAttributesThroughTheHandle()
    {
        using var fs = _t.Create();
        var file = await fs.OpenFileAsync("/f", SftpOpenFlags.Write | SftpOpenFlags.Create, SftpFileAttributes.Empty, Ct);
        await using (file)
        {
            await file.WriteAsync(0, "abcdef"u8.ToArray(), Ct);
            await file.SetAttributesAsync(new SftpFileAttributes { Size = 3, Permissions = 0x1C0, ModifyTime = 12345 }, Ct);
            var a = await file.GetAttributesAsync(Ct);
            Assert.Equal(3UL, a.Size);
            Assert.Equal(0x81C0u, a.Permissions);
            Assert.Equal(12345u, a.ModifyTime);
            await file.CloseAsync(Ct);
        }
    }

    [Fact]
    public async Task OwnerChangesAreLimitedWhenRunningAsRoot()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("needs root");
        }

        File.WriteAllText(_t.InRoot("f"), "f");
        using (var fs = _t.Create())
        {
            await Code(SftpStatusCode.PermissionDenied, () => fs.SetAttributesAsync("/f", new SftpFileAttributes { Uid = 1234 }, true, Ct).AsTask());
            // Asking for the current owner is a no-op, not a change.
            await fs.SetAttributesAsync("/f", new SftpFileAttributes { Uid = 0, Gid = 0 }, true, Ct);
        }

        using (var fs = _t.Create(uid: 1234, gid: 2345))
        {
            await fs.SetAttributesAsync("/f", new SftpFileAttributes { Uid = 1234, Gid = 2345 }, true, Ct);
            Assert.Equal(1234u, (await fs.GetAttributesAsync("/f", false, Ct)).Uid);
            await Code(SftpStatusCode.PermissionDenied, () => fs.SetAttributesAsync("/f", new SftpFileAttributes { Uid = 0 }, true, Ct).AsTask());

            // Set-id bits are not granted on files.
            await fs.SetAttributesAsync("/f", new SftpFileAttributes { Permissions = 0xDED }, true, Ct);
            Assert.Equal(0x81EDu, (await fs.GetAttributesAsync("/f", false, Ct)).Permissions);
        }
    }

    [Fact]
    public async Task ConfiguredOwnerIsGivenToNewObjectsWhenRoot()
    {
        if (Environment.UserName != "root")
        {
            Assert.Skip("needs root");
        }

        using var fs = _t.Create(uid: 4321, gid: 5432);
        await WriteFile(fs, "/f", "f");
        await fs.CreateDirectoryAsync("/d", SftpFileAttributes.Empty, Ct);
        await fs.CreateSymbolicLinkAsync("/l", "/f", Ct);
        foreach (var path in new[] { "/f", "/d", "/l" })
        {
            var a = await fs.GetAttributesAsync(path, false, Ct);
            Assert.Equal(4321u, a.Uid);
            Assert.Equal(5432u, a.Gid);
        }
    }

    [Fact]
    public async Task OwnerNamesComeFromPasswdAndGroup()
    {
        using var fs = _t.Create();
        Assert.Equal("root", fs.GetUserName(0));
        Assert.Equal("root", fs.GetGroupName(0));
        Assert.Null(fs.GetUserName(3999999999));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task StatvfsMatchesStatF()
    {
        using var fs = _t.Create();
        var s = await fs.GetFileSystemStatsAsync("/", Ct);
        var psi = new System.Diagnostics.ProcessStartInfo("stat", ["-f", "-c", "%S %b %c %l", _t.Root]) { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var fields = p.StandardOutput.ReadToEnd().Trim().Split(' ').Select(ulong.Parse).ToArray();
        p.WaitForExit();
        Assert.Equal(fields[0], s.FragmentSize);
        Assert.Equal(fields[1], s.Blocks);
        Assert.Equal(fields[2], s.Files);
        Assert.Equal(fields[3], s.MaxNameLength);
        Assert.InRange(s.BlocksAvailable, 0UL, s.BlocksFree);
        Assert.InRange(s.BlocksFree, 0UL, s.Blocks);
        Assert.True(s.BlockSize > 0);
        var drive = new DriveInfo(_t.Root);
        Assert.Equal(drive.TotalSize, (long)(s.Blocks * s.FragmentSize));
    }

    [Fact]
    public async Task ErrnoInIOExceptionsIsMapped()
    {
        // The mapper relies on the runtime putting errno in HResult: /dev/full gives ENOSPC.
        using var handle = File.OpenHandle("/dev/full", FileMode.Open, FileAccess.Write);
        var ex = Assert.ThrowsAny<IOException>(() => RandomAccess.Write(handle, new byte[] { 1 }, 0));
        Assert.Equal(SftpStatusCode.NoSpaceOnFilesystem, Wharf.Sftp.FileSystem.Local.LocalErrorMapper.FromException(ex, "write", "/x").Code);
        await Task.CompletedTask;
    }
}
