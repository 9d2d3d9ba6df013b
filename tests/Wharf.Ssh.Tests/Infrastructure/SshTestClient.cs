using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Wharf.Ssh.Algorithms;
using Wharf.Ssh.Algorithms.Compression;
using Wharf.Ssh.Algorithms.KeyExchange;
using Wharf.Ssh.IO;
using Wharf.Ssh.Keys;
using Wharf.Ssh.Messages;
using Wharf.Ssh.Transport;

namespace Wharf.Ssh.Tests.Infrastructure;

/// <summary>
/// A minimal SSH client for protocol tests: it does the version exchange and one key exchange
/// like a real client, then lets a test send any payload (well-formed or not), raw bytes, or
/// tampered packets, and read what the server answers.
/// </summary>
public sealed class SshTestClient : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly PipeReader _input;
    private readonly PacketReader _reader;
    private readonly PacketWriter _writer;

    public SshTestClient(Stream stream)
    {
        _stream = stream;
        _input = PipeReader.Create(stream);
        _reader = new PacketReader(_input, 1024 * 1024);
        _writer = new PacketWriter(stream);
    }

    public static async Task<SshTestClient> ConnectTcpAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        return new SshTestClient(tcp.GetStream());
    }

    public string Kex { get; set; } = "curve25519-sha256";
    public string Cipher { get; set; } = "aes128-gcm@openssh.com";
    public string Mac { get; set; } = "hmac-sha2-256-etm@openssh.com";
    public string HostKeyAlgorithm { get; set; } = "ssh-ed25519";
    public bool Strict { get; set; } = true;
    public bool ExtInfo { get; set; } = true;
    public string ServerVersion { get; private set; } = "";
    public string ClientVersion { get; private set; } = "";
    public byte[] SessionId { get; private set; } = [];
    public SshPublicKey? ServerHostKey { get; private set; }
    public Dictionary<string, string> ServerExtensions { get; } = new();

    /// <summary>Sequence number the server expects next from us.</summary>
    public uint OutgoingSequence => _writer.SequenceNumber;

    /// <summary>Bytes sent in the same write as, and just before, the version line (a PROXY protocol header).</summary>
    public byte[]? Prefix { get; set; }

    public async Task SendVersionAsync(string line = "SSH-2.0-WharfTestClient\r\n")
    {
        ClientVersion = line.TrimEnd('\n').TrimEnd('\r');
        await _stream.WriteAsync((byte[])[.. Prefix ?? [], .. Encoding.ASCII.GetBytes(line)]);
        var result = await VersionExchange.ReadClientVersionAsync(_input, CancellationToken.None);
        ServerVersion = result.Version ?? throw new InvalidOperationException("server sent no version: " + result.Error);
    }

    /// <summary>Version exchange and the first key exchange.</summary>
    public async Task HandshakeAsync()
    {
        await SendVersionAsync();
        await KeyExchangeAsync(first: true);
    }

    /// <summary>
    /// One key exchange. <paramref name="serverKexInitAlreadyRead"/> is the server's KEXINIT when
    /// the server started it; <paramref name="script"/> adds what a test client does meanwhile.
    /// Between the server's KEXINIT and its NEWKEYS only key exchange messages may arrive
    /// (RFC 4253 §7.1): anything else fails the exchange.
    /// </summary>
    public async Task KeyExchangeAsync(bool first = false, byte[]? serverKexInitAlreadyRead = null, KexScript? script = null)
    {
        var kexList = new List<string> { Kex };
        if (first && ExtInfo)
        {
            kexList.Add("ext-info-c");
        }

        if (first && Strict)
        {
            kexList.Add("kex-strict-c-v00@openssh.com");
        }

        var ours = new KexInitMessage
        {
            KexAlgorithms = [.. kexList],
            ServerHostKeyAlgorithms = [HostKeyAlgorithm],
            CiphersClientToServer = [Cipher],
            CiphersServerToClient = [Cipher],
            MacsClientToServer = [Mac],
            MacsServerToClient = [Mac],
            CompressionClientToServer = [Compression],
            CompressionServerToClient = [Compression],
        };
        var ourPayload = ours.ToPayload();
        await SendAsync(ourPayload);
        if (script?.AfterKexInit is { } afterKexInit)
        {
            await afterKexInit(this);
        }

        var theirs = serverKexInitAlreadyRead ?? await ReceiveServerKexInitAsync(script);
        var serverInit = KexInitMessage.Read(theirs);
        var algs = NegotiatedAlgorithms.Negotiate(ours, serverInit, c => CipherCatalog.TryGet(c, out var i) && i.IsAead, _ => true);
        bool strict = first && Strict && serverInit.KexAlgorithms.Contains("kex-strict-s-v00@openssh.com");
        Assert.True(KeyExchangeCatalog.TryGet(algs.KeyExchange, out var method));
        using var party = method!.CreateClient(new KexContext
        {
            ClientVersion = Encoding.ASCII.GetBytes(ClientVersion),
            ServerVersion = Encoding.ASCII.GetBytes(ServerVersion),
            ClientKexInit = ourPayload,
            ServerKexInit = theirs,
            HostKeyAlgorithm = algs.HostKey,
            VerifyHostSignature = (ks, h, sig) =>
            {
                ServerHostKey = SshPublicKey.Parse(ks.Span);
                return ServerHostKey.VerifySignatureBlob(h.Span, sig.Span, out var used) && used == algs.HostKey;
            },
        });
        var start = party.Start();
        if (start is not null)
        {
            await SendAsync(start);
        }

        while (party.Result is null)
        {
            var msg = await ReceiveDuringServerKexAsync();
            foreach (var reply in party.Handle(msg))
            {
                await SendAsync(reply);
            }
        }

        if (script?.BeforeNewKeys is { } beforeNewKeys)
        {
            await beforeNewKeys(this);
        }

        var result = party.Result;
        if (SessionId.Length == 0)
        {
            SessionId = result.ExchangeHash;
        }

        byte[] Derive(char c, int n) => KeyDerivation.Derive(result.HashAlgorithm, result.SharedSecret, result.ExchangeHash, c, SessionId, n);
        CipherCatalog.TryGet(algs.CipherClientToServer, out var cs);
        CipherCatalog.TryGet(algs.CipherServerToClient, out var sc);
        MacInfo? mcs = null, msc = null;
        if (algs.MacClientToServer is { } a)
        {
            MacCatalog.TryGet(a, out mcs);
        }

        if (algs.MacServerToClient is { } b)
        {
            MacCatalog.TryGet(b, out msc);
        }

        await SendAsync(new byte[] { SshMessageNumber.NewKeys });
        _writer.Encryptor = PacketProtection.CreateEncryptor(cs!, Derive('C', cs!.KeySize), Derive('A', cs.IvSize), mcs, Derive('E', mcs?.KeySize ?? 0));
        _compressionOut = algs.CompressionClientToServer;
        _writer.Compressor?.Dispose();
        _writer.Compressor = CompressionStarts(_compressionOut) ? CompressionCatalog.CreateCompressor(_compressionOut) : null;
        if (strict)
        {
            _writer.SequenceNumber = 0;
        }

        var newKeys = await ReceiveDuringServerKexAsync();
        Assert.Equal(SshMessageNumber.NewKeys, newKeys[0]);
        _reader.Decryptor = PacketProtection.CreateDecryptor(sc!, Derive('D', sc!.KeySize), Derive('B', sc.IvSize), msc, Derive('F', msc?.KeySize ?? 0));
        _compressionIn = algs.CompressionServerToClient;
        _reader.Decompressor?.Dispose();
        _reader.Decompressor = CompressionStarts(_compressionIn) ? CompressionCatalog.CreateDecompressor(_compressionIn) : null;
        if (strict)
        {
            _reader.SequenceNumber = 0;
        }

        KeyExchanges++;
    }

    /// <summary>Key exchanges this client completed (the first one included).</summary>
    public int KeyExchanges { get; private set; }

    /// <summary>Compression offered (the only one, both directions).</summary>
    public string Compression { get; set; } = "none";

    /// <summary>True once USERAUTH_SUCCESS was received: delayed compression runs from then on.</summary>
    public bool Authenticated { get; private set; }

    private string _compressionOut = "none";
    private string _compressionIn = "none";

    private bool CompressionStarts(string name) => !CompressionCatalog.IsDelayed(name) || Authenticated;

    /// <summary>The server's KEXINIT, handing whatever comes before it (data it was still sending) to the script.</summary>
    private async Task<byte[]> ReceiveServerKexInitAsync(KexScript? script)
    {
        while (true)
        {
            var p = await ReceiveAsync();
            if (p[0] == SshMessageNumber.KexInit)
            {
                return p;
            }

            ThrowIfDisconnect(p);
            if (script?.BeforeServerKexInit is not { } before)
            {
                throw new InvalidOperationException($"expected KEXINIT, got {p[0]}");
            }

            await before(p);
        }
    }

    /// <summary>Next message of the server's side of a key exchange: only 30–49 and NEWKEYS may come.</summary>
    private async Task<byte[]> ReceiveDuringServerKexAsync()
    {
        var p = await ReceiveAsync();
        ThrowIfDisconnect(p);
        if (p[0] is not (SshMessageNumber.NewKeys or (>= SshMessageNumber.KexFirst and <= SshMessageNumber.KexLast)))
        {
            throw new InvalidOperationException($"server sent message {p[0]} between its KEXINIT and its NEWKEYS");
        }

        return p;
    }

    private static void ThrowIfDisconnect(byte[] payload)
    {
        if (payload[0] == SshMessageNumber.Disconnect)
        {
            var r = new SshReader(payload.AsSpan(1));
            throw new ServerDisconnectedException((SshDisconnectReason)r.ReadUInt32(), r.ReadString());
        }
    }

    /// <summary>Sends one payload as a correctly formed packet.</summary>
    public async Task SendAsync(ReadOnlyMemory<byte> payload)
    {
        _writer.Begin().WriteRaw(payload.Span);
        await _writer.SendAsync(CancellationToken.None);
    }

    /// <summary>Builds a payload with an SshWriter and sends it.</summary>
    public Task SendAsync(Action<SshWriter> build)
    {
        using var w = new SshWriter();
        build(w);
        return SendAsync(w.ToArray());
    }

    /// <summary>Sends bytes exactly as given, bypassing the packet layer.</summary>
    public async Task SendRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Sends a well-formed packet but flips one bit of the encrypted bytes at <paramref name="offset"/>.</summary>
    public async Task SendTamperedAsync(byte[] payload, int offset)
    {
        var capture = new MemoryStream();
        var old = _writer;
        var tamper = new PacketWriter(capture) { Encryptor = old.Encryptor, SequenceNumber = old.SequenceNumber };
        tamper.Begin().WriteRaw(payload);
        await tamper.SendAsync(CancellationToken.None);
        var bytes = capture.ToArray();
        bytes[offset < 0 ? bytes.Length + offset : offset] ^= (byte)(offset == 0 ? 0x80 : 0x01);
        await _stream.WriteAsync(bytes);
    }

    /// <summary>Next payload from the server, skipping IGNORE/DEBUG and recording EXT_INFO.</summary>
    public async Task<byte[]> ReceiveAsync(bool skipExtInfo = true)
    {
        while (true)
        {
            var p = await _reader.ReadPacketAsync(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            if (p.IsEmpty)
            {
                throw new EndOfStreamException("server closed the connection");
            }

            var bytes = p.ToArray();
            if (bytes[0] is SshMessageNumber.Ignore or SshMessageNumber.Debug)
            {
                continue;
            }

            if (bytes[0] == SshMessageNumber.UserAuthSuccess && !Authenticated)
            {
                // draft-miller-secsh-compression-delayed §3: the client compresses everything it
                // sends after receiving USERAUTH_SUCCESS, and the server everything after sending it.
                Authenticated = true;
                if (_writer.Compressor is null && CompressionCatalog.IsDelayed(_compressionOut))
                {
                    _writer.Compressor = CompressionCatalog.CreateCompressor(_compressionOut);
                }

                if (_reader.Decompressor is null && CompressionCatalog.IsDelayed(_compressionIn))
                {
                    _reader.Decompressor = CompressionCatalog.CreateDecompressor(_compressionIn);
                }
            }

            if (bytes[0] == SshMessageNumber.ExtInfo && skipExtInfo)
            {
                var r = new SshReader(bytes.AsSpan(1));
                uint n = r.ReadUInt32();
                for (int i = 0; i < n; i++)
                {
                    ServerExtensions[r.ReadString()] = Encoding.UTF8.GetString(r.ReadBinary());
                }

                continue;
            }

            return bytes;
        }
    }

    /// <summary>Reads until the server disconnects; returns the DISCONNECT reason, or null if it just closed.</summary>
    public async Task<(SshDisconnectReason? Reason, string Text)> ExpectDisconnectAsync()
    {
        try
        {
            while (true)
            {
                var p = await ReceiveAsync();
                if (p[0] == SshMessageNumber.Disconnect)
                {
                    var r = new SshReader(p.AsSpan(1));
                    return ((SshDisconnectReason)r.ReadUInt32(), r.ReadString());
                }
            }
        }
        catch (Exception ex) when (ex is EndOfStreamException or SshConnectionException or IOException)
        {
            return (null, ex.Message);
        }
    }

    /// <summary>ssh-userauth service request and a password attempt; returns the server's reply.</summary>
    public async Task<byte[]> PasswordAsync(string user, string password, bool requestService = true)
    {
        if (requestService)
        {
            await RequestUserAuthServiceAsync();
        }

        await SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.UserAuthRequest);
            w.WriteString(user);
            w.WriteString("ssh-connection");
            w.WriteString("password");
            w.WriteBoolean(false);
            w.WriteString(password);
        });
        return await ReceiveSkippingBannerAsync();
    }

    public async Task RequestUserAuthServiceAsync()
    {
        await SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.ServiceRequest);
            w.WriteString("ssh-userauth");
        });
        var accept = await ReceiveAsync();
        Assert.Equal(SshMessageNumber.ServiceAccept, accept[0]);
    }

    public async Task<byte[]> ReceiveSkippingBannerAsync()
    {
        while (true)
        {
            var p = await ReceiveAsync();
            if (p[0] != SshMessageNumber.UserAuthBanner)
            {
                return p;
            }
        }
    }

    /// <summary>Opens a session channel; returns the server's channel id.</summary>
    public async Task<uint> OpenSessionAsync(uint ourId = 0, uint window = 2 * 1024 * 1024, uint maxPacket = 32768)
    {
        await SendAsync(w =>
        {
            w.WriteByte(SshMessageNumber.ChannelOpen);
            w.WriteString("session");
            w.WriteUInt32(ourId);
            w.WriteUInt32(window);
            w.WriteUInt32(maxPacket);
        });
        var reply = await ReceiveAsync();
        Assert.Equal(SshMessageNumber.ChannelOpenConfirmation, reply[0]);
        var r = new SshReader(reply.AsSpan(1));
        Assert.Equal(ourId, r.ReadUInt32());
        return r.ReadUInt32();
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _reader.Dispose();
        _writer.Dispose();
        return ValueTask.CompletedTask;
    }
}
