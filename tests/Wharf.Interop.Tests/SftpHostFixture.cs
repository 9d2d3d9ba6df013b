using System.Collections.Concurrent;
using System.Net;
using Wharf.Sftp;
using Wharf.Sftp.Events;
using Wharf.Ssh;
using Wharf.Ssh.Authentication;

namespace Wharf.Interop.Tests;

/// <summary>
/// An SftpServer serving a fresh temporary root to user alice (password or any test key), with
/// every operation event recorded. A sibling directory "outside" must never change. A derived
/// fixture may change the options in <see cref="Configure"/>.
/// </summary>
public class SftpHostFixture : IAsyncLifetime
{
    private readonly List<(SshSession Session, TaskCompletionSource Ended)> _started = [];

    public SftpServer Server { get; private set; } = null!;

    public string Base { get; } = Path.Combine(Path.GetTempPath(), "wharf-sftp-" + Guid.NewGuid().ToString("N")[..8]);

    public string Root => Path.Combine(Base, "root");

    public string Outside => Path.Combine(Base, "outside");

    public int Port => Server.LocalEndPoint!.Port;

    public ConcurrentQueue<(SftpOperation Op, bool Before, string Path, SftpStatusCode Status)> Events { get; } = new();

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "secret.txt"), "outside the root");
        var options = new SftpServerOptions { RootDirectory = Root };
        options.Ssh.HostKeys.AddRange(TestKeys.Instance.HostKeys.Where(k => k.PublicKey.KeyType is "ssh-ed25519"));
        options.Ssh.FailedAuthDelay = TimeSpan.Zero;
        Configure(options);
        Server = new SftpServer(options)
        {
            Authenticate = r => Task.FromResult(r switch
            {
                PasswordAuthenticationRequest { UserName: "alice" } p when p.Password == TestHost.AlicePassword => AuthenticationResult.Success,
                PublicKeyAuthenticationRequest { UserName: "alice" } k when TestKeys.Instance.UserPublicKeys.Contains(k.Key) => AuthenticationResult.Success,
                _ => AuthenticationResult.Failure,
            }),
        };
        EventHandler<SftpOperationEventArgs> record = (_, e) => Events.Enqueue((e.Operation, e.IsBefore, e.Path, e.Status));
        Server.FileOpen += record;
        Server.FileClose += record;
        Server.FileRemove += record;
        Server.FileRename += record;
        Server.DirCreate += record;
        Server.DirRemove += record;
        Server.DirList += record;
        Server.SshServer.SessionStarted += s =>
        {
            lock (_started)
            {
                _started.Add((s, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));
            }
        };
        Server.SshServer.SessionEnded += s =>
        {
            lock (_started)
            {
                _started.Find(e => e.Session == s).Ended?.TrySetResult();
            }
        };
        Server.Start(new IPEndPoint(IPAddress.Loopback, 0));
        return ValueTask.CompletedTask;
    }

    /// <summary>Changes the options before the server is created.</summary>
    protected virtual void Configure(SftpServerOptions options)
    {
    }

    /// <summary>How many SSH sessions have started so far: the mark to pass to <see cref="EndedSessionAfterAsync"/>.</summary>
    public int SessionMark
    {
        get
        {
            lock (_started)
            {
                return _started.Count;
            }
        }
    }

    /// <summary>
    /// The one session that started after <paramref name="mark"/> (the client a test just ran;
    /// tests of one class run one at a time), once it has ended, so its counters are final.
    /// </summary>
    public async Task<SshSession> EndedSessionAfterAsync(int mark)
    {
        (SshSession Session, TaskCompletionSource Ended) started;
        lock (_started)
        {
            started = Assert.Single(_started.Skip(mark));
        }

        await started.Ended.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return started.Session;
    }

    /// <summary>Everything under "outside", as (relative path, content hash) pairs.</summary>
    public string[] OutsideSnapshot() =>
        [.. Directory.EnumerateFileSystemEntries(Outside, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(Outside, p) + (File.Exists(p) ? ":" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p))) : "/"))
            .Order()];

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(Base, true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The same server, starting a key exchange itself after every <see cref="RekeyBytes"/> in either direction.</summary>
public sealed class RekeyingSftpHostFixture : SftpHostFixture
{
    public const long RekeyBytes = 1 << 20;

    protected override void Configure(SftpServerOptions options) => options.Ssh.RekeyBytes = RekeyBytes;
}

/// <summary>The same server with a single failed authentication attempt allowed per connection.</summary>
public sealed class SingleAttemptSftpHostFixture : SftpHostFixture
{
    protected override void Configure(SftpServerOptions options) => options.Ssh.MaxAuthAttempts = 1;
}
