namespace Wharf.Sftp.Protocol;

/// <summary>The order of the two paths of SSH_FXP_SYMLINK, as a client writes them.</summary>
public enum SymlinkArgumentOrder
{
    /// <summary>
    /// OpenSSH's order (its PROTOCOL file, §4.1): the target the link points to first, then the
    /// path of the link to create. What OpenSSH, paramiko, PuTTY, SSH.NET and most clients send.
    /// </summary>
    TargetFirst,

    /// <summary>
    /// draft-ietf-secsh-filexfer-02's order: the link path first, then the target. Sent by
    /// clients that keep to the draft unless the server looks like OpenSSH (asyncssh, ssh2).
    /// </summary>
    LinkFirst,
}

/// <summary>
/// What known clients do differently from what the server expects, decided from the
/// identification lines of both sides — as ProFTPD's <c>SFTPClientMatch</c> does, but built in.
/// Today one quirk: the argument order of SSH_FXP_SYMLINK. OpenSSH's server reads the target
/// first, against the draft; clients that follow the draft switch to OpenSSH's order only when
/// the server's identification looks like OpenSSH's, so a server that does not look like it
/// must read their SYMLINK the draft's way, or it creates the link at the target's path.
/// </summary>
public static class SftpClientQuirks
{
    /// <summary>
    /// The SYMLINK argument order the client identified by <paramref name="clientVersion"/> uses
    /// towards a server identifying itself with <paramref name="serverVersion"/>. Both are whole
    /// identification lines without CR LF (<c>SSH-2.0-AsyncSSH_2.14.2</c>,
    /// <c>SSH-2.0-Wharf_0.1.0</c>). Each rule is the client's own test, to the letter:
    /// <list type="bullet">
    /// <item>asyncssh (<c>AsyncSSH_</c>, since its first SFTP client in 2015): draft order
    /// unless the server's line contains <c>OpenSSH</c> or <c>paramiko</c> anywhere
    /// (sftp.py, <c>_nonstandard_symlink_impls</c>, checked for SFTP version 3, the only one
    /// Wharf speaks).</item>
    /// <item>ssh2 for Node (<c>ssh2js</c>): draft order unless the server's line matches
    /// <c>^SSH-2.0-(?:OpenSSH|dropbear)</c> (lib/protocol/SFTP.js, <c>_isOpenSSH</c>).</item>
    /// <item>everything else, unknown or missing: OpenSSH's order.</item>
    /// </list>
    /// </summary>
    public static SymlinkArgumentOrder SymlinkOrder(string? clientVersion, string? serverVersion)
    {
        string software = SoftwareVersion(clientVersion);
        serverVersion ??= "";
        if (software.StartsWith("AsyncSSH_", StringComparison.Ordinal))
        {
            return serverVersion.Contains("OpenSSH", StringComparison.Ordinal) || serverVersion.Contains("paramiko", StringComparison.Ordinal)
                ? SymlinkArgumentOrder.TargetFirst
                : SymlinkArgumentOrder.LinkFirst;
        }

        if (software.StartsWith("ssh2js", StringComparison.Ordinal))
        {
            return serverVersion.StartsWith("SSH-2.0-OpenSSH", StringComparison.Ordinal) || serverVersion.StartsWith("SSH-2.0-dropbear", StringComparison.Ordinal)
                ? SymlinkArgumentOrder.TargetFirst
                : SymlinkArgumentOrder.LinkFirst;
        }

        return SymlinkArgumentOrder.TargetFirst;
    }

    /// <summary>The softwareversion field of an identification line (RFC 4253 §4.2), or "" when there is none.</summary>
    private static string SoftwareVersion(string? line)
    {
        if (line is null)
        {
            return "";
        }

        string rest = line.StartsWith("SSH-2.0-", StringComparison.Ordinal) ? line["SSH-2.0-".Length..]
            : line.StartsWith("SSH-1.99-", StringComparison.Ordinal) ? line["SSH-1.99-".Length..]
            : "";
        int space = rest.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? rest : rest[..space];
    }
}
