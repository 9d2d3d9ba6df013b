using System.Diagnostics;
using System.Net;
using Wharf.Sftp;
using Wharf.Sftp.FileSystem;
using Wharf.Ssh.Authentication;

namespace Wharf.Interop.Tests;

/// <summary>The embeddable component's host hooks: deny, redirect, list and disconnect connections.</summary>
public sealed class SftpComponentTests : IAsyncLifetime
{
    private readonly string _base = Path.Combine(Path.GetTempPath(), "wharf-comp-" + Guid.NewGuid().ToString("N")[..8]);
    private SftpServer _server = null!;

    private string Root => Path.Combine(_base, "root");

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        var options = new SftpServerOptions { RootDirectory = Root };
        options.Ssh.HostKeys.AddRange(TestKeys.Instance.HostKeys.Where(k => k.PublicKey.KeyType == "ssh-ed25519"));
        _server = new SftpServer(options)
        {
            Authenticate = r => Task.FromResult(r is PublicKeyAuthenticationRequest { UserName: "alice" } k && TestKeys.Instance.UserPublicKeys.Contains(k.Key)
                ? AuthenticationResult.Success : AuthenticationResult.Failure),
        };
        _server.FileOpen += (_, e) =>
        {
            if (e.IsBefore && e.Path.EndsWith(".exe", StringComparison.Ordinal))
            {
                e.Deny(SftpStatusCode.PermissionDenied, "no executables");
            }
            else if (e.IsBefore && e.Path.StartsWith("/incoming/", StringComparison.Ordinal))
            {
                e.Path = "/sorted/" + Path.GetFileName(e.Path);
            }
        };
        _server.Start(new IPEndPoint(IPAddress.Loopback, 0));
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_base, true);
    }

    [Fact]
    public async Task DeniedOpenReachesTheClientAndTouchesNothing()
    {
        var local = Path.Combine(_base, "local");
        Directory.CreateDirectory(local);
        await File.WriteAllTextAsync(Path.Combine(local, "tool.exe"), "MZ");
        var r = await OpenSsh.SftpBatchAsync(_server.LocalEndPoint!.Port, "alice", ["put tool.exe"], workingDirectory: local);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Permission denied", r.StdErr);
        Assert.False(File.Exists(Path.Combine(Root, "tool.exe")));
    }

    [Fact]
    public async Task RedirectedOpenLandsWhereTheHostSays()
    {
        Directory.CreateDirectory(Path.Combine(Root, "sorted"));
        Directory.CreateDirectory(Path.Combine(Root, "incoming"));
        var local = Path.Combine(_base, "local2");
        Directory.CreateDirectory(local);
        await File.WriteAllTextAsync(Path.Combine(local, "report.txt"), "quarterly");
        var r = await OpenSsh.SftpBatchAsync(_server.LocalEndPoint!.Port, "alice", ["put report.txt incoming/report.txt"], workingDirectory: local);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("quarterly", await File.ReadAllTextAsync(Path.Combine(Root, "sorted", "report.txt")));
        Assert.False(File.Exists(Path.Combine(Root, "incoming", "report.txt")));
    }

    [Fact]
    public async Task ConnectionsAreListedAndCanBeClosed()
    {
        var psi = new ProcessStartInfo("sftp")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-F", "/dev/null", "-P", _server.LocalEndPoint!.Port.ToString(), "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", TestKeys.Instance.UserKeyPath("ed25519"), "alice@127.0.0.1" })
        {
            psi.ArgumentList.Add(a);
        }

        using var client = Process.Start(psi)!;
        SftpConnection? c = null;
        for (int i = 0; i < 200 && (c = _server.Connections.FirstOrDefault(x => x.ProtocolVersion == 3)) is null; i++)
        {
            await Task.Delay(50);
        }

        Assert.NotNull(c);
        Assert.Equal("alice", c.UserName);
        Assert.Equal(IPAddress.Loopback, c.RemoteEndPoint.Address);
        Assert.StartsWith("SSH-2.0-OpenSSH", c.ClientVersion);
        Assert.True(await _server.DisconnectAsync(c.Id));
        // Interactive sftp notices the closed connection at its next command.
        try
        {
            await client.StandardInput.WriteLineAsync("ls");
            await client.StandardInput.FlushAsync();
        }
        catch (IOException)
        {
            // It may already have noticed and exited: that is the expected outcome too.
        }
        await client.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.NotEqual(0, client.ExitCode);
        for (int i = 0; i < 100 && _server.Connections.Count > 0; i++)
        {
            await Task.Delay(50); // the server finishes ending the session just after the client exits
        }

        Assert.Empty(_server.Connections);
    }
}

/// <summary>The file system a session gets from the factory is owned by that session and released with it.</summary>
public sealed class SftpFileSystemLifetimeTests
{
    /// <summary>Delegates to a local file system and records its own disposal.</summary>
    private sealed class DisposeTracking(IFileSystem inner) : IFileSystem, IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose()
        {
            Disposed = true;
            (inner as IDisposable)?.Dispose();
        }

        public ValueTask<SftpFileAttributes> GetAttributesAsync(string p, bool f, CancellationToken ct) => inner.GetAttributesAsync(p, f, ct);
        public ValueTask SetAttributesAsync(string p, SftpFileAttributes a, bool f, CancellationToken ct) => inner.SetAttributesAsync(p, a, f, ct);
        public ValueTask<ISftpFile> OpenFileAsync(string p, SftpOpenFlags fl, SftpFileAttributes a, CancellationToken ct) => inner.OpenFileAsync(p, fl, a, ct);
        public ValueTask<ISftpDirectory> OpenDirectoryAsync(string p, CancellationToken ct) => inner.OpenDirectoryAsync(p, ct);
        public ValueTask RemoveFileAsync(string p, CancellationToken ct) => inner.RemoveFileAsync(p, ct);
        public ValueTask CreateDirectoryAsync(string p, SftpFileAttributes a, CancellationToken ct) => inner.CreateDirectoryAsync(p, a, ct);
        public ValueTask RemoveDirectoryAsync(string p, CancellationToken ct) => inner.RemoveDirectoryAsync(p, ct);
        public ValueTask RenameAsync(string o, string n, bool w, CancellationToken ct) => inner.RenameAsync(o, n, w, ct);
        public ValueTask<string> ReadLinkAsync(string p, CancellationToken ct) => inner.ReadLinkAsync(p, ct);
        public ValueTask CreateSymbolicLinkAsync(string l, string t, CancellationToken ct) => inner.CreateSymbolicLinkAsync(l, t, ct);
        public ValueTask CreateHardLinkAsync(string e, string n, CancellationToken ct) => inner.CreateHardLinkAsync(e, n, ct);
        public ValueTask<string> GetCanonicalPathAsync(string p, CancellationToken ct) => inner.GetCanonicalPathAsync(p, ct);
        public ValueTask<SftpFileSystemStats> GetFileSystemStatsAsync(string p, CancellationToken ct) => inner.GetFileSystemStatsAsync(p, ct);
    }

    [Fact]
    public async Task EachSessionsFileSystemIsDisposedWhenItEnds()
    {
        var root = Path.Combine(Path.GetTempPath(), "wharf-life-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var created = new System.Collections.Concurrent.ConcurrentBag<DisposeTracking>();
        var options = new SftpServerOptions();
        options.Ssh.HostKeys.AddRange(TestKeys.Instance.HostKeys.Where(k => k.PublicKey.KeyType == "ssh-ed25519"));
        await using var server = new SftpServer(options)
        {
            Authenticate = r => Task.FromResult(r is PublicKeyAuthenticationRequest k && TestKeys.Instance.UserPublicKeys.Contains(k.Key)
                ? AuthenticationResult.Success : AuthenticationResult.Failure),
            FileSystemFactory = _ =>
            {
                var fs = new DisposeTracking(new Wharf.Sftp.FileSystem.Local.LocalFileSystem(new() { RootDirectory = root }));
                created.Add(fs);
                return fs;
            },
        };
        server.Start(new IPEndPoint(IPAddress.Loopback, 0));
        for (int i = 0; i < 3; i++)
        {
            var r = await OpenSsh.SftpBatchAsync(server.LocalEndPoint!.Port, "alice", ["ls", "mkdir d" + i]);
            Assert.True(r.ExitCode == 0, r.StdErr);
        }

        for (int i = 0; i < 100 && created.Any(f => !f.Disposed); i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(3, created.Count);
        Assert.All(created, f => Assert.True(f.Disposed));
        Directory.Delete(root, true);
    }
}
