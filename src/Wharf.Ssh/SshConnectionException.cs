namespace Wharf.Ssh;

/// <summary>
/// An error that ends the whole SSH connection. The session sends SSH_MSG_DISCONNECT with
/// <see cref="Reason"/> (when the transport still works) and closes the socket.
/// </summary>
public class SshConnectionException : Exception
{
    /// <summary>Creates the exception with the reason sent to the peer.</summary>
    public SshConnectionException(string message, SshDisconnectReason reason = SshDisconnectReason.ProtocolError, Exception? inner = null)
        : base(message, inner) => Reason = reason;

    /// <summary>The disconnect reason sent to the peer.</summary>
    public SshDisconnectReason Reason { get; }
}
