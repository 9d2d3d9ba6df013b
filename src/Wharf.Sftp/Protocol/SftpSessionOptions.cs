namespace Wharf.Sftp.Protocol;

/// <summary>Limits and behaviour of one SFTP session.</summary>
public sealed class SftpSessionOptions
{
    /// <summary>Files and directories a session may have open at once.</summary>
    public int MaxHandles { get; set; } = 256;

    /// <summary>
    /// Largest READ length served (longer requests are shortened); announced in limits@openssh.com.
    /// The default, 255 KiB, is OpenSSH's: its client refuses any message over 256 KiB, and a DATA
    /// reply carries a header besides the data, so <c>sftp -B 262144</c> downloads failed when
    /// 256 KiB reads were served in full.
    /// </summary>
    public int MaxReadLength { get; set; } = DefaultTransferLength;

    /// <summary>
    /// Largest WRITE length accepted; announced in limits@openssh.com. The default, 255 KiB, is
    /// OpenSSH's, so clients that size their writes from limits@openssh.com keep the WRITE header
    /// inside a 256 KiB message.
    /// </summary>
    public int MaxWriteLength { get; set; } = DefaultTransferLength;

    /// <summary>The default READ and WRITE limit: OpenSSH's 256 KiB message limit less 1 KiB for headers.</summary>
    public const int DefaultTransferLength = 256 * 1024 - 1024;

    /// <summary>Largest SFTP packet accepted (length field value); a longer one ends the session.</summary>
    public int MaxPacketLength { get; set; } = 256 * 1024 + 1024;

    /// <summary>Requests processed at once; more wait (the client's pipeline is still read).</summary>
    public int MaxConcurrentRequests { get; set; } = 64;

    /// <summary>The virtual directory relative paths start from, and what home-directory / expand-path "~" return.</summary>
    public string HomeDirectory { get; set; } = "/";
}
