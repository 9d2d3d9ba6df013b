using System.Collections.Concurrent;
using System.Net;
using Wharf.Sftp;
using Wharf.Sftp.Events;
using Wharf.Ssh.Authentication;

namespace Wharf.Interop.Tests;

/// <summary>
/// An SftpServer serving a fresh temporary root to user alice (password or any test key), with
/// every operation event recorded. A sibling directory "outside" must never change.
/// </summary>
public sealed class SftpHostFixture : IAsyncLifetime
{
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
