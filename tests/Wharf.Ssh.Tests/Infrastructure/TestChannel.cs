using Wharf.Ssh.IO;
using Wharf.Ssh.Messages;

namespace Wharf.Ssh.Tests.Infrastructure;

/// <summary>
/// A session channel of an <see cref="SshTestClient"/> running one exec command: sends data
/// within the server's window, collects the output, gives window back, and takes part in any key
/// exchange the server starts meanwhile. It checks the server's side of the bargain as it goes:
/// never more data than the window, nothing for another channel.
/// </summary>
public sealed class TestChannel
{
    private const uint OurId = 7;
    private readonly SshTestClient _client;
    private readonly uint _windowSize;
    private long _ourWindow;
    private long _unacknowledged;
    private long _serverWindow;
    private int _replies;
    private bool _lastReplySucceeded;

    private TestChannel(SshTestClient client, uint serverId, uint windowSize, long serverWindow)
    {
        _client = client;
        ServerId = serverId;
        _windowSize = windowSize;
        _ourWindow = windowSize;
        _serverWindow = serverWindow;
    }

    /// <summary>The server's channel number.</summary>
    public uint ServerId { get; }

    /// <summary>Everything the server sent as channel data, in order.</summary>
    public MemoryStream Output { get; } = new();

    public int? ExitStatus { get; private set; }

    public bool Closed { get; private set; }

    /// <summary>Key exchanges the server started while this channel was pumping.</summary>
    public int ServerStartedKeyExchanges { get; private set; }

    /// <summary>What the client does during a key exchange the server starts (beyond taking part).</summary>
    public KexScript? DuringServerRekey { get; set; }

    /// <summary>Opens a session channel and runs <paramref name="command"/>.</summary>
    public static async Task<TestChannel> ExecAsync(SshTestClient client, string command, uint window = 2 * 1024 * 1024)
    {
        await client.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.ChannelOpen);
            w.WriteString("session");
            w.WriteUInt32(OurId);
            w.WriteUInt32(window);
            w.WriteUInt32(32768);
        });
        var reply = await client.ReceiveAsync();
        Assert.Equal(SshMessageNumber.ChannelOpenConfirmation, reply[0]);
        var r = new SshReader(reply.AsSpan(1));
        Assert.Equal(OurId, r.ReadUInt32());
        uint serverId = r.ReadUInt32();
        uint serverWindow = r.ReadUInt32();
        var channel = new TestChannel(client, serverId, window, serverWindow);
        await client.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.ChannelRequest);
            w.WriteUInt32(serverId);
            w.WriteString("exec");
            w.WriteBoolean(true);
            w.WriteString(command);
        });
        await channel.WaitForRepliesAsync(1);
        Assert.True(channel._lastReplySucceeded, $"exec {command} refused");
        return channel;
    }

    /// <summary>Sends <paramref name="data"/>, reading (and so taking part in key exchanges) whenever the window runs out.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> data, int packet = 32768)
    {
        while (!data.IsEmpty)
        {
            while (_serverWindow == 0)
            {
                await PumpOneAsync();
            }

            int n = (int)Math.Min(Math.Min(data.Length, packet), _serverWindow);
            await SendDataPacketAsync(data[..n]);
            data = data[n..];
        }
    }

    /// <summary>
    /// Sends <paramref name="data"/> without reading anything (for use inside a key exchange,
    /// where the exchange does the reading): the server's window must already allow it.
    /// </summary>
    public async Task SendWithoutReadingAsync(ReadOnlyMemory<byte> data, int packet = 32768)
    {
        Assert.True(data.Length <= _serverWindow, $"the test wants to send {data.Length} bytes with {_serverWindow} of window");
        for (int at = 0; at < data.Length; at += packet)
        {
            await SendDataPacketAsync(data.Slice(at, Math.Min(packet, data.Length - at)));
        }
    }

    private async Task SendDataPacketAsync(ReadOnlyMemory<byte> piece)
    {
        _serverWindow -= piece.Length;
        await _client.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.ChannelData);
            w.WriteUInt32(ServerId);
            w.WriteBinary(piece.Span);
        });
    }

    /// <summary>Gives back the window for everything received so far (what a client does when it consumed it).</summary>
    public async Task SendWindowAdjustAsync()
    {
        long n = _unacknowledged;
        if (n == 0)
        {
            return;
        }

        _unacknowledged = 0;
        _ourWindow += n;
        await _client.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.ChannelWindowAdjust);
            w.WriteUInt32(ServerId);
            w.WriteUInt32((uint)n);
        });
    }

    public Task SendEofAsync() => _client.SendAsync(w =>
    {
        w.WriteByte(SshMessageNumber.ChannelEof);
        w.WriteUInt32(ServerId);
    });

    /// <summary>
    /// A round trip through the server's receive loop: a channel request it does not know, with
    /// want_reply, answered by CHANNEL_FAILURE once everything sent before it was processed.
    /// </summary>
    public async Task SyncAsync()
    {
        int before = _replies;
        await _client.SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.ChannelRequest);
            w.WriteUInt32(ServerId);
            w.WriteString("sync@wharf-test");
            w.WriteBoolean(true);
        });
        await WaitForRepliesAsync(before + 1);
    }

    /// <summary>Reads until the server closes the channel; returns the output.</summary>
    public async Task<byte[]> ReadToCloseAsync()
    {
        while (!Closed)
        {
            await PumpOneAsync();
        }

        return Output.ToArray();
    }

    /// <summary>Reads until at least <paramref name="bytes"/> of output arrived.</summary>
    public async Task ReadAtLeastAsync(long bytes)
    {
        while (Output.Length < bytes && !Closed)
        {
            await PumpOneAsync();
        }
    }

    private async Task WaitForRepliesAsync(int count)
    {
        while (_replies < count)
        {
            await PumpOneAsync();
        }
    }

    /// <summary>Reads one message and acts on it.</summary>
    public async Task PumpOneAsync()
    {
        var p = await _client.ReceiveAsync();
        if (p[0] == SshMessageNumber.KexInit)
        {
            ServerStartedKeyExchanges++;
            var script = DuringServerRekey;
            await _client.KeyExchangeAsync(serverKexInitAlreadyRead: p, script: script);
            return;
        }

        await HandleAsync(p);
    }

    /// <summary>Acts on one message from the server (also what a key exchange hands over from before the server's KEXINIT).</summary>
    public async Task HandleAsync(byte[] p)
    {
        var r = new SshReader(p.AsSpan(1));
        switch (p[0])
        {
            case SshMessageNumber.GlobalRequest:
                r.ReadString();
                if (r.ReadBoolean())
                {
                    await _client.SendAsync(new byte[] { SshMessageNumber.RequestFailure });
                }

                return;
            case SshMessageNumber.Disconnect:
                throw new ServerDisconnectedException((SshDisconnectReason)r.ReadUInt32(), r.ReadString());
        }

        Assert.True(p[0] is >= SshMessageNumber.ChannelWindowAdjust and <= SshMessageNumber.ChannelFailure, $"unexpected message {p[0]}");
        Assert.Equal(OurId, r.ReadUInt32());
        switch (p[0])
        {
            case SshMessageNumber.ChannelWindowAdjust:
                _serverWindow += r.ReadUInt32();
                return;
            case SshMessageNumber.ChannelData:
                {
                    var data = r.ReadBinary();
                    Assert.True(data.Length <= _ourWindow, $"server sent {data.Length} bytes with {_ourWindow} of window left");
                    _ourWindow -= data.Length;
                    _unacknowledged += data.Length;
                    Output.Write(data);
                    if (_unacknowledged >= _windowSize / 2)
                    {
                        await SendWindowAdjustAsync();
                    }

                    return;
                }

            case SshMessageNumber.ChannelExtendedData:
                r.ReadUInt32();
                throw new InvalidOperationException("stderr: " + System.Text.Encoding.UTF8.GetString(r.ReadBinary()));
            case SshMessageNumber.ChannelEof:
                return;
            case SshMessageNumber.ChannelClose:
                Closed = true;
                await _client.SendAsync(w =>
                {
                    w.WriteByte(SshMessageNumber.ChannelClose);
                    w.WriteUInt32(ServerId);
                });
                return;
            case SshMessageNumber.ChannelRequest:
                if (r.ReadString() == "exit-status")
                {
                    r.ReadBoolean();
                    ExitStatus = (int)r.ReadUInt32();
                }

                return;
            case SshMessageNumber.ChannelSuccess:
            case SshMessageNumber.ChannelFailure:
                _lastReplySucceeded = p[0] == SshMessageNumber.ChannelSuccess;
                _replies++;
                return;
        }
    }
}
