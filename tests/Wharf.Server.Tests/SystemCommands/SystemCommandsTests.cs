using Wharf.Server.Accounts;
using Wharf.Server.Commands.System;
using Sys = Wharf.Server.Commands.System.SystemCommands;

namespace Wharf.Server.Tests.SystemCommandChecks;

public sealed class SystemCommandsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "wharf-syscmd-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _home;

    public SystemCommandsTests()
    {
        _home = Path.Combine(_root, "home");
        Directory.CreateDirectory(Path.Combine(_home, "dir"));
        Directory.CreateDirectory(Path.Combine(_root, "outside"));
        File.CreateSymbolicLink(Path.Combine(_home, "out"), Path.Combine(_root, "outside"));
        File.CreateSymbolicLink(Path.Combine(_home, "in"), Path.Combine(_home, "dir"));
        File.CreateSymbolicLink(Path.Combine(_home, "dangling"), Path.Combine(_root, "nothing"));
    }

    public void Dispose() => Directory.Delete(_root, true);

    private SystemCommandContext Context(string perms = "*", long? bytes = null, int? files = null) => new()
    {
        HomeDirectory = _home,
        Permissions = PermissionSet.ParseGlobal(perms),
        RemainingQuotaBytes = bytes,
        RemainingQuotaFiles = files,
        Uid = 1000,
        Gid = 1000,
    };

    private static string[] Args(string line) => Wharf.Server.Commands.CommandLineSplitter.Split(line)!.ToArray();

    [Fact]
    public void OtherCommandsAreNotResolved()
    {
        Assert.Null(Sys.Resolve(["md5sum", "x"], Context()));
        Assert.Null(Sys.Resolve(["git", "upload-pack", "x"], Context()));
        Assert.NotNull(Sys.Resolve(["rsync", "--server", ".", "x"], Context()));
    }

    [Theory]
    [InlineData("rsync --server -logDtpre.iLsfxCIvu . dest/", "dest/")]
    [InlineData("rsync --server --sender -logDtpre.iLsfxCIvu . src/", "src/")]
    [InlineData("rsync --server -logDtpre.iLsfxCIvu . /dest", "dest")]
    [InlineData("rsync --server -logDtpre.iLsfxCIvu . .", "")]
    [InlineData("rsync --server -logDtpre.iLsfxCIvu . a/../b", "b")]
    [InlineData("rsync --server -logDtpre.iLsfxCIvu . in/new", "in/new")]
    [InlineData("rsync --server -logDtpre.iLsfxCIvu . ~/x", "x")]
    [InlineData("rsync --server -logDtpre.iLsfxCIvu --partial-dir=.rsync-partial . x", "x")]
    [InlineData("rsync --server -logDtpre.iLsfxCIvu --files-from=- --from0 . x", "x")]
    [InlineData("rsync --server -logDtpre.iLsfxCIvu --temp-dir /tmpdir . x", "x")]
    [InlineData("rsync --server -vvlogDtprze.iLsfxCIvu --delete . x", "x")]
    public void AllowedRsyncCommands(string line, string expectedTail)
    {
        var plan = Sys.Plan(Args(line), Context(), out var error, privileged: false);
        Assert.True(plan is not null, error);
        Assert.Equal("rsync", plan.Program);
        Assert.Equal("--server", plan.Arguments[0]);
        var last = plan.Arguments[^1];
        // The sandbox mounts the home at /home: the program never sees the host's path.
        Assert.Equal(expectedTail.Length == 0 ? "/home/" : "/home/" + expectedTail, last);
    }

    [Theory]
    [InlineData("rsync -av . x")]
    [InlineData("rsync --daemon . x")]
    [InlineData("rsync --server . ../x")]
    [InlineData("rsync --server . /../x")]
    [InlineData("rsync --server . a/../../x")]
    [InlineData("rsync --server . ../../tmp/x")]
    [InlineData("rsync --server . out")]
    [InlineData("rsync --server . out/new/file")]
    [InlineData("rsync --server . dangling")]
    [InlineData("rsync --server . ok x/../../y")]
    [InlineData("rsync --server -e ssh . x")]
    [InlineData("rsync --server --rsh=ssh . x")]
    [InlineData("rsync --server --rsync-path=/bin/sh . x")]
    [InlineData("rsync --server --config=/etc/x . x")]
    [InlineData("rsync --server --write-devices . x")]
    [InlineData("rsync --server --copy-devices . x")]
    [InlineData("rsync --server -M--log-file=/tmp/x . x")]
    [InlineData("rsync --server --remote-option=x . x")]
    [InlineData("rsync --server --log-file=/tmp/log . x")]
    [InlineData("rsync --server --log-file /tmp/log . x")]
    [InlineData("rsync --server --temp-dir=../../tmp . x")]
    [InlineData("rsync --server -T ../../tmp . x")]
    [InlineData("rsync --server --backup-dir=../x . x")]
    [InlineData("rsync --server --compare-dest=/../x . x")]
    [InlineData("rsync --server --copy-dest ../../x . x")]
    [InlineData("rsync --server --link-dest=out . x")]
    [InlineData("rsync --server --partial-dir=../p . x")]
    [InlineData("rsync --server --files-from=/etc/passwd . x")]
    [InlineData("rsync --server --include-from /etc/passwd . x")]
    [InlineData("rsync --server --exclude-from=list . x")]
    [InlineData("rsync --server -L . x")]
    [InlineData("rsync --server --copy-links . x")]
    [InlineData("rsync --server --copy-unsafe-links . x")]
    [InlineData("rsync --server -K . x")]
    [InlineData("rsync --server -se.iLsfxC . x")]
    [InlineData("rsync --server --protect-args . x")]
    [InlineData("rsync --server --no-safe-links . x")]
    [InlineData("rsync --server . x --no-fake-super")]
    [InlineData("rsync --server . x --rsh=evil")]
    [InlineData("rsync --server --write-batch=b . x")]
    [InlineData("rsync --server dest")]
    [InlineData("rsync --server .")]
    public void RefusedRsyncCommands(string line)
    {
        Assert.Null(Sys.Plan(Args(line), Context(), out var error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void AsRootAUserWithoutAUidIsRefused()
    {
        var noUid = new SystemCommandContext { HomeDirectory = _home, Permissions = PermissionSet.Global(["*"]) };
        Assert.Null(Sys.Plan(Args("rsync --server . x"), noUid, out var error, privileged: true));
        Assert.Contains("never run as root", error);
        Assert.Null(Sys.Plan(Args("git-upload-pack repo.git"), noUid, out _, privileged: true));
        Assert.NotNull(Sys.Plan(Args("rsync --server . x"), noUid, out _, privileged: false));
        Assert.NotNull(Sys.Plan(Args("rsync --server . x"), Context(), out _, privileged: true));
    }

    [Fact]
    public void PermissionsThatDifferBetweenDirectoriesAreRefusedWhateverThePath()
    {
        var perms = new PermissionSet(new Dictionary<string, IReadOnlyCollection<string>> { ["/"] = ["*"], ["/ro"] = ["list", "download"] });
        var ctx = new SystemCommandContext { HomeDirectory = _home, Permissions = perms, Uid = 1000, Gid = 1000 };
        // "dir" has every permission itself, but rsync could reach /ro from it through a link or --files-from.
        Assert.Null(Sys.Plan(Args("rsync --server . dir"), ctx, out var error));
        Assert.Contains("full permissions", error);
        Assert.Null(Sys.Plan(Args("git-upload-pack dir/repo.git"), ctx, out _));
    }

    [Fact]
    public void NulInAPathIsRefused() => Assert.Null(Sys.Plan(["rsync", "--server", ".", "a\0b"], Context(), out _));

    [Fact]
    public void SafeLinksWhenTheUserMayCreateSymlinks()
    {
        var plan = Sys.Plan(Args("rsync --server -logDtpre.iLsfxCIvu . x"), Context(), out _)!;
        Assert.Contains("--safe-links", plan.Arguments);
        Assert.DoesNotContain("--munge-links", plan.Arguments);
        var again = Sys.Plan(Args("rsync --server --safe-links -logDtpre.iLsfxCIvu . x"), Context(), out _)!;
        Assert.Single(again.Arguments, a => a == "--safe-links");
    }

    [Fact]
    public void MungeLinksWhenTheUserMayNotCreateSymlinks()
    {
        // Full permissions in /dir, but no create_symlinks elsewhere.
        var perms = new PermissionSet(new Dictionary<string, IReadOnlyCollection<string>>
        {
            ["/"] = ["*"],
            ["/nolinks"] = Permission.Names.Where(p => p != Permission.CreateSymlinks).ToArray(),
        });
        var ctx = new SystemCommandContext { HomeDirectory = _home, Permissions = perms, Uid = 1000, Gid = 1000 };
        // Without create_symlinks the user lacks full permissions there and is refused...
        Assert.Null(Sys.Plan(Args("rsync --server . nolinks/x"), ctx, out var error));
        Assert.Contains("full permissions", error);

        // The rule itself: --munge-links without create_symlinks, never twice.
        var args = new List<string> { "rsync", "--server", ".", "x" };
        RsyncArguments.AddLinkOption(args, maySymlink: false);
        Assert.Equal(["rsync", "--server", "--munge-links", ".", "x"], args);
        RsyncArguments.AddLinkOption(args, maySymlink: false);
        Assert.Single(args, a => a == "--munge-links");
        var safe = new List<string> { "rsync", "--server", "--munge-links", ".", "x" };
        RsyncArguments.AddLinkOption(safe, maySymlink: true);
        Assert.Equal(["rsync", "--server", "--safe-links", "--munge-links", ".", "x"], safe);
    }

    [Theory]
    [InlineData("list,download")]
    [InlineData("list,download,upload,overwrite,delete,rename,create_dirs,chmod,chown,chtimes")]
    public void RestrictedUsersAreRefused(string perms)
    {
        Assert.Null(Sys.Plan(Args("rsync --server --sender . x"), Context(perms), out var error));
        Assert.Contains("full permissions", error);
        Assert.Null(Sys.Plan(Args("git-upload-pack 'repo.git'"), Context(perms), out error));
        Assert.Contains("full permissions", error);
    }

    [Theory]
    [InlineData("git-upload-pack 'repo.git'", "upload-pack", "repo.git")]
    [InlineData("git-receive-pack '/repo.git'", "receive-pack", "repo.git")]
    [InlineData("git-upload-archive '~/dir/repo.git'", "upload-archive", "dir/repo.git")]
    public void GitCommands(string line, string sub, string path)
    {
        var plan = Sys.Plan(Args(line), Context(), out var error);
        Assert.True(plan is not null, error);
        Assert.Equal("git", plan.Program);
        Assert.Equal(sub, plan.Arguments[^(sub == "upload-pack" ? 3 : 2)]);
        Assert.Equal("/repo", plan.Arguments[^1]); // the repository's directory is mounted there
        Assert.Equal("/" + path, plan.Repository);
        Assert.Contains("core.hooksPath=/dev/null", plan.Arguments);
    }

    [Theory]
    [InlineData("git-upload-pack '../repo.git'")]
    [InlineData("git-upload-pack '/../../etc'")]
    [InlineData("git-upload-pack 'out/repo.git'")]
    [InlineData("git-upload-pack")]
    [InlineData("git-upload-pack a b")]
    [InlineData("git-receive-pack --upload-pack=x repo")]
    public void RefusedGitCommands(string line) => Assert.Null(Sys.Plan(Args(line), Context(), out _));

    [Fact]
    public void QuotaExhaustedRefusesUploadsButNotDownloads()
    {
        Assert.Null(Sys.Plan(Args("rsync --server . x"), Context(files: 0), out var error));
        Assert.Contains("quota", error);
        Assert.Null(Sys.Plan(Args("rsync --server . x"), Context(bytes: 0), out _));
        Assert.Null(Sys.Plan(Args("git-receive-pack repo.git"), Context(files: 0), out _));
        Assert.NotNull(Sys.Plan(Args("rsync --server --sender . x"), Context(files: 0), out _));
        Assert.NotNull(Sys.Plan(Args("git-upload-pack repo.git"), Context(files: 0), out _));
        Assert.True(Sys.Plan(Args("rsync --server . x"), Context(bytes: 10, files: 5), out _)!.CountsAgainstQuota);
    }
}
