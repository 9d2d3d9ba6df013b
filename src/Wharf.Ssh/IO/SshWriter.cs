using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Wharf.Ssh.IO;

/// <summary>
/// Writes the SSH data types into a growable buffer rented from <see cref="ArrayPool{T}"/>.
/// A session keeps one writer and reuses it for every outgoing packet, so the steady state
/// allocates nothing. Dispose returns the buffer to the pool.
/// </summary>
public sealed class SshWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _position;

    /// <summary>Creates a writer with room for <paramref name="initialCapacity"/> bytes.</summary>
    public SshWriter(int initialCapacity = 256)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(16, initialCapacity));
    }

    /// <summary>Number of bytes written.</summary>
    public int Length => _position;

    /// <summary>The bytes written so far.</summary>
    public Span<byte> WrittenSpan => _buffer.AsSpan(0, _position);

    /// <summary>The bytes written so far.</summary>
    public Memory<byte> WrittenMemory => _buffer.AsMemory(0, _position);

    /// <summary>The underlying array (valid until the next write that grows it).</summary>
    internal byte[] Buffer => _buffer;

    /// <summary>Forgets what was written and keeps the buffer; <paramref name="reserve"/> bytes are left at the start for a header.</summary>
    public void Reset(int reserve = 0)
    {
        EnsureCapacity(reserve);
        _position = reserve;
    }

    /// <summary>Moves the end of the written bytes back (or forward over bytes already in the buffer).</summary>
    internal void SetLength(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _buffer.Length);
        _position = length;
    }

    /// <summary>Copies the written bytes into a new array.</summary>
    public byte[] ToArray() => WrittenSpan.ToArray();

    public void WriteByte(byte value)
    {
        EnsureCapacity(1);
        _buffer[_position++] = value;
    }

    public void WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteUInt32(uint value)
    {
        EnsureCapacity(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_position), value);
        _position += 4;
    }

    public void WriteUInt64(ulong value)
    {
        EnsureCapacity(8);
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.AsSpan(_position), value);
        _position += 8;
    }

    /// <summary>Writes raw bytes with no length prefix.</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        EnsureCapacity(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_position));
        _position += bytes.Length;
    }

    /// <summary>Writes a <c>string</c>: uint32 length then the bytes.</summary>
    public void WriteBinary(ReadOnlySpan<byte> bytes)
    {
        WriteUInt32((uint)bytes.Length);
        WriteRaw(bytes);
    }

    /// <summary>Writes a UTF-8 <c>string</c>.</summary>
    public void WriteString(string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        EnsureCapacity(4 + max);
        int n = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_position + 4));
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_position), (uint)n);
        _position += 4 + n;
    }

    /// <summary>Writes a <c>name-list</c>.</summary>
    public void WriteNameList(IEnumerable<string> names) => WriteString(string.Join(',', names));

    /// <summary>Writes an <c>mpint</c> from a non-negative big-endian unsigned magnitude (leading zeros are stripped, a zero byte added when the top bit is set).</summary>
    public void WriteMpintFromUnsigned(ReadOnlySpan<byte> magnitude)
    {
        int i = 0;
        while (i < magnitude.Length && magnitude[i] == 0)
        {
            i++;
        }

        magnitude = magnitude[i..];
        bool pad = magnitude.Length > 0 && (magnitude[0] & 0x80) != 0;
        WriteUInt32((uint)(magnitude.Length + (pad ? 1 : 0)));
        if (pad)
        {
            WriteByte(0);
        }

        WriteRaw(magnitude);
    }

    /// <summary>Writes an <c>mpint</c>.</summary>
    public void WriteMpint(BigInteger value)
    {
        if (value.IsZero)
        {
            WriteUInt32(0);
            return;
        }

        int n = value.GetByteCount(isUnsigned: false);
        WriteUInt32((uint)n);
        EnsureCapacity(n);
        value.TryWriteBytes(_buffer.AsSpan(_position, n), out _, isUnsigned: false, isBigEndian: true);
        _position += n;
    }

    /// <inheritdoc/>
    public void Advance(int count) => _position += count;

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureCapacity(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_position);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureCapacity(Math.Max(sizeHint, 1));
        return _buffer.AsSpan(_position);
    }

    /// <summary>Makes room for <paramref name="count"/> more bytes.</summary>
    public void EnsureCapacity(int count)
    {
        if (_buffer.Length - _position >= count)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _position + count));
        _buffer.AsSpan(0, _position).CopyTo(bigger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = bigger;
    }

    /// <summary>
    /// Returns the buffer to the pool. The writer itself may be used again afterwards (its next
    /// write rents a new buffer), so an owner can keep writer objects and not only their buffers.
    /// </summary>
    public void Dispose()
    {
        var b = _buffer;
        _buffer = [];
        _position = 0;
        if (b.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(b);
        }
    }
}
