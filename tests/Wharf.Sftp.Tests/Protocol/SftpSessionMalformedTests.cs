using System.Buffers.Binary;
using Wharf.Sftp.FileSystem;
using Wharf.Sftp.Protocol;

namespace Wharf.Sftp.Tests.Protocol;

public sealed class SftpSessionMalformedTests : IDisposable
{
    private readonly TempDirFileSystem _fs = new();

    public void Dispose() => _fs.Dispose();

    private static byte[] Packet(params byte[] body)
    {
        var p = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(p, (uint)body.Length);
        body.CopyTo(p, 4);
        return p;
    }

    private static byte[] Request(SftpPacketType type, uint id, params byte[] payload)
    {
        var body = new byte[5 + payload.Length];
        body[0] = (byte)type;
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), id);
        payload.CopyTo(body, 5);
        return Packet(body);
    }

    private static async Task StillWorks(SftpTestClient c) =>
        Assert.True((await c.PathRequest(SftpPacketType.Stat, "/")).Attributes.IsDirectory);

    [Theory]
    [InlineData(0u)]
    [InlineData(3u)]
    [InlineData(4u)]
    public async Task PacketShorterThanFiveEndsTheSession(uint length)
    {
        await using var c = await SftpTestClient.StartAsync(_fs);
        var p = new byte[4 + length];
        BinaryPrimitives.WriteUInt32BigEndian(p, length);
        await c.SendRawAsync(p);
        Assert.Equal(1, await c.SessionTask.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task PacketLongerThanTheMaximumEndsTheSessionBeforeItArrives()
    {
        await using var c = await SftpTestClient.StartAsync(_fs, new SftpSessionOptions { MaxPacketLength = 1000 });
        var h = await c.OpenHandle("/x", SftpOpenFlags.Write | SftpOpenFlags.Create);
        // Only the length field is sent: the session must not wait for (or buffer) the body.
        await c.SendRawAsync([0, 0, 0x03, 0xE9]);
        Assert.Equal(1, await c.SessionTask.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, _fs.FilesDisposed); // the open handle was aborted
        Assert.Equal(0, _fs.FilesClosed);
        Assert.NotNull(h);
    }

    [Fact]
    public async Task RequestBeforeInitEndsTheSession()
    {
        await using var c = SftpTestClient.StartRaw(_fs);
        await c.SendRawAsync(Request(SftpPacketType.Stat, 1, 0, 0, 0, 1, (byte)'/'));
        Assert.Equal(1, await c.SessionTask.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task SecondInitEndsTheSession()
    {
        await using var c = await SftpTestClient.StartAsync(_fs);
        await c.SendInitAsync(3);
        Assert.Equal(1, await c.SessionTask.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task TruncatedPacketAtEndOfStreamIsNotAClean()
    {
        await using var c = await SftpTestClient.StartAsync(_fs);
        await c.SendRawAsync([0, 0, 0, 20, (byte)SftpPacketType.Stat, 0, 0]);
        await c.CompleteAsync();
        Assert.Equal(1, await c.SessionTask.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task UnknownTypeIsUnsupported()
    {
        await using var c = await SftpTestClient.StartAsync(_fs);
        uint id = c.NextId();
        var reply = c.Expect(id);
        await c.SendRawAsync(Request((SftpPacketType)99, id, 1, 2, 3));
        (await reply).AssertStatus(SftpStatusCode.OpUnsupported);
        id = c.NextId();
        reply = c.Expect(id);
        await c.SendRawAsync(Request(SftpPacketType.Version, id));
        (await reply).AssertStatus(SftpStatusCode.OpUnsupported);
        await StillWorks(c);
    }

    [Theory]
    [InlineData(SftpPacketType.Open, new byte[] { 0, 0, 0, 9, (byte)'/' })]            // string longer than the packet
    [InlineData(SftpPacketType.Open, new byte[] { 0, 0, 0, 1, (byte)'/', 0, 0 })]      // flags cut short
    [InlineData(SftpPacketType.Open, new byte[] { 0, 0, 0, 1, (byte)'/', 0, 0, 0, 8, 0x80, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF })] // huge extended count
    [InlineData(SftpPacketType.Read, new byte[] { 0, 0, 0, 2, 1, 2, 0, 0, 0 })]        // offset cut short
    [InlineData(SftpPacketType.Write, new byte[] { 0, 0, 0, 2, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF })] // data length lies
    [InlineData(SftpPacketType.Close, new byte[0])]
    [InlineData(SftpPacketType.Rename, new byte[] { 0, 0, 0, 1, (byte)'a' })]
    [InlineData(SftpPacketType.Setstat, new byte[] { 0, 0, 0, 1, (byte)'a', 0, 0, 0, 1 })] // size flag, no size
    [InlineData(SftpPacketType.Extended, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF })]
    [InlineData(SftpPacketType.Extended, new byte[] { 0, 0, 0, 9, (byte)'c', (byte)'o', (byte)'p', (byte)'y', (byte)'-', (byte)'d', (byte)'a', (byte)'t', (byte)'a', 0, 0, 0, 0 })]
    public async Task TruncatedRequestIsBadMessage(SftpPacketType type, byte[] payload)
    {
        await using var c = await SftpTestClient.StartAsync(_fs);
        uint id = c.NextId();
        var reply = c.Expect(id);
        await c.SendRawAsync(Request(type, id, payload));
        (await reply).AssertStatus(SftpStatusCode.BadMessage);
        await StillWorks(c);
    }

    [Fact]
    public async Task UnknownAndForeignHandlesAreInvalid()
    {
        File.WriteAllBytes(_fs.Real("/f"), [1]);
        await using var a = await SftpTestClient.StartAsync(_fs);
        await using var b = await SftpTestClient.StartAsync(_fs);
        var h = await a.OpenHandle("/f", SftpOpenFlags.Read);
        (await b.Read(h, 0, 1)).AssertStatus(SftpStatusCode.Failure, "invalid handle");
        (await b.Close(h)).AssertStatus(SftpStatusCode.Failure, "invalid handle");
        (await a.Read([1, 2, 3], 0, 1)).AssertStatus(SftpStatusCode.Failure, "invalid handle");
        (await a.Read(new byte[1000], 0, 1)).AssertStatus(SftpStatusCode.Failure, "invalid handle");
        Assert.Equal([1], (await a.Read(h, 0, 1)).Data);
        await StillWorks(b);
    }

    [Fact]
    public async Task FailingOutputEndsTheSessionAndAbortsHandles()
    {
        File.WriteAllBytes(_fs.Real("/f"), [1]);
        var input = new System.IO.Pipelines.Pipe();
        int sent = 0;
        var session = new SftpSession(_fs);
        var run = session.RunAsync(input.Reader, (_, _) => ++sent <= 2 ? ValueTask.CompletedTask : throw new IOException("channel closed"), CancellationToken.None);
        await input.Writer.WriteAsync(Packet((byte)SftpPacketType.Init, 0, 0, 0, 3));
        await input.Writer.WriteAsync(Request(SftpPacketType.Open, 1, 0, 0, 0, 2, (byte)'/', (byte)'f', 0, 0, 0, 1, 0, 0, 0, 0));
        await input.Writer.WriteAsync(Request(SftpPacketType.Stat, 2, 0, 0, 0, 1, (byte)'/'));
        Assert.Equal(1, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, _fs.FilesDisposed);
    }

    [Fact]
    public async Task CancellationEndsTheSessionAndAbortsHandles()
    {
        File.WriteAllBytes(_fs.Real("/f"), [1]);
        var input = new System.IO.Pipelines.Pipe();
        using var cts = new CancellationTokenSource();
        var handleSent = new TaskCompletionSource();
        var session = new SftpSession(_fs);
        var run = session.RunAsync(input.Reader, (data, _) =>
        {
            if (data.Span[4] == (byte)SftpPacketType.Handle)
            {
                handleSent.TrySetResult();
            }

            return ValueTask.CompletedTask;
        }, cts.Token);
        await input.Writer.WriteAsync(Packet((byte)SftpPacketType.Init, 0, 0, 0, 3));
        await input.Writer.WriteAsync(Request(SftpPacketType.Open, 1, 0, 0, 0, 2, (byte)'/', (byte)'f', 0, 0, 0, 1, 0, 0, 0, 0));
        await handleSent.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cts.CancelAsync();
        Assert.Equal(1, await run.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, _fs.FilesDisposed);
        Assert.Equal(0, _fs.FilesClosed);
    }
}
