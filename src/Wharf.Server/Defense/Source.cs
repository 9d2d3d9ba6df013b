using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Wharf.Server.Defense;

/// <summary>
/// One source as the defender and the rate limiters count it: an address masked to its
/// netblock (OpenSSH's PerSourceNetBlockSize), IPv4-mapped IPv6 taken as IPv4. A value type,
/// so looking one up on the accept path allocates nothing.
/// </summary>
public readonly record struct Source(bool IsIPv4, UInt128 Bits, byte Prefix)
{
    /// <summary>The address as a number: IPv4 in the low 32 bits.</summary>
    public static UInt128 ToBits(IPAddress address, out bool isIPv4)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        isIPv4 = address.AddressFamily == AddressFamily.InterNetwork;
        return isIPv4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes[..written]);
    }

    /// <summary><paramref name="bits"/> with only the first <paramref name="prefix"/> bits kept.</summary>
    public static UInt128 Mask(UInt128 bits, bool isIPv4, int prefix)
    {
        int width = isIPv4 ? 32 : 128;
        if (prefix >= width)
        {
            return bits;
        }

        if (prefix <= 0)
        {
            return 0;
        }

        UInt128 all = isIPv4 ? uint.MaxValue : UInt128.MaxValue;
        return bits & (all << (width - prefix)) & all;
    }

    /// <summary>The source <paramref name="address"/> belongs to, with netblocks of the given sizes.</summary>
    public static Source From(IPAddress address, int ipv4Netblock, int ipv6Netblock)
    {
        var bits = ToBits(address, out bool v4);
        int prefix = v4 ? ipv4Netblock : ipv6Netblock;
        return new Source(v4, Mask(bits, v4, prefix), (byte)prefix);
    }

    /// <summary>
    /// Reads what <see cref="ToString"/> writes, or any address (masked to its netblock); a CIDR
    /// network must have exactly the netblock's prefix. False for anything else.
    /// </summary>
    public static bool TryParse(string text, int ipv4Netblock, int ipv6Netblock, out Source source)
    {
        source = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out var address))
        {
            return false;
        }

        source = From(address, ipv4Netblock, ipv6Netblock);
        if (slash >= 0)
        {
            return int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int prefix)
                && prefix == source.Prefix
                && source.Bits == ToBits(address, out _);
        }

        return true;
    }

    /// <summary>The address alone for a whole-address netblock (SFTPGo's form), else <c>network/prefix</c>.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[16];
        IPAddress address;
        if (IsIPv4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Bits);
            address = new IPAddress(bytes[..4]);
        }
        else
        {
            BinaryPrimitives.WriteUInt128BigEndian(bytes, Bits);
            address = new IPAddress(bytes);
        }

        return Prefix >= (IsIPv4 ? 32 : 128) ? address.ToString() : string.Create(CultureInfo.InvariantCulture, $"{address}/{Prefix}");
    }
}
