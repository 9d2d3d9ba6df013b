using System.Net;
using System.Security.Cryptography;
using Wharf.Ssh;
using Wharf.Ssh.Authentication;
using Wharf.Ssh.Connection;

namespace Wharf.Interop.Tests;

/// <summary>
/// rsync and git from the real clients against SystemCommands, served by a small in-test host.
/// The test project does not reference Wharf.Server (the portable tests run it as a program), so
/// the host reaches SystemCommands through the built wharf.dll by reflection.
/// Users: alice has every permission, carol only list and download, split every permission but in /ro,
/// dave a quota, nobody runs as uid 65534, rootless has no uid (so a root server refuses it); the others
/// run as <see cref="OwnerUid"/>, who owns the home.
/// </summary>
public sealed class SystemCommandTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "wharf-sys-" + Guid.NewGuid().ToString("N")[..8]);
    private SshServer? _server;
    private int _finished;

    private string Home => Path.Combine(_root, "home");

    private int Port => _server!.LocalEndPoint!.Port;

    /// <summary>The uid the test users run as (and own the home): system commands never run as root.</summary>
    internal const int OwnerUid = 2001;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Home);
        if (Environment.IsPrivilegedProcess)
        {
            File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
            AssertOk(await ProcessRunner.RunAsync("chown", [$"{OwnerUid}:{OwnerUid}", Home]));
        }

        var options = new SshServerOptions();
        options.HostKeys.AddRange(TestKeys.Instance.HostKeys);
        _server = new SshServer(options)
        {
            Authenticate = req => Task.FromResult(
                req is PublicKeyAuthenticationRequest { UserName: "alice" or "carol" or "dave" or "nobody" or "rootless" or "split" } pk && TestKeys.Instance.UserPublicKeys.Contains(pk.Key)
                    ? AuthenticationResult.Success : AuthenticationResult.Failure),
            EnvironmentFilter = (_, name, _) => name == "GIT_PROTOCOL",
            ExecHandler = (session, command) =>
            {
                if (Wharf.Server.Commands.CommandLineSplitter.Split(command) is not { } args)
                {
                    return null;
                }

                string[] perms = session.UserName == "carol" ? ["list", "download"] : ["*"];
                int? uid = session.UserName switch
                {
                    "nobody" => 65534,
                    "rootless" => null,
                    _ => OwnerUid,
                };
                var context = new Wharf.Server.Commands.System.SystemCommandContext
                {
                    HomeDirectory = Home,
                    Permissions = session.UserName == "split"
                        ? new Wharf.Server.Accounts.PermissionSet(new Dictionary<string, IReadOnlyCollection<string>> { ["/"] = ["*"], ["/ro"] = ["list", "download"] })
                        : Wharf.Server.Accounts.PermissionSet.Global(perms),
                    Uid = uid,
                    Gid = uid,
                    RemainingQuotaBytes = session.UserName == "dave" ? 100_000L : null,
                    RemainingQuotaFiles = session.UserName == "dave" ? 10 : null,
                    OnFinished = session.UserName == "dave"
                        ? () =>
                        {
                            Interlocked.Increment(ref _finished);
                            return Task.CompletedTask;
                        }
                        : null,
                };
                return Wharf.Server.Commands.System.SystemCommands.Resolve(args, context);
            },
        };
        _server.Start(new IPEndPoint(IPAddress.Loopback, 0));
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_root, true);
    }

    private string SshCommand => string.Join(' ',
        "ssh -F /dev/null -p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", TestKeys.Instance.UserKeyPath("ed25519"),
        "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR",
        "-o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes");

    private Task<ProcessRunner.Result> Ssh(string user, string command) =>
        ProcessRunner.RunAsync("ssh", [.. SshCommand.Split(' ')[1..], $"{user}@127.0.0.1", command], env: new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = "" }, timeout: TimeSpan.FromSeconds(60));

    private Task<ProcessRunner.Result> Rsync(params string[] args) =>
        ProcessRunner.RunAsync("rsync", ["-e", SshCommand, .. args], env: new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = "" }, timeout: TimeSpan.FromSeconds(120));

    private Task<ProcessRunner.Result> Git(params string[] args) =>
        ProcessRunner.RunAsync("git", args, env: new Dictionary<string, string>
        {
            ["SSH_AUTH_SOCK"] = "",
            ["GIT_SSH_COMMAND"] = SshCommand,
            ["GIT_CONFIG_NOSYSTEM"] = "1",
            ["GIT_CONFIG_GLOBAL"] = "/dev/null",
            ["GIT_AUTHOR_NAME"] = "Test",
            ["GIT_AUTHOR_EMAIL"] = "test@example.com",
            ["GIT_COMMITTER_NAME"] = "Test",
            ["GIT_COMMITTER_EMAIL"] = "test@example.com",
        }, timeout: TimeSpan.FromSeconds(120));

    private static void AssertOk(ProcessRunner.Result r) => Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\n{r.StdOut}\n{r.StdErr}");

    /// <summary>Hands what a test wrote straight into the home to the uid the commands run as (an SFTP upload would have).</summary>
    private static async Task Own(string path)
    {
        if (Environment.IsPrivilegedProcess)
        {
            AssertOk(await ProcessRunner.RunAsync("chown", ["-R", "-h", $"{OwnerUid}:{OwnerUid}", path]));
        }
    }

    /// <summary>A bare repository with one commit on master, written into the home at <paramref name="name"/>.</summary>
    private async Task<string> BareRepoAsync(string name)
    {
        var work = Path.Combine(_root, "seed-" + Guid.NewGuid().ToString("N")[..6]);
        AssertOk(await Git("init", "-q", "-b", "master", work));
        await File.WriteAllTextAsync(Path.Combine(work, "README"), "hello\n");
        AssertOk(await Git("-C", work, "add", "README"));
        AssertOk(await Git("-C", work, "commit", "-q", "-m", "first"));
        var bare = Path.Combine(Home, name);
        AssertOk(await Git("clone", "-q", "--bare", work, bare));
        await Own(bare);
        return bare;
    }

    private static void AssertSameTree(string expected, string actual)
    {
        var files = Directory.GetFiles(expected, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(expected, f)).Order().ToList();
        Assert.Equal(files, Directory.GetFiles(actual, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(actual, f)).Order().ToList());
        foreach (var f in files)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(expected, f)), File.ReadAllBytes(Path.Combine(actual, f)));
        }
    }

    [Fact]
    public async Task RsyncUploadIncrementalAndDownload()
    {
        var src = Path.Combine(_root, "src");
        Directory.CreateDirectory(Path.Combine(src, "sub"));
        await File.WriteAllTextAsync(Path.Combine(src, "a.txt"), "hello\n");
        await File.WriteAllBytesAsync(Path.Combine(src, "sub", "b.bin"), RandomNumberGenerator.GetBytes(300_000));
        await File.WriteAllTextAsync(Path.Combine(src, "sub", "c.txt"), "unchanged\n");

        var first = await Rsync("-a", "-i", src + "/", "alice@127.0.0.1:dest/");
        AssertOk(first);
        AssertSameTree(src, Path.Combine(Home, "dest"));

        await File.WriteAllTextAsync(Path.Combine(src, "a.txt"), "hello again, longer\n");
        var second = await Rsync("-a", "-i", src + "/", "alice@127.0.0.1:/dest/");
        AssertOk(second);
        AssertSameTree(src, Path.Combine(Home, "dest"));
        var transferred = second.StdOut.Split('\n').Where(l => l.StartsWith("<f", StringComparison.Ordinal)).ToList();
        Assert.True(transferred.Count == 1 && transferred[0].EndsWith(" a.txt", StringComparison.Ordinal), second.StdOut);

        var down = Path.Combine(_root, "down");
        AssertOk(await Rsync("-a", "alice@127.0.0.1:dest/", down + "/"));
        AssertSameTree(src, down);
    }

    [Theory]
    [InlineData("../escaped")]
    [InlineData("/../escaped")]
    [InlineData("../../escaped")]
    public async Task RsyncOutsideTheHomeIsRefused(string destination)
    {
        var src = Path.Combine(_root, "src");
        Directory.CreateDirectory(src);
        await File.WriteAllTextAsync(Path.Combine(src, "a.txt"), "x");
        var r = await Rsync("-a", src + "/", "alice@127.0.0.1:" + destination + "/");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("outside the home", r.StdErr);
        Assert.False(Directory.Exists(Path.Combine(_root, "escaped")));
        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(_root)!, "escaped")));
        Assert.False(Directory.Exists(Path.Combine(Home, "escaped")));
    }

    [Fact]
    public async Task RsyncThroughASymlinkOutOfTheHomeIsRefused()
    {
        Directory.CreateDirectory(Path.Combine(_root, "outside"));
        File.CreateSymbolicLink(Path.Combine(Home, "link"), Path.Combine(_root, "outside"));
        var src = Path.Combine(_root, "src");
        Directory.CreateDirectory(src);
        await File.WriteAllTextAsync(Path.Combine(src, "a.txt"), "x");
        var r = await Rsync("-a", src + "/", "alice@127.0.0.1:link/sub/");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root, "outside")));
    }

    [Fact]
    public async Task RsyncUploadOverTheByteQuotaIsStopped()
    {
        var src = Path.Combine(_root, "src");
        Directory.CreateDirectory(src);
        await File.WriteAllBytesAsync(Path.Combine(src, "big.bin"), RandomNumberGenerator.GetBytes(1_000_000));
        var r = await Rsync("-a", src + "/", "dave@127.0.0.1:dest/");
        Assert.NotEqual(0, r.ExitCode);
        // RLIMIT_FSIZE (the quota left) stops the file: rsync reports EFBIG for it ("File too large") in
        // its own protocol. Under load rsync itself sometimes loses that message as its receiver exits (exit
        // code 11, "error in file IO", with nothing printed): the exit status is what is certain.
        Assert.True(r.ExitCode == 11 || r.StdErr.Contains("quota exceeded", StringComparison.Ordinal) || r.StdErr.Contains("File too large", StringComparison.Ordinal), $"exit {r.ExitCode}: {r.StdErr} {r.StdOut}");
        Assert.True(r.StdErr.Length == 0 || r.StdErr.Contains("quota exceeded", StringComparison.Ordinal) || r.StdErr.Contains("File too large", StringComparison.Ordinal), r.StdErr);
        Assert.False(File.Exists(Path.Combine(Home, "dest", "big.bin")));
        for (int i = 0; i < 100 && Volatile.Read(ref _finished) == 0; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, Volatile.Read(ref _finished));
    }

    [Fact]
    public async Task RunsAsTheUsersUidWhenTheServerIsRoot()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return;
        }

        var dest = Path.Combine(Home, "owned");
        Directory.CreateDirectory(dest);
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(Home, (UnixFileMode)0b111_101_101);
        AssertOk(await ProcessRunner.RunAsync("chown", ["65534:65534", dest]));
        var src = Path.Combine(_root, "src");
        Directory.CreateDirectory(src);
        await File.WriteAllTextAsync(Path.Combine(src, "a.txt"), "x");
        AssertOk(await ProcessRunner.RunAsync("chmod", ["u+s", Path.Combine(src, "a.txt")]));

        // -a asks for the owner to be kept (root): as uid 65534 rsync cannot, and cannot write outside its directory either.
        AssertOk(await Rsync("-a", src + "/", "nobody@127.0.0.1:owned/"));
        var stat = await ProcessRunner.RunAsync("stat", ["-c", "%u:%g", Path.Combine(dest, "a.txt")]);
        Assert.Equal("65534:65534", stat.StdOut.Trim());
        var denied = await Rsync("-a", src + "/", "nobody@127.0.0.1:notmine/");
        Assert.NotEqual(0, denied.ExitCode);
    }

    [Fact]
    public async Task RestrictedUserIsRefused()
    {
        Directory.CreateDirectory(Path.Combine(Home, "dest"));
        var r = await Rsync("-a", "carol@127.0.0.1:dest/", Path.Combine(_root, "down") + "/");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("wharf: rsync requires full permissions", r.StdErr);
    }

    [Fact]
    public async Task GitCloneCommitPushAndCloneAgain()
    {
        AssertOk(await Git("init", "--bare", "-q", Path.Combine(Home, "repo.git")));
        await Own(Path.Combine(Home, "repo.git"));
        var work = Path.Combine(_root, "work");
        AssertOk(await Git("clone", "-q", $"ssh://alice@127.0.0.1:{Port}/repo.git", work));
        await File.WriteAllTextAsync(Path.Combine(work, "README"), "hello\n");
        AssertOk(await Git("-C", work, "add", "README"));
        AssertOk(await Git("-C", work, "commit", "-q", "-m", "first commit"));
        AssertOk(await Git("-C", work, "push", "-q", "origin", "HEAD:refs/heads/main"));

        var log = await Git("--git-dir", Path.Combine(Home, "repo.git"), "log", "--format=%s", "main");
        AssertOk(log);
        Assert.Equal("first commit", log.StdOut.Trim());

        var again = Path.Combine(_root, "again");
        AssertOk(await Git("clone", "-q", "-b", "main", $"ssh://alice@127.0.0.1:{Port}/~/repo.git", again));
        Assert.Equal("hello\n", await File.ReadAllTextAsync(Path.Combine(again, "README")));
    }

    [Fact]
    public async Task GitOutsideTheHomeIsRefused()
    {
        AssertOk(await Git("init", "--bare", "-q", Path.Combine(_root, "outside.git")));
        var r = await Git("clone", "-q", $"ssh://alice@127.0.0.1:{Port}/../outside.git", Path.Combine(_root, "stolen"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("outside the home", r.StdErr);

        var restricted = await Git("clone", "-q", $"ssh://carol@127.0.0.1:{Port}/repo.git", Path.Combine(_root, "carol"));
        Assert.NotEqual(0, restricted.ExitCode);
        Assert.Contains("requires full permissions", restricted.StdErr);
    }

    // ---- Attacks from the security review (issue 13): each failed on the unsandboxed commands. ----

    [Fact]
    public async Task GitArchiveNeverRunsATarCommandFromTheRepositoryConfig()
    {
        var bare = await BareRepoAsync("x.git");
        var marker = Path.Combine(Path.GetTempPath(), "wharf-rce-" + Guid.NewGuid().ToString("N"));
        await File.AppendAllTextAsync(Path.Combine(bare, "config"), $"[tar \"tgz\"]\n\tcommand = \"echo pwned > {marker}; gzip -cn\"\n");
        var r = await Git("archive", $"--remote=ssh://alice@127.0.0.1:{Port}/x.git", "--format=tgz", "-o", Path.Combine(_root, "out.tgz"), "master");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("tar.tgz.command", r.StdErr);
        Assert.False(File.Exists(marker));

        // The same config through the other git services, and a plain archive of a clean repository works.
        Assert.NotEqual(0, (await Git("clone", "-q", $"ssh://alice@127.0.0.1:{Port}/x.git", Path.Combine(_root, "c1"))).ExitCode);
        Assert.False(File.Exists(marker));
        await BareRepoAsync("clean.git");
        AssertOk(await Git("archive", $"--remote=ssh://alice@127.0.0.1:{Port}/clean.git", "--format=tgz", "-o", Path.Combine(_root, "clean.tgz"), "master"));
        Assert.True(new FileInfo(Path.Combine(_root, "clean.tgz")).Length > 0);
    }

    [Theory]
    [InlineData("[core]\n\tsshCommand = touch MARK\n", "core.sshcommand")]
    [InlineData("[include]\n\tpath = /etc/gitconfig\n", "include.path")]
    [InlineData("[uploadpack]\n\tpackObjectsHook = touch MARK\n", "uploadpack.packobjectshook")]
    [InlineData("[core]\n\tworktree = /\n", "core.worktree")]
    [InlineData("[extensions]\n\tworktreeConfig = true\n", "extensions.worktreeconfig")]
    public async Task RepositoryConfigKeysThatRunProgramsOrNameFilesAreRefusedByName(string section, string key)
    {
        var bare = await BareRepoAsync("k.git");
        await File.AppendAllTextAsync(Path.Combine(bare, "config"), section.Replace("MARK", Path.Combine(_root, "MARK"), StringComparison.Ordinal));
        var r = await Git("clone", "-q", $"ssh://alice@127.0.0.1:{Port}/k.git", Path.Combine(_root, "k"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(key, r.StdErr, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(Path.Combine(_root, "MARK")));
    }

    [Fact]
    public async Task AGitfileCannotLeadToAnotherRepository()
    {
        // Another user's repository, outside this home.
        var other = Path.Combine(_root, "bob", "repo.git");
        AssertOk(await Git("init", "-q", "--bare", other));
        Directory.CreateDirectory(Path.Combine(Home, "g1"));
        await File.WriteAllTextAsync(Path.Combine(Home, "g1", ".git"), $"gitdir: {other}\n");
        await Own(Path.Combine(Home, "g1"));
        var r = await Git("clone", "-q", $"ssh://alice@127.0.0.1:{Port}/g1", Path.Combine(_root, "stolen"));
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("gitfile", r.StdErr);
        var push = await Git("push", $"ssh://alice@127.0.0.1:{Port}/g1", "HEAD:refs/heads/x");
        Assert.NotEqual(0, push.ExitCode);
        Assert.Empty(Directory.GetFiles(Path.Combine(other, "refs", "heads")));
    }

    [Fact]
    public async Task ACommondirFileCannotSwapInAnotherConfig()
    {
        var bare = await BareRepoAsync("c.git");
        var evil = await BareRepoAsync("evil.git");
        var marker = Path.Combine(_root, "commondir-marker");
        await File.AppendAllTextAsync(Path.Combine(evil, "config"), $"[tar \"tgz\"]\n\tcommand = \"touch {marker}; gzip -cn\"\n");
        await File.WriteAllTextAsync(Path.Combine(bare, "commondir"), "../evil.git\n");
        await Own(bare);
        var r = await Git("archive", $"--remote=ssh://alice@127.0.0.1:{Port}/c.git", "--format=tgz", "-o", Path.Combine(_root, "c.tgz"), "master");
        Assert.False(File.Exists(marker), r.StdErr);
    }

    [Fact]
    public async Task RsyncCannotFollowAMovedLinkOutOfTheHome()
    {
        // What the attacker built over SFTP: a relative link that resolved inside the home, then a rename
        // of its parent so that it points at the host's /etc (and at a secret beside the home).
        await File.WriteAllTextAsync(Path.Combine(_root, "secret.txt"), "server secret\n");
        Directory.CreateDirectory(Path.Combine(Home, "p6"));
        File.CreateSymbolicLink(Path.Combine(Home, "p6", "etc"), "../../../../../../../../etc");
        File.CreateSymbolicLink(Path.Combine(Home, "p6", "up"), "../..");
        await Own(Path.Combine(Home, "p6"));
        var list = Path.Combine(_root, "list");
        await File.WriteAllTextAsync(list, "p6/etc/passwd\np6/etc/hostname\np6/up/secret.txt\n");
        var dl = Path.Combine(_root, "dl");
        Directory.CreateDirectory(dl);
        var r = await Rsync("--no-implied-dirs", "--files-from=" + list, "alice@127.0.0.1:/", dl + "/");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Empty(Directory.GetFiles(dl, "*", SearchOption.AllDirectories));

        // Asking with -L / --copy-links is refused outright.
        Assert.Contains("not allowed", (await Rsync("-rL", "alice@127.0.0.1:p6/", dl + "/")).StdErr);
    }

    [Fact]
    public async Task RsyncMergeFilterTellsNothingAboutHostFiles()
    {
        // The server's own command line, as a hostile client would send it: the merge file is read on the server.
        Directory.CreateDirectory(Path.Combine(Home, "d"));
        await Own(Path.Combine(Home, "d"));
        var present = await Ssh("alice", "rsync --server --sender -r '--filter=merge /etc/hostname' . d/");
        var missing = await Ssh("alice", "rsync --server --sender -r '--filter=merge /etc/no-such-file-here' . d/");
        Assert.Contains("/etc/hostname", present.StdErr); // rsync did look, and found nothing
        Assert.Equal(missing.ExitCode, present.ExitCode);
        Assert.Equal(missing.StdErr.Replace("no-such-file-here", "X", StringComparison.Ordinal), present.StdErr.Replace("hostname", "X", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RsyncIsRefusedWhenPermissionsDifferBetweenDirectories()
    {
        Directory.CreateDirectory(Path.Combine(Home, "ro"));
        var src = Path.Combine(_root, "src");
        Directory.CreateDirectory(Path.Combine(src, "ro"));
        await File.WriteAllTextAsync(Path.Combine(src, "ro", "planted.txt"), "x");
        var r = await Rsync("-r", src + "/", "split@127.0.0.1:/");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("requires full permissions", r.StdErr);
        Assert.False(File.Exists(Path.Combine(Home, "ro", "planted.txt")));
        var g = await Git("clone", "-q", $"ssh://split@127.0.0.1:{Port}/repo.git", Path.Combine(_root, "split"));
        Assert.Contains("requires full permissions", g.StdErr);
    }

    [Fact]
    public async Task AUserWithoutAUidIsRefusedWhenTheServerIsRoot()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return;
        }

        var r = await Rsync("-r", "rootless@127.0.0.1:/", Path.Combine(_root, "r") + "/");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("never run as root", r.StdErr);
    }

    [Fact]
    public async Task TheSandboxShowsOnlyTheHomeAndTheSystemFiles()
    {
        // A link planted in the home climbs to the sandbox's "/": there is /usr and the home, but no host
        // /etc, /root or the server's directories.
        File.CreateSymbolicLink(Path.Combine(Home, "top"), "../../../../../../..");
        await Own(Path.Combine(Home, "top"));
        var list = Path.Combine(_root, "toplist");
        await File.WriteAllTextAsync(list, "top/usr\ntop/home\ntop/etc\ntop/root\ntop/work\ntop/tmp\n");
        var seen = Path.Combine(_root, "seen");
        Directory.CreateDirectory(seen);
        var r = await Rsync("-d", "--files-from=" + list, "alice@127.0.0.1:/", seen + "/");
        Assert.True(Directory.Exists(Path.Combine(seen, "top", "usr")), r.StdOut + r.StdErr);
        Assert.True(Directory.Exists(Path.Combine(seen, "top", "home")), r.StdOut + r.StdErr);
        Assert.False(Directory.Exists(Path.Combine(seen, "top", "etc")));
        Assert.False(Directory.Exists(Path.Combine(seen, "top", "root")));
        Assert.False(Directory.Exists(Path.Combine(seen, "top", "work")));
    }

    [Fact]
    public async Task CompressedRsyncIsHeldToTheBytesAndFilesStored()
    {
        var src = Path.Combine(_root, "zsrc");
        Directory.CreateDirectory(src);
        await File.WriteAllBytesAsync(Path.Combine(src, "zeros.bin"), new byte[20_000_000]);
        var r = await Rsync("-rz", src + "/", "dave@127.0.0.1:z/");
        Assert.NotEqual(0, r.ExitCode);
        Assert.True(Directory.GetFiles(Home, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) <= 100_000, r.StdErr);

        var many = Path.Combine(_root, "many");
        Directory.CreateDirectory(many);
        for (int i = 0; i < 50; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(many, $"f{i}.txt"), "x");
        }

        // Ten files left: rsync creates them faster than any poll, so the transfer that ends over the
        // quota has the files it created taken back. Before: 50 files stored for a quota of 10.
        await File.WriteAllTextAsync(Path.Combine(Home, "kept.txt"), "was here before");
        await Own(Path.Combine(Home, "kept.txt"));
        var m = await Rsync("-rz", many + "/", "dave@127.0.0.1:many/");
        Assert.NotEqual(0, m.ExitCode);
        Assert.Contains("quota exceeded", m.StdErr);
        Assert.Empty(Directory.GetFiles(Home, "f*.txt", SearchOption.AllDirectories));
        Assert.Equal("was here before", await File.ReadAllTextAsync(Path.Combine(Home, "kept.txt")));

        // Within the quota the same transfer works.
        Directory.Delete(many, true);
        Directory.CreateDirectory(many);
        for (int i = 0; i < 5; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(many, $"g{i}.txt"), "x");
        }

        AssertOk(await Rsync("-rz", many + "/", "dave@127.0.0.1:few/"));
        Assert.Equal(5, Directory.GetFiles(Path.Combine(Home, "few")).Length);
    }

    [Fact]
    public async Task AnUploadThatExactlyFillsTheQuotaIsKept()
    {
        // dave has 100,000 bytes left: a file of exactly that size is within the quota, not over it.
        var src = Path.Combine(_root, "exact");
        Directory.CreateDirectory(src);
        await File.WriteAllBytesAsync(Path.Combine(src, "full.bin"), RandomNumberGenerator.GetBytes(100_000));
        AssertOk(await Rsync("-r", src + "/", "dave@127.0.0.1:exact/"));
        Assert.Equal(100_000, new FileInfo(Path.Combine(Home, "exact", "full.bin")).Length);
    }
}
