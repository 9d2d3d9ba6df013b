using System.Net;
using Wharf.Ssh;

namespace Wharf.Interop.Tests;

/// <summary>ssh-audit against the default configuration: nothing it fails, strict KEX advertised.</summary>
public sealed class SshAuditTests
{
    [Fact]
    public async Task DefaultConfigurationHasNoFailures()
    {
        var options = new SshServerOptions();
        options.HostKeys.AddRange(TestKeys.Instance.HostKeys.Where(k => k.PublicKey.KeyType is "ssh-ed25519" or "ssh-rsa"));
        await using var server = new SshServer(options);
        server.Start(new IPEndPoint(IPAddress.Loopback, 0));
        var r = await ProcessRunner.RunAsync("ssh-audit", ["-n", "-p", server.LocalEndPoint!.Port.ToString(), "127.0.0.1"], timeout: TimeSpan.FromSeconds(120));
        Assert.DoesNotContain("[fail]", r.StdOut);
        Assert.Contains("kex-strict-s-v00@openssh.com", r.StdOut);
        Assert.Contains("ssh-ed25519", r.StdOut);
        Assert.Contains("rsa-sha2-512", r.StdOut);
        Assert.Contains("chacha20-poly1305@openssh.com", r.StdOut);
    }
}
