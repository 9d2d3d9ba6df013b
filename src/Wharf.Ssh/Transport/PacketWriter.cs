using System.Buffers.Binary;
using System.Security.Cryptography;
using Wharf.Ssh.Algorithms;
using Wharf.Ssh.Algorithms.Compression;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Transport;

/// <summary>
/// Builds and sends binary packets. The caller writes a payload into <see cref="Begin"/>'s
/// writer (after a 5-byte gap for the header); <see cref="SendAsync"/> compresses it if
/// compression is on, pads it, encrypts it in place and writes it out. <see cref="Seal"/> does
/// the same without writing: sealed packets stay in the buffer, and the next
/// <see cref="SendAsync"/> writes them all with its own in one call, so a burst of channel data
/// costs one socket write (one loopback delivery and one wake-up of the peer) instead of one
/// per packet. Not thread-safe: the session serialises senders, and nothing is left sealed
/// between two holders of its send lock.
/// </summary>
internal sealed class PacketWriter : IDisposable
{
    private readonly Stream _output;
    private readonly SshWriter _packet = new(64 * 1024);
    private readonly SshWriter _deflated = new(1024);
    private int _sealedEnd;
    private int _start;

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
        // After the packets sealed so far (none, outside a burst).
        _start = _sealedEnd;
        _packet.SetLength(_start);
        _packet.EnsureCapacity(5);
        _packet.Advance(5);
        return _packet;
    }

    /// <summary>Bytes of sealed packets waiting for the next <see cref="SendAsync"/>.</summary>
    public int SealedLength => _sealedEnd;

    /// <summary>Pads, protects and sends the packet started by <see cref="Begin"/>, after every packet sealed before it.</summary>
    public ValueTask SendAsync(CancellationToken cancellationToken)
    {
        Seal();
        int length = _sealedEnd;
        _sealedEnd = 0;
        return _output.WriteAsync(_packet.Buffer.AsMemory(0, length), cancellationToken);
    }

    /// <summary>Pads and protects the packet started by <see cref="Begin"/> and keeps it for the next <see cref="SendAsync"/>.</summary>
    public void Seal()
    {
        int start = _start;
        if (Compressor is { } deflater)
        {
            _deflated.Reset();
            deflater.Compress(_packet.WrittenSpan[(start + 5)..], _deflated);
            _packet.SetLength(start + 5);
            _packet.WriteRaw(_deflated.WrittenSpan);
        }

        var encryptor = Encryptor;
        int payloadLength = _packet.Length - start - 5;
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
        int packetLength = _packet.Length - start;

        var span = _packet.Buffer.AsSpan(start, packetLength + encryptor.TagSize);
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)(packetLength - 4));
        span[4] = (byte)padding;
        encryptor.Encrypt(SequenceNumber, span[..packetLength], span[packetLength..]);
        _packet.Advance(encryptor.TagSize);
        _sealedEnd = start + span.Length;
        SequenceNumber++;
        if (SequenceNumber == 0)
        {
            SequenceWrapped = true;
        }

        BytesSinceKex += span.Length;
        PacketsSinceKex++;
    }

    public void Dispose()
    {
        Encryptor.Dispose();
        Compressor?.Dispose();
        _packet.Dispose();
        _deflated.Dispose();
    }
}
