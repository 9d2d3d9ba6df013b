using Wharf.Sftp.FileSystem;
using Wharf.Sftp.FileSystem.Local;
using static Wharf.Sftp.Tests.FileSystem.Local.TestRoot;

namespace Wharf.Sftp.Tests.FileSystem.Local;

/// <summary>
/// Attempts to reach outside the root. Each must fail and leave everything outside unchanged,
/// with openat2 (walk: false) and with the component walk used on kernels without it (walk: true).
/// </summary>
public sealed class EscapeTests : IDisposable
{
    private readonly TestRoot _t = new();

    public void Dispose() => _t.Dispose();

    private (LocalFileSystem Fs, string Before) Setup(bool walk, UploadMode mode = UploadMode.Standard)
    {
        Directory.CreateDirectory(_t.InRoot("dir"));
        File.WriteAllText(_t.InRoot("file"), "inside");
        File.CreateSymbolicLink(_t.InRoot("etc"), "/etc");
        File.CreateSymbolicLink(_t.InRoot("up"), "../outside");
        File.CreateSymbolicLink(_t.InRoot("abs"), _t.Outside);
        File.CreateSymbolicLink(_t.InRoot("dir/deep"), "../../outside/sub");
        File.CreateSymbolicLink(_t.InRoot("prefix"), "../root2/file");
        File.CreateSymbolicLink(_t.InRoot("dangling"), "../outside/created");
        File.CreateSymbolicLink(_t.InRoot("dangling-abs"), Path.Combine(_t.Outside, "created-abs"));
        File.CreateSymbolicLink(_t.InRoot("chain1"), "chain2");
        File.CreateSymbolicLink(_t.InRoot("chain2"), "dir/../../outside");
        var fs = _t.Create(walk, mode);
        Assert.Equal(!walk, fs.Resolver.UsesOpenat2);
        return (fs, _t.SnapshotOutside());
    }

    private async Task Denied(LocalFileSystem fs, string before, Func<Task> attempt, params SftpStatusCode[] codes)
    {
        var ex = await Fails(attempt);
        Assert.Contains(ex.Code, codes.Length == 0 ? [SftpStatusCode.PermissionDenied] : codes);
        Assert.DoesNotContain(_t.Base, ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, _t.SnapshotOutside());
        _ = fs;
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task RawDotDotIsRefused(bool walk)
    {
        var (fs, before) = Setup(walk);
        await Denied(fs, before, () => fs.GetAttributesAsync("/../outside/secret", true, Ct).AsTask());
        await Denied(fs, before, () => fs.OpenFileAsync("/dir/../../outside/secret", SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.OpenFileAsync("/../../outside/new", SftpOpenFlags.Write | SftpOpenFlags.Create, SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.CreateDirectoryAsync("/../outside/newdir", SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.GetCanonicalPathAsync("/..", Ct).AsTask());
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task AbsoluteSymlinkToEtcIsNotFollowed(bool walk)
    {
        var (fs, before) = Setup(walk);
        await Denied(fs, before, () => fs.GetAttributesAsync("/etc/passwd", true, Ct).AsTask());
        await Denied(fs, before, () => fs.OpenFileAsync("/etc/passwd", SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.OpenDirectoryAsync("/etc", Ct).AsTask());
        // The link itself is visible.
        Assert.True((await fs.GetAttributesAsync("/etc", false, Ct)).IsSymbolicLink);
        Assert.Contains(await List(fs, "/"), e => e.Name == "etc" && e.Attributes.IsSymbolicLink);
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task RelativeSymlinkOutIsRefusedForReads(bool walk)
    {
        var (fs, before) = Setup(walk);
        await Denied(fs, before, () => fs.OpenFileAsync("/up/secret", SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.GetAttributesAsync("/up", true, Ct).AsTask());
        await Denied(fs, before, () => fs.OpenDirectoryAsync("/up", Ct).AsTask());
        await Denied(fs, before, () => fs.OpenDirectoryAsync("/dir/deep", Ct).AsTask());
        await Denied(fs, before, () => fs.GetCanonicalPathAsync("/up/secret", Ct).AsTask());
        await Denied(fs, before, () => fs.GetFileSystemStatsAsync("/up", Ct).AsTask());
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task AbsolutePathOfOutsideIsRefusedForWrites(bool walk)
    {
        var (fs, before) = Setup(walk);
        await Denied(fs, before, () => fs.OpenFileAsync("/abs/new", SftpOpenFlags.Write | SftpOpenFlags.Create, SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.OpenFileAsync("/abs/secret", SftpOpenFlags.Write | SftpOpenFlags.Truncate, SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.CreateDirectoryAsync("/abs/newdir", SftpFileAttributes.Empty, Ct).AsTask());
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task SymlinkedIntermediateDirectoryIsRefusedForEveryOperation(bool walk)
    {
        var (fs, before) = Setup(walk);
        await Denied(fs, before, () => fs.CreateDirectoryAsync("/up/newdir", SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.CreateDirectoryAsync("/dir/deep/newdir", SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.RenameAsync("/file", "/up/file", false, Ct).AsTask());
        await Denied(fs, before, () => fs.RenameAsync("/file", "/dir/deep/file", true, Ct).AsTask());
        await Denied(fs, before, () => fs.RenameAsync("/up/secret", "/stolen", false, Ct).AsTask());
        await Denied(fs, before, () => fs.RemoveFileAsync("/up/secret", Ct).AsTask());
        await Denied(fs, before, () => fs.RemoveDirectoryAsync("/up/sub", Ct).AsTask());
        await Denied(fs, before, () => fs.CreateHardLinkAsync("/up/secret", "/mine", Ct).AsTask());
        await Denied(fs, before, () => fs.CreateHardLinkAsync("/file", "/abs/planted", Ct).AsTask());
        await Denied(fs, before, () => fs.SetAttributesAsync("/up/secret", new SftpFileAttributes { Permissions = 0x1FF }, false, Ct).AsTask());
        await Denied(fs, before, () => fs.SetAttributesAsync("/up/secret", new SftpFileAttributes { Size = 0 }, true, Ct).AsTask());
        await Denied(fs, before, () => fs.SetAttributesAsync("/up", new SftpFileAttributes { ModifyTime = 1 }, true, Ct).AsTask());
        await Denied(fs, before, () => fs.CreateSymbolicLinkAsync("/up/link", "/file", Ct).AsTask());
        await Denied(fs, before, () => fs.ReadLinkAsync("/dir/deep/x", Ct).AsTask());
        Assert.True(File.Exists(_t.InRoot("file")));
        Assert.False(File.Exists(_t.InRoot("stolen")) || File.Exists(_t.InRoot("mine")));
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task SymlinkCreationWithTargetsOutsideIsRejected(bool walk)
    {
        var (fs, before) = Setup(walk);
        await Denied(fs, before, () => fs.CreateSymbolicLinkAsync("/l1", "../outside", Ct).AsTask());
        await Denied(fs, before, () => fs.CreateSymbolicLinkAsync("/dir/l2", "../../outside/secret", Ct).AsTask());
        await Denied(fs, before, () => fs.CreateSymbolicLinkAsync("/l3", "/../outside", Ct).AsTask());
        await Denied(fs, before, () => fs.CreateSymbolicLinkAsync("/l4", "a/../../../etc/passwd", Ct).AsTask());
        Assert.False(Path.Exists(_t.InRoot("l1")) || Path.Exists(_t.InRoot("dir/l2")) || Path.Exists(_t.InRoot("l3")) || Path.Exists(_t.InRoot("l4")));
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task AbsoluteTargetsAreVirtualAndStoredRelative(bool walk)
    {
        var (fs, before) = Setup(walk);
        // The outside directory's physical path, given as a target, names a path under the root.
        await fs.CreateSymbolicLinkAsync("/dir/phys", _t.Outside, Ct);
        var stored = File.ResolveLinkTarget(_t.InRoot("dir/phys"), false)!;
        Assert.False(Path.IsPathRooted(((FileInfo)new FileInfo(_t.InRoot("dir/phys"))).LinkTarget!));
        Assert.StartsWith(_t.Root + "/", Path.GetFullPath(stored.FullName), StringComparison.Ordinal);
        await Denied(fs, before, () => fs.OpenFileAsync("/dir/phys/secret", SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct).AsTask(), SftpStatusCode.NoSuchFile);
        await fs.CreateSymbolicLinkAsync("/pw", "/etc/passwd", Ct);
        Assert.Equal("etc/passwd", await fs.ReadLinkAsync("/pw", Ct));
        await Denied(fs, before, () => fs.OpenFileAsync("/pw", SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct).AsTask());
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task CreatingThroughDanglingSymlinkOutsideCreatesNothing(bool walk)
    {
        var (fs, before) = Setup(walk);
        await Denied(fs, before, () => fs.OpenFileAsync("/dangling", SftpOpenFlags.Write | SftpOpenFlags.Create, SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.OpenFileAsync("/dangling-abs", SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate, SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.SetAttributesAsync("/dangling", new SftpFileAttributes { Size = 10 }, true, Ct).AsTask());
        await Denied(fs, before, () => fs.GetCanonicalPathAsync("/dangling", Ct).AsTask());
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task AtomicUploadThroughOutsideSymlinkCreatesNothing(bool walk)
    {
        var (fs, before) = Setup(walk, UploadMode.AtomicWithResume);
        await Denied(fs, before, () => fs.OpenFileAsync("/up/new", SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate, SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.OpenFileAsync("/dangling", SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate, SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.OpenFileAsync("/abs/secret", SftpOpenFlags.Write | SftpOpenFlags.Append, SftpFileAttributes.Empty, Ct).AsTask());
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task ChainedSymlinksThatEndOutsideAreRefused(bool walk)
    {
        var (fs, before) = Setup(walk);
        await Denied(fs, before, () => fs.OpenFileAsync("/chain1/secret", SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.OpenFileAsync("/chain1/new", SftpOpenFlags.Write | SftpOpenFlags.Create, SftpFileAttributes.Empty, Ct).AsTask());
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task SiblingSharingTheRootPrefixIsOutside(bool walk)
    {
        var (fs, before) = Setup(walk);
        await Denied(fs, before, () => fs.OpenFileAsync("/prefix", SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.OpenFileAsync("/prefix", SftpOpenFlags.Write | SftpOpenFlags.Truncate, SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.CreateSymbolicLinkAsync("/p2", "../root2/file", Ct).AsTask());
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task HardLinkOfAnOutsidePointingSymlinkLinksOnlyTheLink(bool walk)
    {
        var (fs, before) = Setup(walk);
        await fs.CreateHardLinkAsync("/etc", "/etc-again", Ct);
        Assert.True((await fs.GetAttributesAsync("/etc-again", false, Ct)).IsSymbolicLink);
        await Denied(fs, before, () => fs.OpenFileAsync("/etc-again/passwd", SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct).AsTask());
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task DirectorySwappedForSymlinkBetweenOperationsIsRefused(bool walk)
    {
        var (fs, before) = Setup(walk);
        await fs.CreateDirectoryAsync("/swap", SftpFileAttributes.Empty, Ct);
        await WriteFile(fs, "/swap/f", "first");
        Assert.Equal("first", await ReadFile(fs, "/swap/f"));

        Directory.Delete(_t.InRoot("swap"), recursive: true);
        File.CreateSymbolicLink(_t.InRoot("swap"), _t.Outside);
        before = _t.SnapshotOutside();

        await Denied(fs, before, () => fs.OpenFileAsync("/swap/secret", SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.OpenFileAsync("/swap/f", SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate, SftpFileAttributes.Empty, Ct).AsTask());
        await Denied(fs, before, () => fs.RemoveFileAsync("/swap/secret", Ct).AsTask());
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task OpenFileHeldAcrossASwapKeepsWritingInside(bool walk)
    {
        var (fs, _) = Setup(walk, UploadMode.Atomic);
        var file = await fs.OpenFileAsync("/dir/upload", SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate, SftpFileAttributes.Empty, Ct);
        await file.WriteAsync(0, "data"u8.ToArray(), Ct);

        // The directory moves away and a symlink to the outside takes its name before the close.
        Directory.Move(_t.InRoot("dir"), _t.InRoot("moved"));
        File.CreateSymbolicLink(_t.InRoot("dir"), _t.Outside);
        var before = _t.SnapshotOutside();
        await file.CloseAsync(Ct);
        await file.DisposeAsync();

        Assert.Equal("data", File.ReadAllText(_t.InRoot("moved/upload")));
        Assert.Equal(before, _t.SnapshotOutside());
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task SymlinkLoopIsReported(bool walk)
    {
        var (fs, before) = Setup(walk);
        File.CreateSymbolicLink(_t.InRoot("loop1"), "loop2");
        File.CreateSymbolicLink(_t.InRoot("loop2"), "loop1");
        await Denied(fs, before, () => fs.OpenFileAsync("/loop1", SftpOpenFlags.Read, SftpFileAttributes.Empty, Ct).AsTask(), SftpStatusCode.LinkLoop);
        await Denied(fs, before, () => fs.GetCanonicalPathAsync("/loop1/x", Ct).AsTask(), SftpStatusCode.LinkLoop);
    }

    [Theory, InlineData(false), InlineData(true)]
    public async Task InsideSymlinksStillWork(bool walk)
    {
        var (fs, before) = Setup(walk);
        File.CreateSymbolicLink(_t.InRoot("dir/back"), "../file");
        Assert.Equal("inside", await ReadFile(fs, "/dir/back"));
        Assert.Equal("/file", await fs.GetCanonicalPathAsync("/dir/back", Ct));
        File.CreateSymbolicLink(_t.InRoot("d2"), "dir");
        await WriteFile(fs, "/d2/new", "via link");
        Assert.Equal("via link", File.ReadAllText(_t.InRoot("dir/new")));
        Assert.Equal("/dir/new", await fs.GetCanonicalPathAsync("/d2/new", Ct));
        Assert.Equal(before, _t.SnapshotOutside());
    }
}
