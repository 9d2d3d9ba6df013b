namespace Wharf.Sftp.Events;

/// <summary>A connection started or ended.</summary>
public sealed class SftpConnectionEventArgs(SftpConnection connection) : EventArgs
{
    /// <summary>The connection.</summary>
    public SftpConnection Connection { get; } = connection;
}

/// <summary>A diagnostic message from the server.</summary>
public sealed class SftpLogEventArgs(Wharf.Ssh.SshLogLevel level, string message) : EventArgs
{
    /// <summary>Severity.</summary>
    public Wharf.Ssh.SshLogLevel Level { get; } = level;

    /// <summary>The text (never contains secrets).</summary>
    public string Message { get; } = message;
}
