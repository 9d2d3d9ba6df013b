using Wharf.Ssh.IO;

namespace Wharf.Ssh.Tests.IO;

public class SshReaderTests
{
    [Fact]
    public void RoundTripsEveryDataType()
    {
        using var w = new SshWriter();
        w.WriteByte(7);
        w.WriteBoolean(true);
        w.WriteUInt32(0xdeadbeef);
        w.WriteUInt64(0x0102030405060708);
        w.WriteString("héllo");
        w.WriteNameList(["a", "b-c"]);
        w.WriteMpint(new System.Numerics.BigInteger(-1234567));
        w.WriteMpintFromUnsigned([0, 0, 0x80, 1]);

        var r = new SshReader(w.WrittenSpan);
        Assert.Equal(7, r.ReadByte());
        Assert.True(r.ReadBoolean());
        Assert.Equal(0xdeadbeefu, r.ReadUInt32());
        Assert.Equal(0x0102030405060708ul, r.ReadUInt64());
        Assert.Equal("héllo", r.ReadString());
        Assert.Equal(["a", "b-c"], r.ReadNameList());
        Assert.Equal(new System.Numerics.BigInteger(-1234567), r.ReadMpint());
        Assert.Equal(new byte[] { 0, 0x80, 1 }, r.ReadMpintBytes().ToArray());
        r.EnsureEnd();
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 5, 1, 2 })]            // length beyond the data
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 1 })]   // "negative" length
    [InlineData(new byte[] { 0, 0 })]                         // truncated length
    public void HostileLengthsAreProtocolErrors(byte[] data)
    {
        var ex = Assert.Throws<SshConnectionException>(() =>
        {
            var r = new SshReader(data);
            r.ReadBinary();
        });
        Assert.Equal(SshDisconnectReason.ProtocolError, ex.Reason);
    }

    [Fact]
    public void InvalidUtf8IsRejected()
    {
        Assert.Throws<SshConnectionException>(() =>
        {
            var r = new SshReader(new byte[] { 0, 0, 0, 2, 0xc3, 0x28 });
            r.ReadString();
        });
    }

    [Fact]
    public void TrailingBytesAreRejected()
    {
        Assert.Throws<SshConnectionException>(() =>
        {
            var r = new SshReader(new byte[] { 1, 2 });
            r.ReadByte();
            r.EnsureEnd();
        });
    }
}
