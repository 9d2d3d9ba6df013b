using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Wharf.Ssh.IO;

/// <summary>
/// Reads the SSH data types (RFC 4251 §5) from a span. Every length is checked against the
/// bytes that remain before it is used, so a hostile length can never cause an allocation or an
/// out-of-range read: it becomes an <see cref="SshConnectionException"/> (protocol error).
/// </summary>
public ref struct SshReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Reads from <paramref name="data"/>.</summary>
    public SshReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>Bytes not read yet.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>Bytes read so far.</summary>
    public readonly int Position => _position;

    /// <summary>The unread rest.</summary>
    public readonly ReadOnlySpan<byte> RemainingSpan => _data[_position..];

    public byte ReadByte()
    {
        Need(1);
        return _data[_position++];
    }

    public bool ReadBoolean() => ReadByte() != 0;

    public uint ReadUInt32()
    {
        Need(4);
        uint v = BinaryPrimitives.ReadUInt32BigEndian(_data.Slice(_position, 4));
        _position += 4;
        return v;
    }

    public ulong ReadUInt64()
    {
        Need(8);
        ulong v = BinaryPrimitives.ReadUInt64BigEndian(_data.Slice(_position, 8));
        _position += 8;
        return v;
    }

    /// <summary>Reads a <c>string</c> (uint32 length + bytes) without copying.</summary>
    public ReadOnlySpan<byte> ReadBinary()
    {
        uint length = ReadUInt32();
        if (length > (uint)Remaining)
        {
            ThrowTruncated();
        }

        var s = _data.Slice(_position, (int)length);
        _position += (int)length;
        return s;
    }

    /// <summary>Reads a <c>string</c> and copies it into a new array.</summary>
    public byte[] ReadBinaryArray() => ReadBinary().ToArray();

    /// <summary>Reads a UTF-8 <c>string</c>, refusing one longer than <paramref name="maxBytes"/> or not valid UTF-8.</summary>
    public string ReadString(int maxBytes = 65536)
    {
        var bytes = ReadBinary();
        if (bytes.Length > maxBytes)
        {
            throw new SshConnectionException($"string of {bytes.Length} bytes exceeds the limit of {maxBytes}");
        }

        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new SshConnectionException("string is not valid UTF-8");
        }
    }

    /// <summary>Reads a <c>name-list</c> (comma-separated US-ASCII names).</summary>
    public string[] ReadNameList(int maxBytes = 65536)
    {
        var s = ReadString(maxBytes);
        return s.Length == 0 ? [] : s.Split(',');
    }

    /// <summary>Reads an <c>mpint</c> as its two's-complement big-endian bytes, without copying.</summary>
    public ReadOnlySpan<byte> ReadMpintBytes() => ReadBinary();

    /// <summary>Reads an <c>mpint</c> as a <see cref="BigInteger"/>.</summary>
    public BigInteger ReadMpint()
    {
        var bytes = ReadBinary();
        if (bytes.Length > 16384)
        {
            throw new SshConnectionException("mpint too large");
        }

        return new BigInteger(bytes, isUnsigned: false, isBigEndian: true);
    }

    /// <summary>Skips <paramref name="count"/> bytes.</summary>
    public void Skip(int count)
    {
        Need(count);
        _position += count;
    }

    /// <summary>Reads <paramref name="count"/> raw bytes.</summary>
    public ReadOnlySpan<byte> ReadRaw(int count)
    {
        Need(count);
        var s = _data.Slice(_position, count);
        _position += count;
        return s;
    }

    /// <summary>Throws unless every byte was consumed; messages with trailing garbage are malformed.</summary>
    public readonly void EnsureEnd()
    {
        if (Remaining != 0)
        {
            throw new SshConnectionException($"{Remaining} unexpected trailing bytes in message");
        }
    }

    private static readonly UTF8Encoding Strict = new(false, true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void Need(int count)
    {
        if ((uint)count > (uint)Remaining)
        {
            ThrowTruncated();
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowTruncated() => throw new SshConnectionException("message truncated");
}
