using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Wharf.Ssh.Transport;

namespace Wharf.Ssh.Tests.Transport;

/// <summary>Reading a PROXY header from the session's own reader: exactly the header is consumed.</summary>
public sealed class ProxyProtocolReaderTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    private static async Task<string> RestAsync(PipeReader reader)
    {
        var read = await reader.ReadAsync();
        var text = Encoding.ASCII.GetString(read.Buffer.ToArray());
        reader.AdvanceTo(read.Buffer.End);
        return text;
    }

    [Fact]
    public async Task SshBytesInTheSameWriteAreLeftForTheSession()
    {
        var pipe = new Pipe();
        var header = ProxyProtocolParserTests.V2(0x21, 0x11, ProxyProtocolParserTests.Inet4Block("192.0.2.7", 5000, "10.0.0.1", 22));
        await pipe.Writer.WriteAsync((byte[])[.. header, .. "SSH-2.0-OpenSSH_9.2\r\n"u8]);
        var r = await ProxyProtocolReader.ReadAsync(pipe.Reader, Long, default);
        Assert.Equal(ProxyReadStatus.Header, r.Status);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.7"), 5000), r.Header!.Source);
        Assert.Equal("SSH-2.0-OpenSSH_9.2\r\n", await RestAsync(pipe.Reader));
    }

    [Fact]
    public async Task AHeaderTricklingInByteByByteIsReadWhole()
    {
        var pipe = new Pipe();
        var bytes = Encoding.ASCII.GetBytes("PROXY TCP4 198.51.100.3 10.0.0.1 61000 22\r\nSSH-2.0-x\r\n");
        var reading = ProxyProtocolReader.ReadAsync(pipe.Reader, Long, default).AsTask();
        foreach (var b in bytes)
        {
            await pipe.Writer.WriteAsync(new[] { b });
            await Task.Yield();
        }

        var r = await reading;
        Assert.Equal(ProxyReadStatus.Header, r.Status);
        Assert.Equal(IPAddress.Parse("198.51.100.3"), r.Header!.Source!.Address);
        Assert.Equal("SSH-2.0-x\r\n", await RestAsync(pipe.Reader));
    }

    [Fact]
    public async Task APlainConnectionLosesNothing()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("SSH-2.0-x\r\n"u8.ToArray());
        var r = await ProxyProtocolReader.ReadAsync(pipe.Reader, Long, default);
        Assert.Equal(ProxyReadStatus.Absent, r.Status);
        Assert.Equal("SSH-2.0-x\r\n", await RestAsync(pipe.Reader));
    }

    [Fact]
    public async Task SilenceTimesOutAndTheReaderStaysUsable()
    {
        var pipe = new Pipe();
        var r = await ProxyProtocolReader.ReadAsync(pipe.Reader, TimeSpan.FromMilliseconds(200), default).AsTask().WaitAsync(Long);
        Assert.Equal(ProxyReadStatus.Silent, r.Status);
        await pipe.Writer.WriteAsync("SSH-2.0-late\r\n"u8.ToArray());
        Assert.Equal("SSH-2.0-late\r\n", await RestAsync(pipe.Reader).WaitAsync(Long));
    }

    [Fact]
    public async Task APartialHeaderTimesOutAsInvalid()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("PROXY TCP4 1.2.3.4"u8.ToArray());
        var r = await ProxyProtocolReader.ReadAsync(pipe.Reader, TimeSpan.FromMilliseconds(200), default).AsTask().WaitAsync(Long);
        Assert.Equal(ProxyReadStatus.Invalid, r.Status);
        Assert.Contains("incomplete", r.Error);
    }

    [Fact]
    public async Task ClosingBeforeOrInsideTheHeader()
    {
        var empty = new Pipe();
        await empty.Writer.CompleteAsync();
        Assert.Equal(ProxyReadStatus.Closed, (await ProxyProtocolReader.ReadAsync(empty.Reader, Long, default)).Status);

        var partial = new Pipe();
        await partial.Writer.WriteAsync(ProxyProtocolParser.V2Signature.ToArray());
        await partial.Writer.CompleteAsync();
        var r = await ProxyProtocolReader.ReadAsync(partial.Reader, Long, default);
        Assert.Equal(ProxyReadStatus.Invalid, r.Status);
    }

    [Fact]
    public async Task AnOversizedV2LengthIsRefusedWithoutWaitingForTheBytes()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(ProxyProtocolParserTests.V2(0x21, 0x11, [], declaredLength: 60000));
        var r = await ProxyProtocolReader.ReadAsync(pipe.Reader, Long, default).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(ProxyReadStatus.Invalid, r.Status);
    }

    [Fact]
    public async Task AV1LineThatNeverEndsIsRefusedAt107Bytes()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encoding.ASCII.GetBytes("PROXY UNKNOWN " + new string('x', 200)));
        var r = await ProxyProtocolReader.ReadAsync(pipe.Reader, Long, default).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(ProxyReadStatus.Invalid, r.Status);
    }
}
