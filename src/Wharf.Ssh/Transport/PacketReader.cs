using System.Buffers;
using System.IO.Pipelines;
using Wharf.Ssh.Algorithms;
using Wharf.Ssh.Algorithms.Compression;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Transport;

/// <summary>
/// Reads binary packets (RFC 4253 §6) from a pipe. The packet length is checked against the
/// limit and the cipher's alignment before any more of the packet is read, and the whole packet
/// lands in one buffer rented once per connection, where it is verified and decrypted in place.
/// </summary>
internal sealed class PacketReader : IDisposable
{
    private readonly PipeReader _input;
    private readonly int _maxPacketLength;
    private byte[] _buffer;
    private readonly SshWriter _inflated = new(1024);

    public PacketReader(PipeReader input, int maxPacketLength)
    {
        _input = input;
        _maxPacketLength = maxPacketLength;
        _buffer = ArrayPool<byte>.Shared.Rent(maxPacketLength + 4 + 64);
    }

    public PacketDecryptor Decryptor { get; set; } = new NoneDecryptor();

    public PayloadDecompressor? Decompressor { get; set; }

    /// <summary>Sequence number of the next packet (wraps at 2^32).</summary>
    public uint SequenceNumber { get; set; }

    /// <summary>Bytes received since the last key exchange.</summary>
    public long BytesSinceKex { get; set; }

    /// <summary>Packets received since the last key exchange.</summary>
    public long PacketsSinceKex { get; set; }

    /// <summary>True once any sequence number wrapped since the last reset (fatal during a strict initial key exchange).</summary>
    public bool SequenceWrapped { get; set; }

    /// <summary>
    /// Reads the next packet and returns its payload, valid until the next call, or an empty
    /// memory when the peer closed the connection cleanly between packets.
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadPacketAsync(CancellationToken cancellationToken)
    {
        var decryptor = Decryptor;
        int head = decryptor.LengthFieldSize;
        if (!await FillAsync(0, head, atPacketStart: true, cancellationToken).ConfigureAwait(false))
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        uint seq = SequenceNumber;
        uint packetLength = decryptor.DecryptLength(seq, _buffer.AsSpan(0, head));
        int bs = decryptor.BlockSize;
        bool aligned = decryptor.AlignmentIncludesLength ? (4 + (long)packetLength) % bs == 0 : packetLength % bs == 0;
        if (packetLength < 5 || packetLength > (uint)_maxPacketLength || !aligned)
        {
            // With encrypt-and-MAC modes a bad length may be a tampered packet: report it as a MAC
            // failure, the same way as a bad tag, so the two cannot be told apart.
            if (decryptor.TagSize > 0 && decryptor.AlignmentIncludesLength)
            {
                throw new SshConnectionException("corrupted packet (MAC error)", SshDisconnectReason.MacError);
            }

            throw new SshConnectionException($"invalid packet length {packetLength}");
        }

        int packetEnd = 4 + (int)packetLength;
        int total = packetEnd + decryptor.TagSize;
        if (head > total)
        {
            throw new SshConnectionException($"invalid packet length {packetLength}");
        }

        if (!await FillAsync(head, total - head, atPacketStart: false, cancellationToken).ConfigureAwait(false))
        {
            throw new SshConnectionException("connection closed in the middle of a packet", SshDisconnectReason.ConnectionLost);
        }

        if (!decryptor.DecryptAndVerify(seq, _buffer.AsSpan(0, packetEnd), _buffer.AsSpan(packetEnd, decryptor.TagSize)))
        {
            throw new SshConnectionException("corrupted packet (MAC error)", SshDisconnectReason.MacError);
        }

        int padding = _buffer[4];
        int payloadLength = (int)packetLength - padding - 1;
        if (padding < 4 || payloadLength < 1)
        {
            throw new SshConnectionException($"invalid padding length {padding}");
        }

        SequenceNumber = seq + 1;
        if (SequenceNumber == 0)
        {
            SequenceWrapped = true;
        }

        BytesSinceKex += total;
        PacketsSinceKex++;

        var payload = _buffer.AsMemory(5, payloadLength);
        if (Decompressor is { } inflater)
        {
            _inflated.Reset();
            inflater.Decompress(payload.Span, _inflated, _maxPacketLength);
            return _inflated.WrittenMemory;
        }

        return payload;
    }

    /// <summary>Copies exactly <paramref name="count"/> bytes from the pipe into the buffer at <paramref name="offset"/>.</summary>
    private async ValueTask<bool> FillAsync(int offset, int count, bool atPacketStart, CancellationToken cancellationToken)
    {
        int copied = 0;
        while (copied < count)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            int take = (int)Math.Min(buffer.Length, count - copied);
            buffer.Slice(0, take).CopyTo(_buffer.AsSpan(offset + copied, take));
            copied += take;
            _input.AdvanceTo(buffer.GetPosition(take));
            if (copied < count && (result.IsCompleted || result.IsCanceled))
            {
                if (atPacketStart && copied == 0)
                {
                    return false;
                }

                throw new SshConnectionException("connection closed in the middle of a packet", SshDisconnectReason.ConnectionLost);
            }
        }

        return true;
    }

    public void Dispose()
    {
        Decryptor.Dispose();
        Decompressor?.Dispose();
        _inflated.Dispose();
        var b = _buffer;
        _buffer = [];
        if (b.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(b, clearArray: true);
        }
    }
}
