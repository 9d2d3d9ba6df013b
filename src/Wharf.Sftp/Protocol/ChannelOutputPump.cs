using System.Buffers;
using System.IO.Pipelines;
using Wharf.Ssh.Connection;

namespace Wharf.Sftp.Protocol;

/// <summary>
/// Coalesces SFTP replies before they reach the channel. A 32 KiB READ reply is 13 bytes longer
/// than OpenSSH's 32 KiB channel packet, so sent one by one every reply would cost a full packet
/// plus a tiny one; gathered while the channel is busy, they go out as full packets.
/// </summary>
internal sealed class ChannelOutputPump
{
    private const int ChunkSize = 256 * 1024;
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: 4 * ChunkSize, resumeWriterThreshold: 2 * ChunkSize, minimumSegmentSize: 64 * 1024, useSynchronizationContext: false));
    private readonly SshChannel _channel;

    public ChannelOutputPump(SshChannel channel) => _channel = channel;

    /// <summary>The output delegate for <see cref="SftpSession"/>: copies the reply into the pipe.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var result = await _pipe.Writer.WriteAsync(data, ct).ConfigureAwait(false);
        if (result.IsCompleted)
        {
            throw new IOException("channel output closed");
        }
    }

    /// <summary>Marks the end of the replies; <see cref="RunAsync"/> then drains and returns.</summary>
    public void Complete() => _pipe.Writer.Complete();

    /// <summary>Moves everything written to the channel in chunks of up to 256 KiB.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            while (true)
            {
                var read = await _pipe.Reader.ReadAsync(ct).ConfigureAwait(false);
                var buffer = read.Buffer;
                while (!buffer.IsEmpty)
                {
                    int n = (int)Math.Min(buffer.Length, ChunkSize);
                    buffer.Slice(0, n).CopyTo(chunk);
                    await _channel.WriteAsync(chunk.AsMemory(0, n), ct).ConfigureAwait(false);
                    buffer = buffer.Slice(n);
                }

                _pipe.Reader.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or Wharf.Ssh.SshConnectionException or InvalidOperationException)
        {
            // The channel or connection closed: stop the session's writes too.
            _pipe.Reader.Complete(ex);
        }
        finally
        {
            _pipe.Reader.Complete();
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}
