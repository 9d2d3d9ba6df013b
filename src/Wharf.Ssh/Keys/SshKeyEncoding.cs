using System.Numerics;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Keys;

/// <summary>Shared helpers for reading key material out of SSH encodings.</summary>
internal static class SshKeyEncoding
{
    /// <summary>
    /// Reads an mpint that must be non-negative and returns its magnitude with leading zeros
    /// removed, so callers can compare lengths against key sizes.
    /// </summary>
    public static ReadOnlySpan<byte> ReadUnsignedMpint(ref SshReader reader, int maxBytes)
    {
        var raw = reader.ReadMpintBytes();
        if (raw.Length > 0 && (raw[0] & 0x80) != 0)
        {
            throw new SshConnectionException("negative mpint where a positive number is required");
        }

        int i = 0;
        while (i < raw.Length && raw[i] == 0)
        {
            i++;
        }

        raw = raw[i..];
        if (raw.Length > maxBytes)
        {
            throw new SshConnectionException("mpint too large");
        }

        return raw;
    }

    /// <summary>Left-pads (or checks) an unsigned big-endian number to exactly <paramref name="length"/> bytes.</summary>
    public static byte[] ToFixed(ReadOnlySpan<byte> magnitude, int length)
    {
        int i = 0;
        while (i < magnitude.Length && magnitude[i] == 0)
        {
            i++;
        }

        magnitude = magnitude[i..];
        if (magnitude.Length > length)
        {
            throw new ArgumentException("number does not fit the field");
        }

        var result = new byte[length];
        magnitude.CopyTo(result.AsSpan(length - magnitude.Length));
        return result;
    }

    public static BigInteger ToBigInteger(ReadOnlySpan<byte> unsignedBigEndian) =>
        new(unsignedBigEndian, isUnsigned: true, isBigEndian: true);

    public static byte[] ToUnsignedBytes(BigInteger value) =>
        value.ToByteArray(isUnsigned: true, isBigEndian: true);

    /// <summary>A UTF-8 string field stripped of nothing; the reader enforces UTF-8 validity and size.</summary>
    public static string ReadKeyType(ref SshReader reader) => reader.ReadString(256);
}
