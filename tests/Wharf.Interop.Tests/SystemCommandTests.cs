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
/// Users: alice has every permission, carol only list and download.
/// </summary>
public sealed class SystemCommandTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "wharf-sys-" + Guid.NewGuid().ToString("N")[..8]);
    private SshServer? _server;
    private int _finished;

    private string Home => Path.Combine(_root, "home");

    private int Port => _server!.LocalEndPoint!.Port;

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Home);
        var options = new SshServerOptions();
        options.HostKeys.AddRange(TestKeys.Instance.HostKeys);
        _server = new SshServer(options)
        {
            Authenticate = req => Task.FromResult(
                req is PublicKeyAuthenticationRequest { UserName: "alice" or "carol" or "dave" or "nobody" } pk && TestKeys.Instance.UserPublicKeys.Contains(pk.Key)
                    ? AuthenticationResult.Success : AuthenticationResult.Failure),
            EnvironmentFilter = (_, name, _) => name == "GIT_PROTOCOL",
            ExecHandler = (session, command) =>
            {
                if (Wharf.Server.Commands.CommandLineSplitter.Split(command) is not { } args)
                {
                    return null;
                }

                string[] perms = session.UserName == "carol" ? ["list", "download"] : ["*"];
                var context = new Wharf.Server.Commands.System.SystemCommandContext
                {
                    HomeDirectory = Home,
                    Permissions = Wharf.Server.Accounts.PermissionSet.Global(perms),
                    Uid = session.UserName == "nobody" ? 65534 : null,
                    Gid = session.UserName == "nobody" ? 65534 : null,
                    RemainingQuotaBytes = session.UserName == "dave" ? 100_000L : null,
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
        return ValueTask.CompletedTask;
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
        Assert.Contains("quota exceeded", r.StdErr);
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
}
