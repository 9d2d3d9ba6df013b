using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace Wharf.Ssh.Transport;

/// <summary>
/// A strict parser of PROXY protocol headers, versions 1 and 2, as haproxy's
/// doc/proxy-protocol.txt specifies them. It looks only at the bytes it is given, never past
/// the header, and reports how long the header was, so what follows it (the client's SSH
/// identification line, often in the same segment) is left where it is. Anything that does not
/// match the spec exactly is <see cref="ProxyParseStatus.Invalid"/>, with a one-line reason;
/// nothing throws.
/// </summary>
internal static class ProxyProtocolParser
{
    /// <summary>Longest version 1 line, CR LF included (spec §2.1: "PROXY UNKNOWN" with two full IPv6 addresses).</summary>
    public const int V1MaxLength = 107;

    /// <summary>The fixed part of a version 2 header: signature, version/command, family, length.</summary>
    public const int V2FixedLength = 16;

    /// <summary>
    /// Largest version 2 address-and-TLV block accepted. The spec allows 65535; real balancers
    /// send the addresses (at most 216 bytes, for UNIX sockets) and a few small TLVs (AWS, Azure
    /// and GCP endpoint ids, haproxy's unique id of at most 128 bytes), so 4 KiB leaves a wide
    /// margin while a hostile peer cannot make us buffer 64 KiB per connection.
    /// </summary>
    public const int V2MaxBlockLength = 4096;

    /// <summary>Longest header of either version.</summary>
    public const int MaxLength = V2FixedLength + V2MaxBlockLength;

    /// <summary>The version 2 signature (spec §2.2).</summary>
    public static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    private const byte TlvCrc32c = 0x03;

    /// <summary>
    /// Parses the start of a connection. <paramref name="data"/> is everything received so far
    /// (or its first <see cref="MaxLength"/> bytes); a header split over several reads gives
    /// <see cref="ProxyParseStatus.NeedMoreData"/> until it is whole.
    /// </summary>
    public static ProxyParseResult Parse(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return ProxyParseResult.More;
        }

        // A client's first bytes are "SSH-" (RFC 4253 §4.2 lets only the server send other
        // lines first), so the first byte tells the three cases apart without guessing.
        return data[0] switch
        {
            (byte)'P' => ParseV1(data),
            0x0D => ParseV2(data),
            _ => new(ProxyParseStatus.NotPresent),
        };
    }

    private static ProxyParseResult ParseV1(ReadOnlySpan<byte> data)
    {
        int prefix = Math.Min(data.Length, V1Prefix.Length);
        if (!data[..prefix].SequenceEqual(V1Prefix[..prefix]))
        {
            return ProxyParseResult.Invalid("not a PROXY protocol header (expected \"PROXY \")");
        }

        int lf = data[..Math.Min(data.Length, V1MaxLength)].IndexOf((byte)'\n');
        if (lf < 0)
        {
            return data.Length >= V1MaxLength
                ? ProxyParseResult.Invalid($"version 1 header without CR LF in its first {V1MaxLength} bytes")
                : ProxyParseResult.More;
        }

        // The spec: "The receiver must not tolerate a single CR or LF character to end the line."
        if (lf < V1Prefix.Length || data[lf - 1] != (byte)'\r')
        {
            return ProxyParseResult.Invalid("version 1 header not ended by CR LF");
        }

        var line = data[V1Prefix.Length..(lf - 1)];
        int length = lf + 1;
        if (line.StartsWith("UNKNOWN"u8) && (line.Length == 7 || line[7] == (byte)' '))
        {
            // "the receiver must ignore anything presented before the CRLF is found"
            return new(ProxyParseStatus.Parsed, new ProxyProtocolHeader(1, null, null, length));
        }

        AddressFamily family;
        if (line.StartsWith("TCP4 "u8))
        {
            family = AddressFamily.InterNetwork;
        }
        else if (line.StartsWith("TCP6 "u8))
        {
            family = AddressFamily.InterNetworkV6;
        }
        else
        {
            return ProxyParseResult.Invalid("version 1 header with a protocol other than TCP4, TCP6 or UNKNOWN");
        }

        // Exactly one space between fields: splitting on single spaces and requiring four
        // non-empty fields rejects doubled, leading and trailing spaces alike.
        var fields = line[5..];
        Span<Range> ranges = stackalloc Range[4];
        if (!SplitFields(fields, ranges))
        {
            return ProxyParseResult.Invalid("version 1 header does not have exactly four fields after the protocol");
        }

        if (!TryParseV1Address(fields[ranges[0]], family, out var source)
            || !TryParseV1Address(fields[ranges[1]], family, out var destination))
        {
            return ProxyParseResult.Invalid($"version 1 header with an address that is not a canonical {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address");
        }

        if (!TryParsePort(fields[ranges[2]], out int sourcePort) || !TryParsePort(fields[ranges[3]], out int destinationPort))
        {
            return ProxyParseResult.Invalid("version 1 header with a port that is not a decimal number 0-65535 without leading zeros");
        }

        return new(ProxyParseStatus.Parsed, new ProxyProtocolHeader(1, Endpoint(source, sourcePort), Endpoint(destination, destinationPort), length));
    }

    /// <summary>Splits on single spaces into exactly <paramref name="ranges"/>.Length fields (empty ones are left to the field parsers to refuse).</summary>
    private static bool SplitFields(ReadOnlySpan<byte> text, Span<Range> ranges)
    {
        int start = 0, field = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == (byte)' ')
            {
                if (field == ranges.Length)
                {
                    return false;
                }

                ranges[field++] = start..i;
                start = i + 1;
            }
        }

        return field == ranges.Length;
    }

    private static ProxyParseResult ParseV2(ReadOnlySpan<byte> data)
    {
        int prefix = Math.Min(data.Length, V2Signature.Length);
        if (!data[..prefix].SequenceEqual(V2Signature[..prefix]))
        {
            return ProxyParseResult.Invalid("not a PROXY protocol header (version 2 signature does not match)");
        }

        if (data.Length < V2FixedLength)
        {
            return ProxyParseResult.More;
        }

        int version = data[12] >> 4;
        int command = data[12] & 0x0F;
        if (version != 2)
        {
            return ProxyParseResult.Invalid($"version 2 signature with protocol version {version}");
        }

        if (command > 1)
        {
            return ProxyParseResult.Invalid($"version 2 header with unassigned command {command}");
        }

        int blockLength = BinaryPrimitives.ReadUInt16BigEndian(data[14..16]);
        if (blockLength > V2MaxBlockLength)
        {
            return ProxyParseResult.Invalid($"version 2 header of {blockLength} bytes (at most {V2MaxBlockLength} accepted)");
        }

        int length = V2FixedLength + blockLength;
        if (data.Length < length)
        {
            return ProxyParseResult.More;
        }

        var header = data[..length];
        if (command == 0)
        {
            // LOCAL: the proxy's own connection (a health check). The spec: use the real
            // endpoints and "discard the protocol block including the family which is ignored".
            return new(ProxyParseStatus.Parsed, new ProxyProtocolHeader(2, null, null, length));
        }

        int family = data[13] >> 4;
        int transport = data[13] & 0x0F;
        if (family > 3 || transport > 2)
        {
            return ProxyParseResult.Invalid($"version 2 header with unspecified family/transport 0x{data[13]:x2}");
        }

        int addressLength = family switch { 1 => 12, 2 => 36, 3 => 216, _ => 0 };
        if (blockLength < addressLength)
        {
            return ProxyParseResult.Invalid($"version 2 header of {blockLength} bytes, too short for its addresses ({addressLength})");
        }

        if (CheckTlvs(header, V2FixedLength + addressLength) is { } tlvError)
        {
            return ProxyParseResult.Invalid(tlvError);
        }

        // TCP over IPv4 or IPv6 names the client. Everything else valid (UDP, UNIX sockets,
        // unspecified) falls back to the socket's addresses, as the spec lets a receiver do.
        var block = header[V2FixedLength..];
        IPEndPoint? source = null, destination = null;
        if (transport == 1 && family == 1)
        {
            source = Endpoint(new IPAddress(block[0..4]), BinaryPrimitives.ReadUInt16BigEndian(block[8..10]));
            destination = Endpoint(new IPAddress(block[4..8]), BinaryPrimitives.ReadUInt16BigEndian(block[10..12]));
        }
        else if (transport == 1 && family == 2)
        {
            source = Endpoint(new IPAddress(block[0..16]), BinaryPrimitives.ReadUInt16BigEndian(block[32..34]));
            destination = Endpoint(new IPAddress(block[16..32]), BinaryPrimitives.ReadUInt16BigEndian(block[34..36]));
        }

        return new(ProxyParseStatus.Parsed, new ProxyProtocolHeader(2, source, destination, length));
    }

    /// <summary>
    /// Walks the TLVs from <paramref name="offset"/> to the end of <paramref name="header"/>:
    /// each must fit whole (as haproxy checks them), and a CRC32C TLV must be 4 bytes and match
    /// the header (spec §2.2.3: a receiver that supports it must verify it). Others are skipped.
    /// </summary>
    private static string? CheckTlvs(ReadOnlySpan<byte> header, int offset)
    {
        int crcOffset = -1;
        while (offset < header.Length)
        {
            if (header.Length - offset < 3)
            {
                return "version 2 header with a truncated TLV";
            }

            byte type = header[offset];
            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(header.Slice(offset + 1, 2));
            offset += 3;
            if (valueLength > header.Length - offset)
            {
                return "version 2 header with a TLV longer than the header";
            }

            if (type == TlvCrc32c)
            {
                if (valueLength != 4 || crcOffset >= 0)
                {
                    return "version 2 header with a malformed CRC32C TLV";
                }

                crcOffset = offset;
            }

            offset += valueLength;
        }

        if (crcOffset >= 0)
        {
            uint expected = BinaryPrimitives.ReadUInt32BigEndian(header.Slice(crcOffset, 4));
            if (Crc32c(header, crcOffset) != expected)
            {
                return "version 2 header whose CRC32C does not match";
            }
        }

        return null;
    }

    /// <summary>CRC32C (Castagnoli, RFC 4960 appendix B) of <paramref name="data"/> with the 4 bytes at <paramref name="zeroAt"/> taken as zero.</summary>
    internal static uint Crc32c(ReadOnlySpan<byte> data, int zeroAt = -1)
    {
        uint crc = 0xFFFFFFFF;
        for (int i = 0; i < data.Length; i++)
        {
            byte b = zeroAt >= 0 && i >= zeroAt && i < zeroAt + 4 ? (byte)0 : data[i];
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    /// <summary>
    /// A version 1 address in the spec's canonical form: IPv4 as exactly four decimal numbers
    /// 0-255 without leading zeros (which could be read as octal); IPv6 as groups of at most four
    /// hex digits with at most one "::" (an embedded IPv4 tail, as inet_ntop writes mapped
    /// addresses, is accepted under the IPv4 rules). No zone ids, brackets or other spellings.
    /// </summary>
    private static bool TryParseV1Address(ReadOnlySpan<byte> text, AddressFamily family, out IPAddress address)
    {
        address = IPAddress.None;
        return family == AddressFamily.InterNetwork ? TryParseIPv4(text, out address) : TryParseIPv6(text, out address);
    }

    private static bool TryParseIPv4(ReadOnlySpan<byte> text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Length is < 7 or > 15)
        {
            return false;
        }

        Span<byte> octets = stackalloc byte[4];
        int part = 0, value = 0, digits = 0;
        foreach (byte c in text)
        {
            if (c == (byte)'.')
            {
                if (digits == 0 || part == 3)
                {
                    return false;
                }

                octets[part++] = (byte)value;
                value = 0;
                digits = 0;
            }
            else if (c is >= (byte)'0' and <= (byte)'9')
            {
                if (digits > 0 && value == 0)
                {
                    return false; // a leading zero
                }

                value = value * 10 + (c - '0');
                if (++digits > 3 || value > 255)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }

        if (part != 3 || digits == 0)
        {
            return false;
        }

        octets[3] = (byte)value;
        address = new IPAddress(octets);
        return true;
    }

    private static bool TryParseIPv6(ReadOnlySpan<byte> text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Length is < 2 or > 45)
        {
            return false;
        }

        // Shape first (the characters and group lengths the spec allows), then the framework's
        // parser for the arithmetic of "::"; its leniencies (zone ids, brackets) are excluded here.
        int lastColon = text.LastIndexOf((byte)':');
        if (lastColon < 0)
        {
            return false;
        }

        var hexPart = text;
        if (text.IndexOf((byte)'.') >= 0)
        {
            if (!TryParseIPv4(text[(lastColon + 1)..], out _))
            {
                return false;
            }

            hexPart = text[..lastColon];
        }

        int groupLength = 0;
        foreach (byte c in hexPart)
        {
            if (c == (byte)':')
            {
                groupLength = 0;
            }
            else if (char.IsAsciiHexDigit((char)c))
            {
                if (++groupLength > 4)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }

        if (text.IndexOf("::"u8) is int first && first >= 0 && text[(first + 1)..].IndexOf("::"u8) >= 0)
        {
            return false;
        }

        Span<char> chars = stackalloc char[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            chars[i] = (char)text[i];
        }

        return IPAddress.TryParse(chars, out address!) && address.AddressFamily == AddressFamily.InterNetworkV6;
    }

    private static bool TryParsePort(ReadOnlySpan<byte> text, out int port)
    {
        port = 0;
        if (text.Length is < 1 or > 5 || (text.Length > 1 && text[0] == (byte)'0'))
        {
            return false;
        }

        foreach (byte c in text)
        {
            if (c is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            port = port * 10 + (c - '0');
        }

        return port <= 65535;
    }

    // An IPv4-mapped IPv6 client is the IPv4 client: limits, bans and filters key on one form.
    private static IPEndPoint Endpoint(IPAddress address, int port) =>
        new(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address, port);
}
