namespace Wharf.Sftp;

/// <summary>
/// A request-level failure: it ends only the request that caused it, which is answered with
/// SSH_FXP_STATUS carrying <see cref="Code"/> and the message. File systems throw it (or
/// exceptions that <c>SftpErrorMapper</c> translates in one place); event handlers throw it to deny.
/// </summary>
public class SftpException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SftpException(SftpStatusCode code, string message, Exception? inner = null)
        : base(message, inner) => Code = code;

    /// <summary>The status sent to the client.</summary>
    public SftpStatusCode Code { get; }
}
