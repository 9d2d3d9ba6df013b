using System.Collections.Concurrent;
using System.Net;
using Wharf.Sftp;
using Wharf.Sftp.Events;
using Wharf.Ssh;
using Wharf.Ssh.Authentication;

namespace Wharf.Interop.Tests;

/// <summary>
/// An SftpServer serving a fresh temporary root to user alice (password or any test key), with
/// every operation event recorded. A sibling directory "outside" must never change. Subclasses
/// change the options (<see cref="Configure"/>) before the server starts.
/// </summary>
public class SftpHostFixture : IAsyncLifetime
{
    private int _started;
    private int _ended;

    public SftpServer Server { get; private set; } = null!;

    public string Base { get; } = Path.Combine(Path.GetTempPath(), "wharf-sftp-" + Guid.NewGuid().ToString("N")[..8]);

    public string Root => Path.Combine(Base, "root");

    public string Outside => Path.Combine(Base, "outside");

    public int Port => Server.LocalEndPoint!.Port;

    public ConcurrentQueue<(SftpOperation Op, bool Before, string Path, SftpStatusCode Status)> Events { get; } = new();

    /// <summary>The most recently ended SSH session (its KeyExchangeCount, ClientVersion...).</summary>
    public SshSession? LastSession { get; private set; }

    /// <summary>Options to change before the server starts.</summary>
    protected virtual void Configure(SftpServerOptions options)
    {
    }

    /// <summary>Waits until every session that started has ended (the client just exited) and returns the last.</summary>
    public async Task<SshSession> WaitForSessionEndAsync()
    {
        for (int i = 0; i < 400 && Volatile.Read(ref _ended) < Volatile.Read(ref _started); i++)
        {
            await Task.Delay(25);
        }

        return LastSession ?? throw new InvalidOperationException("no session ended");
    }

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
        Server.SshServer.SessionStarted += _ => Interlocked.Increment(ref _started);
        Server.SshServer.SessionEnded += s =>
        {
            LastSession = s;
            Interlocked.Increment(ref _ended);
        };
        Server.Start(new IPEndPoint(IPAddress.Loopback, 0));
        return ValueTask.CompletedTask;
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

/// <summary>The same server, starting a key exchange after every MiB in either direction.</summary>
public sealed class RekeyingSftpHostFixture : SftpHostFixture
{
    protected override void Configure(SftpServerOptions options) => options.Ssh.RekeyBytes = 1 << 20;
}

/// <summary>The same server with a single failed authentication attempt allowed per connection.</summary>
public sealed class SingleAttemptSftpHostFixture : SftpHostFixture
{
    protected override void Configure(SftpServerOptions options) => options.Ssh.MaxAuthAttempts = 1;
}
