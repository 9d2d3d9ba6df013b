using System.Net;
using Wharf.Ssh.IO;
using Wharf.Ssh.Messages;
using Wharf.Ssh.Tests.Infrastructure;

namespace Wharf.Ssh.Tests.Transport;

/// <summary>
/// A connection ends (the peer goes away, the server stops) while a channel writer on another
/// task is in the middle of a send: the session's packet buffer comes from the shared array
/// pool, so returning it while that send still writes into it or reads from it would hand
/// this connection's bytes to whichever connection rents it next.
/// </summary>
public sealed class SessionTeardownTests
{
    [Fact]
    public async Task TheSessionKeepsItsPacketBufferUntilASendInProgressHasFinished()
    {
        await using var server = new TestServer();
        var (a, b) = DuplexStream.CreatePair();
        var serverSide = new GatedStream(b);
        var session = server.Server.HandleConnectionAsync(serverSide, new IPEndPoint(IPAddress.Loopback, 40000));
        var c = new SshTestClient(a);
        await c.HandshakeAsync();
        Assert.Equal(SshMessageNumber.UserAuthSuccess, (await c.PasswordAsync("u", "p"))[0]);
        uint ch = await c.OpenSessionAsync(window: uint.MaxValue);
        await c.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.ChannelRequest);
            w.WriteUInt32(ch);
            w.WriteString("exec");
            w.WriteBoolean(false);
            w.WriteString("generate 100000000000");
        });
        Assert.Equal(SshMessageNumber.ChannelData, (await c.ReceiveAsync())[0]);

        // The next socket write of the server stalls, as a kernel write to a slow peer does.
        serverSide.HoldWrites();
        await serverSide.WriteHeld.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        // The peer goes away: the receive loop ends and the server tears the session down.
        await c.DisposeAsync();
        var early = await Task.WhenAny(session, Task.Delay(700, TestContext.Current.CancellationToken));
        Assert.NotSame(session, early);

        serverSide.ReleaseWrites();
        await session.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Empty(server.Server.Sessions);
    }

    /// <summary>A stream whose writes can be held (ignoring cancellation and dispose) until released.</summary>
    private sealed class GatedStream(Stream inner) : Stream
    {
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _holding;

        public Task WriteHeld => _held.Task;

        public void HoldWrites() => _holding = true;

        public void ReleaseWrites() => _release.TrySetResult();

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_holding)
            {
                _held.TrySetResult();
                await _release.Task.ConfigureAwait(false);
            }

            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
