using System.Diagnostics;
using System.Net;
using Wharf.Sftp;
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
        Assert.Empty(_server.Connections);
    }
}
