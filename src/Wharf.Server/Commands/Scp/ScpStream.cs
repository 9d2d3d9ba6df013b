using System.Buffers;
using System.IO.Pipelines;

namespace Wharf.Server.Commands.Scp;

/// <summary>
/// The byte stream the rcp protocol runs over (the channel's stdin and stdout). A seam so the
/// protocol can be tested without an SSH channel.
/// </summary>
internal interface IScpStream
{
    /// <summary>One byte, or -1 at end of input.</summary>
    ValueTask<int> ReadByteAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The bytes up to the next newline (which is consumed, not returned). Throws
    /// <see cref="ScpProtocolException"/> when the input ends first or the line is longer than
    /// <paramref name="maxLength"/>: a peer must not make us buffer without bound.
    /// </summary>
    ValueTask<byte[]> ReadLineAsync(int maxLength, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="buffer"/>.Length bytes; 0 at end of input.</summary>
    ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>Sends bytes to the peer.</summary>
    ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);
}

/// <summary>A malformed or truncated exchange: the transfer cannot continue.</summary>
internal sealed class ScpProtocolException(string message) : Exception(message);

/// <summary><see cref="IScpStream"/> over a pipe (the channel input) and a write function (the channel output).</summary>
internal sealed class PipeScpStream(PipeReader input, Func<ReadOnlyMemory<byte>, CancellationToken, ValueTask> output) : IScpStream
{
    public async ValueTask<int> ReadByteAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var r = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (!r.Buffer.IsEmpty)
            {
                byte b = r.Buffer.FirstSpan[0];
                input.AdvanceTo(r.Buffer.GetPosition(1));
                return b;
            }

            input.AdvanceTo(r.Buffer.End);
            if (r.IsCompleted || r.IsCanceled)
            {
                return -1;
            }
        }
    }

    public async ValueTask<byte[]> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        while (true)
        {
            var r = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = r.Buffer;
            var newline = buffer.PositionOf((byte)'\n');
            if (newline is { } nl)
            {
                var line = buffer.Slice(0, nl);
                if (line.Length > maxLength)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    throw new ScpProtocolException("control line too long");
                }

                var bytes = line.ToArray();
                input.AdvanceTo(buffer.GetPosition(1, nl));
                return bytes;
            }

            if (buffer.Length > maxLength)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                throw new ScpProtocolException("control line too long");
            }

            if (r.IsCompleted || r.IsCanceled)
            {
                input.AdvanceTo(buffer.End);
                throw new ScpProtocolException("lost connection");
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    public async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            var r = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (!r.Buffer.IsEmpty)
            {
                int n = (int)Math.Min(buffer.Length, r.Buffer.Length);
                r.Buffer.Slice(0, n).CopyTo(buffer.Span);
                input.AdvanceTo(r.Buffer.GetPosition(n));
                return n;
            }

            input.AdvanceTo(r.Buffer.End);
            if (r.IsCompleted || r.IsCanceled)
            {
                return 0;
            }
        }
    }

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => output(data, cancellationToken);
}
