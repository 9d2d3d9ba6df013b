using System.Buffers;
using System.IO.Pipelines;
using Wharf.Ssh.Connection;

namespace Wharf.Sftp.Protocol;

/// <summary>
/// Gathers SFTP replies and sends them to the channel in batches. A 32 KiB READ reply is 13
/// bytes longer than OpenSSH's 32 KiB channel packet, so sent one by one every reply would cost
/// a full packet plus a tiny one; the session appends the replies of a batch of requests and
/// sends them with one <see cref="FlushAsync"/>, as full packets filled straight from the
/// buffer's segments. Not thread-safe: the session calls it under its send lock.
/// </summary>
internal sealed class ChannelOutputPump
{
    // Only a buffer: the writer never waits for the reader (both sides are driven here), so the
    // pipe needs no scheduler and no thresholds.
    private readonly Pipe _pipe = new(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0, minimumSegmentSize: 64 * 1024, useSynchronizationContext: false));
    private readonly SshChannel _channel;

    public ChannelOutputPump(SshChannel channel) => _channel = channel;

    /// <summary>Bytes appended and not yet sent.</summary>
    public long Pending { get; private set; }

    /// <summary>Appends a reply.</summary>
    public void Append(ReadOnlySpan<byte> reply)
    {
        _pipe.Writer.Write(reply);
        Pending += reply.Length;
    }

    /// <summary>Sends everything appended so far.</summary>
    public async ValueTask FlushAsync(CancellationToken ct)
    {
        if (Pending == 0)
        {
            return;
        }

        Pending = 0;
        // Commits what was written; with no threshold this completes at once.
        await _pipe.Writer.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        if (!_pipe.Reader.TryRead(out var read))
        {
            return;
        }

        try
        {
            await _channel.WriteAsync(read.Buffer, ct).ConfigureAwait(false);
        }
        finally
        {
            _pipe.Reader.AdvanceTo(read.Buffer.End);
        }
    }

    /// <summary>Returns the buffer's memory.</summary>
    public void Complete()
    {
        _pipe.Writer.Complete();
        _pipe.Reader.Complete();
    }
}
