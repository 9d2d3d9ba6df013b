using System.IO.Pipelines;
using Wharf.Sftp.FileSystem;
using Wharf.Ssh.Connection;

namespace Wharf.Sftp.Protocol;

/// <summary>
/// One SFTP session (the "sftp" subsystem on one channel): reads requests from the client,
/// runs them against an <see cref="IFileSystem"/>, writes the replies.
/// </summary>
public sealed partial class SftpSession
{
    private readonly IFileSystem _fileSystem;
    private readonly SftpSessionOptions _options;

    /// <summary>Creates a session over <paramref name="fileSystem"/>.</summary>
    public SftpSession(IFileSystem fileSystem, SftpSessionOptions? options = null)
    {
        _fileSystem = fileSystem;
        _options = options ?? new SftpSessionOptions();
    }

    /// <summary>
    /// How this client orders the two paths of SSH_FXP_SYMLINK (OpenSSH's order unless told
    /// otherwise; <see cref="SftpClientQuirks.SymlinkOrder"/> decides it from the identification lines).
    /// </summary>
    public SymlinkArgumentOrder SymlinkArgumentOrder { get; init; }

    /// <summary>The protocol version agreed in SSH_FXP_INIT / SSH_FXP_VERSION (0 before).</summary>
    public int ProtocolVersion { get; private set; }

    /// <summary>Runs the session on an SSH channel until the client closes it; returns the exit status.</summary>
    public async Task<int> RunAsync(SshChannel channel, CancellationToken cancellationToken)
    {
        // Everything the session does between two reads is asynchronous or one short file
        // operation, so it may run on the receive loop: a request's round trip then wakes one
        // thread, not two.
        channel.ResumeInputOnReceiveLoop = true;
        var pump = new ChannelOutputPump(channel, _spareReplies.Return);
        try
        {
            return await RunCoreAsync(channel.Input, null, pump, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            pump.Complete();
        }
    }

    /// <summary>
    /// Runs the session over any byte stream pair: requests from <paramref name="input"/>,
    /// replies through <paramref name="output"/> (never called concurrently). Every handle is
    /// closed (aborted) when the session ends. Returns 0 when the client ended cleanly.
    /// </summary>
    public partial Task<int> RunAsync(PipeReader input, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> output, CancellationToken cancellationToken);
}
