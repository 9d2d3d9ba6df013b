using Wharf.Sftp.Protocol;

namespace Wharf.Sftp.Tests.Protocol;

/// <summary>
/// SftpClientQuirks against identification lines as the clients really send them (asyncssh
/// "AsyncSSH_" + its version, ssh2 "ssh2js" + its version, SSH.NET "Renci.SshNet.SshClient." +
/// its package version, as the interop tests see them) and as servers send them.
/// </summary>
public sealed class SftpClientQuirksTests
{
    private const string Wharf = "SSH-2.0-Wharf_0.1.0";

    [Theory]
    // asyncssh: draft order unless "OpenSSH" or "paramiko" appears anywhere in the server's line.
    [InlineData("SSH-2.0-AsyncSSH_2.14.2", Wharf, SymlinkArgumentOrder.LinkFirst)]
    [InlineData("SSH-2.0-AsyncSSH_2.21.0", "SSH-2.0-SFTPGo_2.6.6", SymlinkArgumentOrder.LinkFirst)]
    [InlineData("SSH-2.0-AsyncSSH_1.18.0", Wharf, SymlinkArgumentOrder.LinkFirst)]
    [InlineData("SSH-2.0-AsyncSSH_2.14.2", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", SymlinkArgumentOrder.TargetFirst)]
    [InlineData("SSH-2.0-AsyncSSH_2.14.2", "SSH-2.0-paramiko_3.4.0", SymlinkArgumentOrder.TargetFirst)]
    [InlineData("SSH-2.0-AsyncSSH_2.14.2", "SSH-2.0-Wharf_like_OpenSSH", SymlinkArgumentOrder.TargetFirst)]
    [InlineData("SSH-2.0-AsyncSSH_2.14.2", "SSH-2.0-openssh_9.2", SymlinkArgumentOrder.LinkFirst)] // asyncssh's test is case-sensitive
    [InlineData("SSH-2.0-AsyncSSH_2.14.2", "SSH-2.0-dropbear_2022.83", SymlinkArgumentOrder.LinkFirst)]
    // ssh2: draft order unless the server's line starts with SSH-2.0-OpenSSH or SSH-2.0-dropbear.
    [InlineData("SSH-2.0-ssh2js1.17.0", Wharf, SymlinkArgumentOrder.LinkFirst)]
    [InlineData("SSH-2.0-ssh2js0.4.15", Wharf, SymlinkArgumentOrder.LinkFirst)]
    [InlineData("SSH-2.0-ssh2js1.17.0", "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.10", SymlinkArgumentOrder.TargetFirst)]
    [InlineData("SSH-2.0-ssh2js1.17.0", "SSH-2.0-dropbear_2022.83", SymlinkArgumentOrder.TargetFirst)]
    [InlineData("SSH-2.0-ssh2js1.17.0", "SSH-2.0-paramiko_3.4.0", SymlinkArgumentOrder.LinkFirst)]
    [InlineData("SSH-2.0-ssh2js1.17.0", "SSH-2.0-Wharf_like_OpenSSH", SymlinkArgumentOrder.LinkFirst)] // ssh2 anchors its test
    // Clients that always send OpenSSH's order (target first), whatever the server.
    [InlineData("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", Wharf, SymlinkArgumentOrder.TargetFirst)]
    [InlineData("SSH-2.0-OpenSSH_10.2", Wharf, SymlinkArgumentOrder.TargetFirst)]
    [InlineData("SSH-2.0-paramiko_2.12.0", Wharf, SymlinkArgumentOrder.TargetFirst)]
    [InlineData("SSH-2.0-PuTTY_Release_0.78", Wharf, SymlinkArgumentOrder.TargetFirst)]
    [InlineData("SSH-2.0-Renci.SshNet.SshClient.2026.0.1", Wharf, SymlinkArgumentOrder.TargetFirst)]
    [InlineData("SSH-2.0-libssh2_1.10.0", Wharf, SymlinkArgumentOrder.TargetFirst)]
    [InlineData("SSH-2.0-WharfTestClient", Wharf, SymlinkArgumentOrder.TargetFirst)]
    // Only the softwareversion field names the client: a comment or another field does not.
    [InlineData("SSH-2.0-PuTTY_Release_0.78 AsyncSSH_2.14.2", Wharf, SymlinkArgumentOrder.TargetFirst)]
    [InlineData("SSH-2.0-myssh2js", Wharf, SymlinkArgumentOrder.TargetFirst)]
    [InlineData("SSH-1.99-AsyncSSH_2.14.2", Wharf, SymlinkArgumentOrder.LinkFirst)]
    [InlineData("AsyncSSH_2.14.2", Wharf, SymlinkArgumentOrder.TargetFirst)]
    [InlineData("", Wharf, SymlinkArgumentOrder.TargetFirst)]
    public void SymlinkOrderIsTheClientsOwnRule(string client, string server, SymlinkArgumentOrder expected) =>
        Assert.Equal(expected, SftpClientQuirks.SymlinkOrder(client, server));

    [Fact]
    public void MissingLinesMeanOpenSshOrderOrTheClientsNoMatchCase()
    {
        Assert.Equal(SymlinkArgumentOrder.TargetFirst, SftpClientQuirks.SymlinkOrder(null, Wharf));
        Assert.Equal(SymlinkArgumentOrder.LinkFirst, SftpClientQuirks.SymlinkOrder("SSH-2.0-ssh2js1.17.0", null));
        Assert.Equal(SymlinkArgumentOrder.LinkFirst, SftpClientQuirks.SymlinkOrder("SSH-2.0-AsyncSSH_2.14.2", null));
    }
}
