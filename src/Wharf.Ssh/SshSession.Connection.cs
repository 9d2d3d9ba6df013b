using System.Collections.Concurrent;
using Wharf.Ssh.Connection;
using Wharf.Ssh.IO;
using Wharf.Ssh.Messages;

namespace Wharf.Ssh;

public sealed partial class SshSession
{
    private readonly ConcurrentDictionary<uint, SshChannel> _channels = new();
    private uint _nextChannelId;
    private bool _noMoreSessions;
    private int _sessionChannelsOpened;

    /// <summary>Open channels.</summary>
    public IReadOnlyCollection<SshChannel> Channels => [.. _channels.Values];

    internal void Touch() => Volatile.Write(ref _lastActivityTicks, Environment.TickCount64);

    private async Task OnConnectionMessageAsync(ReadOnlyMemory<byte> payloadMemory, CancellationToken ct)
    {
        byte number = payloadMemory.Span[0];
        switch (number)
        {
            case SshMessageNumber.GlobalRequest:
                await OnGlobalRequestAsync(payloadMemory, ct).ConfigureAwait(false);
                return;
            case SshMessageNumber.RequestSuccess:
            case SshMessageNumber.RequestFailure:
                Interlocked.Exchange(ref _keepAlivesOutstanding, 0);
                return;
            case SshMessageNumber.ChannelOpen:
                await OnChannelOpenAsync(payloadMemory, ct).ConfigureAwait(false);
                return;
            case SshMessageNumber.ChannelOpenConfirmation:
            case SshMessageNumber.ChannelOpenFailure:
                throw new SshConnectionException("channel open reply for a channel the server never opened");
        }

        var r = new SshReader(payloadMemory.Span[1..]);
        uint id = r.ReadUInt32();
        if (!_channels.TryGetValue(id, out var channel))
        {
            throw new SshConnectionException($"message {number} for unknown channel {id}");
        }

        switch (number)
        {
            case SshMessageNumber.ChannelWindowAdjust:
                {
                    uint bytes = r.ReadUInt32();
                    r.EnsureEnd();
                    channel.OnWindowAdjust(bytes);
                    Interlocked.Exchange(ref _keepAlivesOutstanding, 0);
                    return;
                }

            case SshMessageNumber.ChannelData:
            case SshMessageNumber.ChannelExtendedData:
                {
                    if (number == SshMessageNumber.ChannelExtendedData)
                    {
                        r.ReadUInt32(); // data type code: a session server has no use for client stderr
                    }

                    var data = r.ReadBinary();
                    r.EnsureEnd();
                    if (channel.RemoteEof)
                    {
                        throw new SshConnectionException("channel data after EOF");
                    }

                    if (data.Length > channel.LocalMaxPacket || data.Length > channel.LocalWindowRemaining)
                    {
                        throw new SshConnectionException($"channel data of {data.Length} bytes exceeds the window or the maximum packet size");
                    }

                    Touch();
                    if (number == SshMessageNumber.ChannelExtendedData || channel.LocalClosed)
                    {
                        // Still charged to the window; a closing channel discards what arrives.
                        channel.OnConsumedDiscarded(data.Length);
                        return;
                    }

                    await channel.OnDataAsync(data).ConfigureAwait(false);
                    return;
                }

            case SshMessageNumber.ChannelEof:
                r.EnsureEnd();
                channel.OnRemoteEof();
                return;
            case SshMessageNumber.ChannelClose:
                r.EnsureEnd();
                channel.OnRemoteClose();
                await channel.SendCloseAsyncFromReceiveLoop(ct).ConfigureAwait(false);
                OnChannelMaybeFinished(channel);
                return;
            case SshMessageNumber.ChannelRequest:
                await OnChannelRequestAsync(channel, payloadMemory, ct).ConfigureAwait(false);
                return;
            case SshMessageNumber.ChannelSuccess:
            case SshMessageNumber.ChannelFailure:
                return; // replies to requests we never send with want_reply
        }
    }

    internal void OnChannelMaybeFinished(SshChannel channel)
    {
        if (channel.LocalClosed && channel.RemoteClosed)
        {
            _channels.TryRemove(channel.LocalId, out _);
        }
    }

    private void CloseAllChannels()
    {
        foreach (var c in _channels.Values)
        {
            c.Abort();
        }

        _channels.Clear();
    }

    private async Task OnGlobalRequestAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        var r = new SshReader(payload.Span[1..]);
        string name = r.ReadString(256);
        bool wantReply = r.ReadBoolean();
        if (name == "no-more-sessions@openssh.com")
        {
            _noMoreSessions = true;
        }

        // Port forwarding, host key rotation proofs and keepalives all get a failure: a
        // keepalive only needs some reply, and nothing else is offered.
        if (wantReply)
        {
            await SendAsync(0, static (w, _) => w.WriteByte(SshMessageNumber.RequestFailure), fromReceiveLoop: true, ct: ct).ConfigureAwait(false);
        }
    }

    private async Task OnChannelOpenAsync(ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        var r = new SshReader(payload.Span[1..]);
        string type = r.ReadString(256);
        uint sender = r.ReadUInt32();
        uint window = r.ReadUInt32();
        uint maxPacket = r.ReadUInt32();

        (uint code, string text)? refusal = null;
        if (type != "session")
        {
            refusal = (1, $"channel type {Sanitize(type)} not allowed"); // SSH_OPEN_ADMINISTRATIVELY_PROHIBITED
        }
        else if (_channels.Count >= Options.MaxChannelsPerConnection)
        {
            refusal = (4, "too many channels"); // SSH_OPEN_RESOURCE_SHORTAGE
        }
        else if (_noMoreSessions && _sessionChannelsOpened > 0)
        {
            refusal = (1, "no more sessions");
        }
        else if (maxPacket == 0)
        {
            refusal = (1, "maximum packet size of zero");
        }

        if (refusal is { } f)
        {
            await SendAsync((sender, f.code, f.text), static (w, s) =>
            {
                w.WriteByte(SshMessageNumber.ChannelOpenFailure);
                w.WriteUInt32(s.sender);
                w.WriteUInt32(s.code);
                w.WriteString(s.text);
                w.WriteString("");
            }, fromReceiveLoop: true, ct: ct).ConfigureAwait(false);
            return;
        }

        uint id = _nextChannelId++;
        while (_channels.ContainsKey(id))
        {
            id = _nextChannelId++;
        }

        // Never send more than fits a transport packet to the client, whatever it claims.
        uint remoteMax = Math.Min(maxPacket, 256 * 1024);
        var channel = new SshChannel(this, id, sender, window, remoteMax, Options.ChannelWindowSize, Options.ChannelMaxPacketSize);
        _channels[id] = channel;
        _sessionChannelsOpened++;
        await SendAsync(channel, static (w, c) =>
        {
            w.WriteByte(SshMessageNumber.ChannelOpenConfirmation);
            w.WriteUInt32(c.RemoteId);
            w.WriteUInt32(c.LocalId);
            w.WriteUInt32(c.LocalWindowSize);
            w.WriteUInt32(c.LocalMaxPacket);
        }, fromReceiveLoop: true, ct: ct).ConfigureAwait(false);
    }

    private async Task OnChannelRequestAsync(SshChannel channel, ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        string type;
        bool wantReply;
        string? argument = null;
        string? envValue = null;
        {
            var r = new SshReader(payload.Span[1..]);
            r.ReadUInt32();
            type = r.ReadString(256);
            wantReply = r.ReadBoolean();
            switch (type)
            {
                case "exec":
                    argument = r.ReadString(256 * 1024);
                    break;
                case "subsystem":
                    argument = r.ReadString(256);
                    break;
                case "env":
                    argument = r.ReadString(1024);
                    envValue = r.ReadString(32 * 1024);
                    break;
            }
        }

        bool ok = false;
        SshCommandHandler? handler = null;
        if (channel.LocalClosed || channel.RemoteClosed)
        {
            ok = false;
        }
        else
        {
            switch (type)
            {
                case "env":
                    if (channel.Environment.Count < 64 && (_server.EnvironmentFilter?.Invoke(this, argument!, envValue!) ?? false))
                    {
                        channel.Environment[argument!] = envValue!;
                        ok = true;
                    }

                    break;
                case "exec" when !channel.HandlerStarted:
                    handler = _server.ExecHandler?.Invoke(this, argument!);
                    break;
                case "subsystem" when !channel.HandlerStarted:
                    handler = _server.Subsystems.TryGetValue(argument!, out var h) ? h : null;
                    break;
                case "shell" when !channel.HandlerStarted:
                    handler = _server.ShellHandler;
                    argument = "";
                    break;
                case "pty-req":
                    ok = _server.AllowPty;
                    break;
                case "window-change":
                case "signal":
                case "break":
                case "eow@openssh.com":
                    ok = true;
                    break;
            }
        }

        if (handler is not null)
        {
            ok = true;
            channel.HandlerStarted = true;
        }
        else if (type is "exec" or "subsystem" or "shell")
        {
            Log(SshLogLevel.Information, $"{type} refused: {Sanitize(argument ?? "")}");
        }

        if (wantReply)
        {
            await SendAsync((channel.RemoteId, ok), static (w, s) =>
            {
                w.WriteByte(s.ok ? SshMessageNumber.ChannelSuccess : SshMessageNumber.ChannelFailure);
                w.WriteUInt32(s.RemoteId);
            }, fromReceiveLoop: true, ct: ct).ConfigureAwait(false);
        }

        if (handler is not null)
        {
            var context = new SshCommandContext(this, channel, type, argument!);
            _ = Task.Run(() => RunHandlerAsync(handler, context), CancellationToken.None);
        }
    }

    private async Task RunHandlerAsync(SshCommandHandler handler, SshCommandContext context)
    {
        int status;
        try
        {
            status = await handler(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.Aborted.IsCancellationRequested)
        {
            return;
        }
        catch (SshConnectionException ex) when (Volatile.Read(ref _closed) != 0)
        {
            // The peer went away while the handler was writing: the ordinary end of a dropped
            // session, not a fault in the handler (the abort token may be cancelled a moment later).
            Log(SshLogLevel.Debug, $"{context.Kind} handler ended with the connection: {ex.Message}");
            return;
        }
        catch (Exception ex)
        {
            Log(SshLogLevel.Error, $"{context.Kind} handler failed: {ex}");
            status = 255;
        }

        await context.Channel.CloseAsync(status).ConfigureAwait(false);
    }
}
