using Wharf.Server.Accounts;
using Wharf.Server.Storage;
using Wharf.Sftp;
using Wharf.Sftp.FileSystem;
using Wharf.Sftp.FileSystem.Local;

namespace Wharf.Server.Tests.Storage;

/// <summary>
/// PermissionFileSystem over a real LocalFileSystem: every operation is judged where it lands, so a
/// symlink or hard link made by the user never reaches rules the path it names would not allow.
/// Home layout: /ro (list, download), /nodl (list), /a/ro (list, download), everything else "*";
/// /lnk_ro and /lnk_nodl are symlinks to /ro and /nodl, /flnk a symlink to /ro/file.txt.
/// </summary>
public sealed class PermissionFileSystemTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "wharf-perm-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly PermissionFileSystem _fs;

    public PermissionFileSystemTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "ro"));
        Directory.CreateDirectory(Path.Combine(_root, "nodl"));
        Directory.CreateDirectory(Path.Combine(_root, "a", "ro"));
        Directory.CreateDirectory(Path.Combine(_root, "ro", "sub"));
        File.WriteAllText(Path.Combine(_root, "ro", "file.txt"), "read only");
        File.WriteAllText(Path.Combine(_root, "a", "ro", "file.txt"), "read only too");
        File.WriteAllText(Path.Combine(_root, "nodl", "secret.txt"), "secret");
        File.WriteAllText(Path.Combine(_root, "mine.txt"), "mine");
        File.CreateSymbolicLink(Path.Combine(_root, "lnk_ro"), "ro");
        File.CreateSymbolicLink(Path.Combine(_root, "lnk_nodl"), "nodl");
        File.CreateSymbolicLink(Path.Combine(_root, "flnk"), "ro/file.txt");
        _fs = new PermissionFileSystem(new LocalFileSystem(new LocalFileSystemOptions { RootDirectory = _root, RefuseSymlinksInPaths = true }), new PermissionSet(new Dictionary<string, IReadOnlyCollection<string>>
        {
            ["/"] = ["*"],
            ["/ro"] = ["list", "download"],
            ["/nodl"] = ["list"],
            ["/a/ro"] = ["list", "download"],
        }));
    }

    public void Dispose()
    {
        _fs.Dispose();
        Directory.Delete(_root, true);
    }

    private string Disk(string path) => Path.Combine(_root, path.TrimStart('/'));

    private static async Task DeniedAsync(Func<Task> operation)
    {
        var ex = await Assert.ThrowsAsync<SftpException>(operation);
        Assert.Equal(SftpStatusCode.PermissionDenied, ex.Code);
    }

    private static readonly SftpOpenFlags WriteCreate = SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate;

    [Fact]
    public async Task PermissionFileSystemJudgesOpenWhereTheSymlinkLands()
    {
        await DeniedAsync(async () => await _fs.OpenFileAsync("/lnk_ro/new.txt", WriteCreate, SftpFileAttributes.Empty, default));
        await DeniedAsync(async () => await _fs.OpenFileAsync("/lnk_ro/file.txt", WriteCreate, SftpFileAttributes.Empty, default));
        await DeniedAsync(async () => await _fs.OpenFileAsync("/flnk", SftpOpenFlags.Write, SftpFileAttributes.Empty, default));
        await DeniedAsync(async () => await _fs.OpenFileAsync("/lnk_nodl/secret.txt", SftpOpenFlags.Read, SftpFileAttributes.Empty, default));
        Assert.False(File.Exists(Disk("/ro/new.txt")));
        Assert.Equal("read only", File.ReadAllText(Disk("/ro/file.txt")));

        // What /ro allows still works through the link.
        await using var f = await _fs.OpenFileAsync("/lnk_ro/file.txt", SftpOpenFlags.Read, SftpFileAttributes.Empty, default);
        var buffer = new byte[64];
        Assert.Equal("read only", System.Text.Encoding.UTF8.GetString(buffer, 0, await f.ReadAsync(0, buffer, default)));
    }

    [Fact]
    public async Task PermissionFileSystemJudgesADanglingSymlinkWhereItsTargetWouldBeCreated()
    {
        File.CreateSymbolicLink(Disk("/dangling"), "ro/planted.txt");
        await DeniedAsync(async () => await _fs.OpenFileAsync("/dangling", WriteCreate, SftpFileAttributes.Empty, default));
        Assert.False(File.Exists(Disk("/ro/planted.txt")));
    }

    [Fact]
    public async Task PermissionFileSystemJudgesEntryOperationsInTheCanonicalParent()
    {
        await DeniedAsync(async () => await _fs.RemoveFileAsync("/lnk_ro/file.txt", default));
        await DeniedAsync(async () => await _fs.RemoveDirectoryAsync("/lnk_ro/sub", default));
        await DeniedAsync(async () => await _fs.CreateDirectoryAsync("/lnk_ro/newdir", SftpFileAttributes.Empty, default));
        await DeniedAsync(async () => await _fs.CreateSymbolicLinkAsync("/lnk_ro/l", "/mine.txt", default));
        await DeniedAsync(async () => await _fs.RenameAsync("/lnk_ro/file.txt", "/stolen.txt", false, default));
        await DeniedAsync(async () => await _fs.RenameAsync("/mine.txt", "/lnk_ro/mine.txt", false, default));
        Assert.True(File.Exists(Disk("/ro/file.txt")));
        Assert.True(Directory.Exists(Disk("/ro/sub")));
        Assert.False(File.Exists(Disk("/stolen.txt")));
        Assert.False(File.Exists(Disk("/ro/mine.txt")));
        Assert.False(Directory.Exists(Disk("/ro/newdir")));

        // The link itself is an entry of "/", which allows everything: it can be renamed and removed.
        await _fs.RenameAsync("/flnk", "/flnk2", false, default);
        await _fs.RemoveFileAsync("/flnk2", default);
        Assert.True(File.Exists(Disk("/ro/file.txt")));
    }

    [Fact]
    public async Task PermissionFileSystemJudgesSetstatOnWhatItChanges()
    {
        var chmod = new SftpFileAttributes { Permissions = 0x180 };
        await DeniedAsync(async () => await _fs.SetAttributesAsync("/lnk_ro/file.txt", chmod, true, default));
        await DeniedAsync(async () => await _fs.SetAttributesAsync("/lnk_ro/file.txt", chmod, false, default));
        await DeniedAsync(async () => await _fs.SetAttributesAsync("/flnk", new SftpFileAttributes { Size = 0 }, true, default));
        await DeniedAsync(async () => await _fs.SetAttributesAsync("/lnk_ro/file.txt", new SftpFileAttributes { ModifyTime = 1 }, true, default));
        Assert.Equal("read only", File.ReadAllText(Disk("/ro/file.txt")));
        Assert.NotEqual((UnixFileMode)0x180, File.GetUnixFileMode(Disk("/ro/file.txt")));

        // fsetstat on a handle opened through the link is judged where the open was.
        await using var f = await _fs.OpenFileAsync("/lnk_ro/file.txt", SftpOpenFlags.Read, SftpFileAttributes.Empty, default);
        await DeniedAsync(async () => await f.SetAttributesAsync(chmod, default));
    }

    [Fact]
    public async Task PermissionFileSystemListsBySymlinkTargetDirectory()
    {
        var fs = new PermissionFileSystem(new LocalFileSystem(new LocalFileSystemOptions { RootDirectory = _root, RefuseSymlinksInPaths = true }), new PermissionSet(new Dictionary<string, IReadOnlyCollection<string>>
        {
            ["/"] = ["*"],
            ["/nodl"] = [],
        }));
        await DeniedAsync(async () => await fs.OpenDirectoryAsync("/lnk_nodl", default));
        await using var d = await fs.OpenDirectoryAsync("/lnk_ro", default);
    }

    [Fact]
    public async Task PermissionFileSystemHardLinkMayNotGrantWhatTheFileLacks()
    {
        // From a list-only directory to one that allows download: the file would become downloadable.
        await DeniedAsync(async () => await _fs.CreateHardLinkAsync("/nodl/secret.txt", "/hl.txt", default));
        // From a read-only directory: it would become writable.
        await DeniedAsync(async () => await _fs.CreateHardLinkAsync("/ro/file.txt", "/hl.txt", default));
        // Through a symlinked directory, the same.
        await DeniedAsync(async () => await _fs.CreateHardLinkAsync("/lnk_nodl/secret.txt", "/hl.txt", default));
        // Into a directory without create_symlinks.
        await DeniedAsync(async () => await _fs.CreateHardLinkAsync("/mine.txt", "/ro/hl.txt", default));
        Assert.False(File.Exists(Disk("/hl.txt")));

        // Between directories with the same rules it is allowed.
        await _fs.CreateHardLinkAsync("/mine.txt", "/mine2.txt", default);
        Assert.Equal("mine", File.ReadAllText(Disk("/mine2.txt")));
    }

    [Fact]
    public async Task PermissionFileSystemRefusesDirectoryRenamesThatMoveFilesToOtherRules()
    {
        // The directory is a configured one: its files would lose their rules.
        await DeniedAsync(async () => await _fs.RenameAsync("/ro", "/ro2", false, default));
        // It contains a configured one.
        await DeniedAsync(async () => await _fs.RenameAsync("/a", "/b", false, default));
        // Through the symlink, the same.
        await DeniedAsync(async () => await _fs.RenameAsync("/lnk_ro/sub", "/sub", false, default));
        Assert.True(File.Exists(Disk("/ro/file.txt")));
        Assert.True(File.Exists(Disk("/a/ro/file.txt")));

        // Moved into a configured path that does not grant rename: its files would take those rules.
        Directory.CreateDirectory(Disk("/plain"));
        File.WriteAllText(Disk("/plain/x.txt"), "x");
        var fs = new PermissionFileSystem(new LocalFileSystem(new LocalFileSystemOptions { RootDirectory = _root, RefuseSymlinksInPaths = true }), new PermissionSet(new Dictionary<string, IReadOnlyCollection<string>>
        {
            ["/"] = ["*"],
            ["/locked"] = ["list"],
            ["/open"] = ["*"],
        }));
        await DeniedAsync(async () => await fs.RenameAsync("/plain", "/locked", false, default));

        // A configured directory that does not exist in the tree moves nothing; rename where both sides grant it works.
        await fs.RenameAsync("/plain", "/open", false, default);
        await fs.RenameAsync("/open", "/plain2", false, default);
        Assert.Equal("x", File.ReadAllText(Disk("/plain2/x.txt")));
    }

    [Fact]
    public async Task PermissionFileSystemPosixRenameOverAnExistingFileNeedsOverwrite()
    {
        var fs = new PermissionFileSystem(new LocalFileSystem(new LocalFileSystemOptions { RootDirectory = _root, RefuseSymlinksInPaths = true }),
            PermissionSet.ParseGlobal("list,download,upload,rename"));
        File.WriteAllText(Disk("/new.txt"), "new");
        await DeniedAsync(async () => await fs.RenameAsync("/new.txt", "/mine.txt", overwrite: true, default));
        Assert.Equal("mine", File.ReadAllText(Disk("/mine.txt")));
        await fs.RenameAsync("/new.txt", "/fresh.txt", overwrite: true, default);
        Assert.Equal("new", File.ReadAllText(Disk("/fresh.txt")));
    }
}
