using System.IO.Pipelines;
using System.Text;
using Wharf.Ssh;
using Wharf.Ssh.Algorithms;
using Wharf.Ssh.Algorithms.KeyExchange;
using Wharf.Ssh.IO;
using Wharf.Ssh.Keys;
using Wharf.Ssh.Messages;
using Wharf.Ssh.Transport;

namespace Wharf.Fuzz;

/// <summary>
/// The client side of one connection, cut down from tests/Wharf.Ssh.Tests' SshTestClient: the
/// version exchange and a real key exchange (curve25519, AES-GCM), then any payload, sealed with
/// the keys just agreed, so the fuzzer speaks to the server after NEWKEYS.
/// </summary>
internal sealed class FuzzClient : IDisposable
{
    private readonly Stream _stream;
    private readonly PipeReader _input;
    private readonly PacketReader _reader;
    private readonly PacketWriter _writer;

    public FuzzClient(Stream stream)
    {
        _stream = stream;
        _input = PipeReader.Create(stream);
        _reader = new PacketReader(_input, 1024 * 1024);
        _writer = new PacketWriter(stream);
    }

    private const string ClientVersion = "SSH-2.0-WharfFuzz";

    public async Task HandshakeAsync()
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(ClientVersion + "\r\n"));
        var version = await VersionExchange.ReadClientVersionAsync(_input, CancellationToken.None);
        string serverVersion = version.Version ?? throw new InvalidOperationException("server sent no version: " + version.Error);
        var ours = new KexInitMessage
        {
            KexAlgorithms = ["curve25519-sha256", "ext-info-c", "kex-strict-c-v00@openssh.com"],
            ServerHostKeyAlgorithms = ["ssh-ed25519"],
            CiphersClientToServer = ["aes128-gcm@openssh.com"],
            CiphersServerToClient = ["aes128-gcm@openssh.com"],
            MacsClientToServer = ["hmac-sha2-256-etm@openssh.com"],
            MacsServerToClient = ["hmac-sha2-256-etm@openssh.com"],
            CompressionClientToServer = ["none"],
            CompressionServerToClient = ["none"],
        };
        var ourPayload = ours.ToPayload();
        await SendAsync(ourPayload);
        var theirs = await ReceiveAsync();
        if (theirs[0] != SshMessageNumber.KexInit)
        {
            throw new InvalidOperationException($"expected KEXINIT, got {theirs[0]}");
        }

        var serverInit = KexInitMessage.Read(theirs);
        var algs = NegotiatedAlgorithms.Negotiate(ours, serverInit, c => CipherCatalog.TryGet(c, out var i) && i.IsAead, _ => true);
        KeyExchangeCatalog.TryGet(algs.KeyExchange, out var method);
        using var party = method!.CreateClient(new KexContext
        {
            ClientVersion = Encoding.ASCII.GetBytes(ClientVersion),
            ServerVersion = Encoding.ASCII.GetBytes(serverVersion),
            ClientKexInit = ourPayload,
            ServerKexInit = theirs,
            HostKeyAlgorithm = algs.HostKey,
            VerifyHostSignature = (ks, h, sig) => SshPublicKey.Parse(ks.Span).VerifySignatureBlob(h.Span, sig.Span, out _),
        });
        var start = party.Start();
        if (start is not null)
        {
            await SendAsync(start);
        }

        while (party.Result is null)
        {
            foreach (var reply in party.Handle(await ReceiveAsync()))
            {
                await SendAsync(reply);
            }
        }

        var result = party.Result;
        byte[] Derive(char c, int n) => KeyDerivation.Derive(result.HashAlgorithm, result.SharedSecret, result.ExchangeHash, c, result.ExchangeHash, n);
        CipherCatalog.TryGet(algs.CipherClientToServer, out var cs);
        CipherCatalog.TryGet(algs.CipherServerToClient, out var sc);
        await SendAsync(new byte[] { SshMessageNumber.NewKeys });
        _writer.Encryptor = PacketProtection.CreateEncryptor(cs!, Derive('C', cs!.KeySize), Derive('A', cs.IvSize), null, []);
        _writer.SequenceNumber = 0;
        var newKeys = await ReceiveAsync();
        if (newKeys[0] != SshMessageNumber.NewKeys)
        {
            throw new InvalidOperationException($"expected NEWKEYS, got {newKeys[0]}");
        }

        _reader.Decryptor = PacketProtection.CreateDecryptor(sc!, Derive('D', sc!.KeySize), Derive('B', sc.IvSize), null, []);
        _reader.SequenceNumber = 0;
    }

    public async Task SendAsync(ReadOnlyMemory<byte> payload)
    {
        _writer.Begin().WriteRaw(payload.Span);
        await _writer.SendAsync(CancellationToken.None);
    }

    /// <summary>Next payload from the server (IGNORE and DEBUG skipped).</summary>
    public async Task<byte[]> ReceiveAsync()
    {
        while (true)
        {
            var p = await _reader.ReadPacketAsync(CancellationToken.None);
            if (p.IsEmpty)
            {
                throw new EndOfStreamException("server closed the connection");
            }

            if (p.Span[0] is not (SshMessageNumber.Ignore or SshMessageNumber.Debug))
            {
                return p.ToArray();
            }
        }
    }

    /// <summary>Reads (and drops) what the server sends until it closes, so it never blocks on a full pipe.</summary>
    public async Task DrainAsync()
    {
        try
        {
            while (!(await _reader.ReadPacketAsync(CancellationToken.None)).IsEmpty)
            {
            }
        }
        catch (Exception ex) when (ex is SshConnectionException or IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _writer.Dispose();
    }
}
