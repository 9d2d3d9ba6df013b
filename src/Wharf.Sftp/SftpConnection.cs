using System.Net;
using Wharf.Ssh;

namespace Wharf.Sftp;

/// <summary>A client connection as the host sees it.</summary>
public sealed class SftpConnection
{
    internal SftpConnection(SshSession session) => Session = session;

    /// <summary>The underlying SSH session.</summary>
    public SshSession Session { get; }

    /// <summary>Server-unique id.</summary>
    public string Id => Session.Id;

    /// <summary>Client address and port.</summary>
    public IPEndPoint RemoteEndPoint => Session.RemoteEndPoint;

    /// <summary>The authenticated user (null before authentication).</summary>
    public string? UserName => Session.UserName;

    /// <summary>When the connection was accepted.</summary>
    public DateTimeOffset StartTime => Session.StartTime;

    /// <summary>The SFTP version agreed on the most recent SFTP channel (0 before).</summary>
    public int ProtocolVersion => CurrentSftpSession?.ProtocolVersion ?? 0;

    internal Protocol.SftpSession? CurrentSftpSession { get; set; }

    /// <summary>The client's identification string.</summary>
    public string? ClientVersion => Session.ClientVersion;

    /// <summary>Ends the connection.</summary>
    public Task DisconnectAsync(string reason = "disconnected by the server") =>
        Session.DisconnectAsync(SshDisconnectReason.ByApplication, reason);
}
