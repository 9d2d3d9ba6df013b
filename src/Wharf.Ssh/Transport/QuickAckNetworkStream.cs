using System.Net.Sockets;

namespace Wharf.Ssh.Transport;

/// <summary>
/// A socket stream that asks Linux to acknowledge at once (TCP_QUICKACK) around the first reads
/// and writes of a connection. OpenSSH's client writes its NEWKEYS and the next request as two
/// small segments without TCP_NODELAY, so Nagle holds the second until the first is acknowledged;
/// our kernel, in delayed-ACK mode once we have answered something, waited its 40 ms before
/// acknowledging — one stall per connection in the key exchange, more in the small round trips
/// after it. The flag is not sticky (the kernel clears it), hence re-arming it per operation;
/// after the handshake and the first requests, bulk data does better with delayed ACKs.
/// </summary>
internal sealed class QuickAckNetworkStream : NetworkStream
{
    private const int TcpQuickAck = 12;   // linux/tcp.h
    private static readonly byte[] On = BitConverter.GetBytes(1);
    private int _remaining;
    private long _bytesRead;

    public QuickAckNetworkStream(Socket socket, int operations)
        : base(socket, ownsSocket: true)
    {
        _remaining = OperatingSystem.IsLinux() ? operations : 0;
        Arm();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await base.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _bytesRead, n);
        Arm();
        return n;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await base.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        Arm();
    }

    /// <summary>
    /// Bytes the peer has sent: read so far plus waiting in the kernel. Admission ranks idle
    /// connections by it, so progress counts as soon as the bytes arrive, not only once a busy
    /// server has got round to reading them.
    /// </summary>
    public long PeerBytes
    {
        get
        {
            long read = Interlocked.Read(ref _bytesRead);
            try
            {
                return read + Socket.Available;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return read;
            }
        }
    }

    private void Arm()
    {
        if (_remaining <= 0)
        {
            return;
        }

        _remaining--;
        try
        {
            Socket.SetRawSocketOption((int)SocketOptionLevel.Tcp, TcpQuickAck, On);
        }
        catch (SocketException)
        {
            _remaining = 0;   // a socket without the option (or already closed): nothing to tune
        }
        catch (ObjectDisposedException)
        {
            _remaining = 0;
        }
    }
}
