using System.Buffers.Binary;
using System.Security.Cryptography;
using Wharf.Ssh.Algorithms;
using Wharf.Ssh.Algorithms.Compression;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Transport;

/// <summary>
/// Builds and sends binary packets. The caller writes a payload into <see cref="Begin"/>'s
/// writer (after a 5-byte gap for the header); <see cref="SendAsync"/> compresses it if
/// compression is on, pads it, encrypts it in place and writes it out. Not thread-safe: the
/// session serialises senders.
/// </summary>
internal sealed class PacketWriter : IDisposable
{
    private readonly Stream _output;
    private readonly SshWriter _packet = new(64 * 1024);
    private readonly SshWriter _deflated = new(1024);

    public PacketWriter(Stream output) => _output = output;

    public PacketEncryptor Encryptor { get; set; } = new NoneEncryptor();

    public PayloadCompressor? Compressor { get; set; }

    public uint SequenceNumber { get; set; }

    public long BytesSinceKex { get; set; }

    public long PacketsSinceKex { get; set; }

    public bool SequenceWrapped { get; set; }

    /// <summary>Starts a packet; write the payload (message number first) into the returned writer.</summary>
    public SshWriter Begin()
    {
        _packet.Reset(5);
        return _packet;
    }

    /// <summary>Pads, protects and sends the packet started by <see cref="Begin"/>.</summary>
    public ValueTask SendAsync(CancellationToken cancellationToken)
    {
        if (Compressor is { } deflater)
        {
            _deflated.Reset();
            deflater.Compress(_packet.WrittenSpan[5..], _deflated);
            _packet.Reset(5);
            _packet.WriteRaw(_deflated.WrittenSpan);
        }

        var encryptor = Encryptor;
        int payloadLength = _packet.Length - 5;
        int bs = encryptor.BlockSize;
        int alignedPart = (encryptor.AlignmentIncludesLength ? 5 : 1) + payloadLength;
        int padding = bs - (alignedPart % bs);
        if (padding < 4)
        {
            padding += bs;
        }

        var padSpan = _packet.GetSpan(padding + encryptor.TagSize);
        RandomNumberGenerator.Fill(padSpan[..padding]);
        _packet.Advance(padding);
        int packetEnd = _packet.Length;

        var span = _packet.Buffer.AsSpan(0, packetEnd + encryptor.TagSize);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)(packetEnd - 4));
        span[4] = (byte)padding;
        encryptor.Encrypt(SequenceNumber, span[..packetEnd], span[packetEnd..]);
        SequenceNumber++;
        if (SequenceNumber == 0)
        {
            SequenceWrapped = true;
        }

        BytesSinceKex += span.Length;
        PacketsSinceKex++;
        return _output.WriteAsync(_packet.Buffer.AsMemory(0, span.Length), cancellationToken);
    }

    public void Dispose()
    {
        Encryptor.Dispose();
        Compressor?.Dispose();
        _packet.Dispose();
        _deflated.Dispose();
    }
}
