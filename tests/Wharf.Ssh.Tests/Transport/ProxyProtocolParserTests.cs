using System.Buffers.Binary;
using System.Net;
using System.Text;
using Wharf.Ssh.Transport;

namespace Wharf.Ssh.Tests.Transport;

/// <summary>The PROXY protocol parser against haproxy's doc/proxy-protocol.txt, valid and hostile input.</summary>
public sealed class ProxyProtocolParserTests
{
    private static ProxyParseResult Parse(string text) => ProxyProtocolParser.Parse(Encoding.ASCII.GetBytes(text));

    /// <summary>A version 2 header: signature, version/command, family/transport, length, block.</summary>
    internal static byte[] V2(byte versionCommand, byte family, byte[] block, int? declaredLength = null)
    {
        var h = new byte[16 + block.Length];
        ProxyProtocolParser.V2Signature.CopyTo(h);
        h[12] = versionCommand;
        h[13] = family;
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(14), (ushort)(declaredLength ?? block.Length));
        block.CopyTo(h, 16);
        return h;
    }

    internal static byte[] Inet4Block(string source, int sourcePort, string destination, int destinationPort, params byte[][] tlvs)
    {
        var b = new List<byte>();
        b.AddRange(IPAddress.Parse(source).GetAddressBytes());
        b.AddRange(IPAddress.Parse(destination).GetAddressBytes());
        b.AddRange([(byte)(sourcePort >> 8), (byte)sourcePort, (byte)(destinationPort >> 8), (byte)destinationPort]);
        foreach (var t in tlvs)
        {
            b.AddRange(t);
        }

        return [.. b];
    }

    private static byte[] Tlv(byte type, byte[] value) => [type, (byte)(value.Length >> 8), (byte)value.Length, .. value];

    private static ProxyProtocolHeader Valid(ProxyParseResult r)
    {
        Assert.True(r.Status == ProxyParseStatus.Parsed, $"{r.Status}: {r.Error}");
        return r.Header!;
    }

    private static void Invalid(ProxyParseResult r)
    {
        Assert.Equal(ProxyParseStatus.Invalid, r.Status);
        Assert.False(string.IsNullOrWhiteSpace(r.Error));
    }

    [Fact]
    public void V1Tcp4GivesTheClientAndOnlyTheHeaderLength()
    {
        const string line = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
        var h = Valid(Parse(line + "SSH-2.0-OpenSSH_9.2\r\n"));
        Assert.Equal(1, h.Version);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.168.0.1"), 56324), h.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.168.0.11"), 443), h.Destination);
        Assert.Equal(line.Length, h.Length);
    }

    [Theory]
    [InlineData("PROXY TCP6 2001:db8::1 ::1 1 65535\r\n", "2001:db8::1", 1)]
    [InlineData("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535)]
    [InlineData("PROXY TCP6 FE80:0:0:0:0:0:0:1 ::2 0 22\r\n", "fe80::1", 0)]
    [InlineData("PROXY TCP6 ::ffff:10.0.0.7 ::ffff:10.0.0.1 4000 22\r\n", "10.0.0.7", 4000)] // mapped: taken as IPv4
    public void V1Tcp6(string line, string source, int port)
    {
        var h = Valid(Parse(line));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(source), port), h.Source);
        Assert.Equal(line.Length, h.Length);
    }

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n")] // 107 bytes, the longest
    [InlineData("PROXY UNKNOWN whatever the sender likes\r\n")]
    public void V1UnknownKeepsTheSocketAddress(string line)
    {
        var h = Valid(Parse(line + "SSH-2.0-x\r\n"));
        Assert.Null(h.Source);
        Assert.Equal(line.Length, h.Length);
    }

    [Fact]
    public void EveryPrefixOfAValidHeaderAsksForMore()
    {
        var v1 = Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::1 2001:db8::2 50000 22\r\n");
        var v2 = V2(0x21, 0x11, Inet4Block("10.1.2.3", 1234, "10.0.0.1", 22, Tlv(0x04, new byte[5])));
        foreach (var header in new[] { v1, v2 })
        {
            for (int i = 1; i < header.Length; i++)
            {
                Assert.Equal(ProxyParseStatus.NeedMoreData, ProxyProtocolParser.Parse(header.AsSpan(0, i)).Status);
            }

            Assert.Equal(header.Length, Valid(ProxyProtocolParser.Parse(header)).Length);
        }

        Assert.Equal(ProxyParseStatus.NeedMoreData, ProxyProtocolParser.Parse([]).Status);
    }

    [Theory]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n")]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("\n")]
    public void OtherFirstBytesAreNoHeader(string text) => Assert.Equal(ProxyParseStatus.NotPresent, Parse(text).Status);

    [Theory]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n")] // LF without CR
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n")] // stray CR
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX\n")]
    [InlineData("PROXY\r\n")]
    [InlineData("PROXY \r\n")]
    [InlineData("PROXX TCP4 1.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PRoXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY UNKNOWNX\r\n")]
    [InlineData("PROXY TCP4\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n")] // three fields
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n")] // five
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n")] // trailing space
    [InlineData("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n")] // two spaces
    [InlineData("PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n")] // leading zero (octal?)
    [InlineData("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 256.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4. 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 .1.2.3 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 1..2.3 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 16909060 5.6.7.8 1 2\r\n")] // a number, which inet_aton would take
    [InlineData("PROXY TCP4 0x1.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 ::1 5.6.7.8 1 2\r\n")] // IPv6 under TCP4
    [InlineData("PROXY TCP6 1.2.3.4 ::1 1 2\r\n")] // IPv4 under TCP6
    [InlineData("PROXY TCP6 ::1%eth0 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 [::1] ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 1::2::3 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 12345::1 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 g::1 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n")]
    [InlineData("PROXY TCP6 ::ffff:01.2.3.4 ::1 1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1a 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 100000 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 \u00e92\r\n")]
    public void MalformedV1IsRefused(string line) => Invalid(Parse(line));

    [Fact]
    public void V1WithoutCrLfInItsFirst107BytesIsRefused()
    {
        Invalid(Parse("PROXY UNKNOWN " + new string('a', 100)));
        Invalid(Parse("PROXY UNKNOWN " + new string('a', 93) + "\r\n")); // 109 bytes: too long even with CR LF
        Invalid(Parse("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 655350\r\n"));
        Assert.Equal(ProxyParseStatus.NeedMoreData, Parse("PROXY UNKNOWN " + new string('a', 92)).Status); // 106: might still end
    }

    [Fact]
    public void V2ProxyTcp4WithTlvsGivesTheClient()
    {
        var block = Inet4Block("203.0.113.9", 51000, "10.0.0.1", 22, Tlv(0x04, []), Tlv(0x05, Encoding.ASCII.GetBytes("unique-id")), Tlv(0xE0, new byte[200]));
        var header = V2(0x21, 0x11, block);
        var h = Valid(ProxyProtocolParser.Parse([.. header, .. "SSH-2.0-x\r\n"u8]));
        Assert.Equal(2, h.Version);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.9"), 51000), h.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 22), h.Destination);
        Assert.Equal(header.Length, h.Length);
    }

    [Fact]
    public void V2ProxyTcp6()
    {
        var block = new byte[36];
        IPAddress.Parse("2001:db8::42").GetAddressBytes().CopyTo(block, 0);
        IPAddress.Parse("2001:db8::1").GetAddressBytes().CopyTo(block, 16);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(32), 40000);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(34), 2022);
        var h = Valid(ProxyProtocolParser.Parse(V2(0x21, 0x21, [.. block, .. Tlv(0x02, "sftp.example"u8.ToArray())])));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::42"), 40000), h.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 2022), h.Destination);
    }

    [Theory]
    [InlineData(0x20, 0x00, 0)] // LOCAL, as haproxy sends for health checks
    [InlineData(0x20, 0x11, 12)] // LOCAL with addresses: ignored, family too
    [InlineData(0x20, 0xFF, 7)] // LOCAL: "the family which is ignored"
    [InlineData(0x21, 0x00, 0)] // PROXY, UNSPEC
    [InlineData(0x21, 0x12, 12)] // UDP over IPv4
    [InlineData(0x21, 0x22, 36)] // UDP over IPv6
    [InlineData(0x21, 0x31, 216)] // UNIX stream
    [InlineData(0x21, 0x32, 216)] // UNIX datagram
    [InlineData(0x21, 0x10, 12)] // IPv4, unspecified transport
    public void V2WithoutATcpClientKeepsTheSocketAddress(byte versionCommand, byte family, int blockLength)
    {
        var header = V2(versionCommand, family, new byte[blockLength]);
        var h = Valid(ProxyProtocolParser.Parse(header));
        Assert.Null(h.Source);
        Assert.Equal(header.Length, h.Length);
    }

    [Fact]
    public void V2Crc32cIsVerified()
    {
        // RFC 4960 appendix B's CRC32C; the check value of "123456789" is e3069283.
        Assert.Equal(0xE3069283u, ProxyProtocolParser.Crc32c("123456789"u8));

        var header = V2(0x21, 0x11, Inet4Block("198.51.100.1", 1, "10.0.0.1", 22, Tlv(0x03, new byte[4])));
        int crcAt = header.Length - 4;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(crcAt), ProxyProtocolParser.Crc32c(header, crcAt));
        Assert.Equal(IPAddress.Parse("198.51.100.1"), Valid(ProxyProtocolParser.Parse(header)).Source!.Address);

        header[crcAt] ^= 1;
        Invalid(ProxyProtocolParser.Parse(header));
    }

    public static TheoryData<string, byte[]> MalformedV2 => new()
    {
        { "signature byte changed", Change(V2(0x21, 0x11, Inet4Block("1.2.3.4", 1, "5.6.7.8", 2)), 7, 0x52) },
        { "signature with NUL read as end of string", [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0A] },
        { "version 1 in the binary form", V2(0x11, 0x11, Inet4Block("1.2.3.4", 1, "5.6.7.8", 2)) },
        { "version 3", V2(0x31, 0x11, Inet4Block("1.2.3.4", 1, "5.6.7.8", 2)) },
        { "version 0", V2(0x01, 0x11, Inet4Block("1.2.3.4", 1, "5.6.7.8", 2)) },
        { "command 2", V2(0x22, 0x11, Inet4Block("1.2.3.4", 1, "5.6.7.8", 2)) },
        { "command 15", V2(0x2F, 0x00, []) },
        { "length over the bound", V2(0x21, 0x11, [], declaredLength: ProxyProtocolParser.V2MaxBlockLength + 1) },
        { "length 65535", V2(0x21, 0x11, [], declaredLength: 65535) },
        { "family 4", V2(0x21, 0x41, new byte[12]) },
        { "family 15", V2(0x21, 0xF1, new byte[12]) },
        { "transport 3", V2(0x21, 0x13, new byte[12]) },
        { "IPv4 block of 11 bytes", V2(0x21, 0x11, new byte[11]) },
        { "IPv6 block of 35 bytes", V2(0x21, 0x21, new byte[35]) },
        { "UNIX block of 215 bytes", V2(0x21, 0x31, new byte[215]) },
        { "one byte after the addresses", V2(0x21, 0x11, [.. new byte[12], 0x04]) },
        { "two bytes after the addresses", V2(0x21, 0x11, [.. new byte[12], 0x04, 0x00]) },
        { "TLV longer than the header", V2(0x21, 0x11, [.. new byte[12], 0x04, 0x00, 0x05, 1, 2, 3, 4]) },
        { "TLV length 65535", V2(0x21, 0x11, [.. new byte[12], 0xE0, 0xFF, 0xFF]) },
        { "CRC32C of 3 bytes", V2(0x21, 0x11, [.. new byte[12], 0x03, 0x00, 0x03, 0, 0, 0]) },
        { "two CRC32C TLVs", V2(0x21, 0x11, [.. new byte[12], 0x03, 0x00, 0x04, 0, 0, 0, 0, 0x03, 0x00, 0x04, 0, 0, 0, 0]) },
        { "CRC32C of zero", V2(0x21, 0x11, [.. new byte[12], 0x03, 0x00, 0x04, 0, 0, 0, 0]) },
    };

    private static byte[] Change(byte[] data, int at, byte value)
    {
        data[at] = value;
        return data;
    }

    [Theory]
    [MemberData(nameof(MalformedV2))]
    public void MalformedV2IsRefused(string why, byte[] header)
    {
        var r = ProxyProtocolParser.Parse(header);
        Assert.True(r.Status == ProxyParseStatus.Invalid, $"{why}: {r.Status}");
        Assert.False(string.IsNullOrWhiteSpace(r.Error));
    }

    [Fact]
    public void GarbageNeverThrowsAndNeverClaimsMoreThanItWasGiven()
    {
        var random = new Random(15);
        var seeds = new[]
        {
            Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::1 2001:db8::2 50000 22\r\n"),
            V2(0x21, 0x21, [.. new byte[36], .. Tlv(0x04, new byte[9])]),
        };
        for (int i = 0; i < 20000; i++)
        {
            byte[] data;
            if (i % 2 == 0)
            {
                // Mutations of valid headers reach the deep branches.
                data = [.. seeds[i / 2 % 2]];
                for (int m = random.Next(1, 4); m > 0; m--)
                {
                    data[random.Next(data.Length)] = (byte)random.Next(256);
                }

                data = data[..random.Next(1, data.Length + 1)];
            }
            else
            {
                data = new byte[random.Next(0, 300)];
                random.NextBytes(data);
                if (data.Length > 0)
                {
                    data[0] = random.Next(2) == 0 ? (byte)'P' : (byte)0x0D;
                }
            }

            var r = ProxyProtocolParser.Parse(data);
            if (r.Status == ProxyParseStatus.Parsed)
            {
                Assert.InRange(r.Header!.Length, 15, data.Length);
            }
        }
    }
}
