using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Text;
using Wharf.Ssh;
using Wharf.Ssh.Algorithms;
using Wharf.Ssh.Algorithms.Compression;
using Wharf.Ssh.Algorithms.KeyExchange;
using Wharf.Ssh.IO;
using Wharf.Ssh.Keys;
using Wharf.Ssh.Messages;
using Wharf.Ssh.Transport;

namespace Wharf.Fuzz;

/// <summary>Targets for the SSH library's decoders, each called directly.</summary>
internal static class SshTargets
{
    public static IEnumerable<Target> All =>
    [
        new("ssh-reader", "SshReader: the RFC 4251 data types, read in an order the input chooses", SshReaderTarget),
        new("version", "VersionExchange: the client's identification line", Version),
        new("packet", "PacketReader before NEWKEYS (no cipher), with or without the zlib inflater", Packet),
        new("packet-encrypted", "PacketReader after NEWKEYS: every cipher and MAC, raw ciphertext or sealed packets of fuzzed payloads (with zlib)", PacketEncrypted),
        new("kexinit", "KexInitMessage.Read and the negotiation against the server's defaults", KexInit),
        new("kex", "every key exchange method, server side (client's KEX messages) and client side (server's replies, host key and signature)", Kex),
        new("publickey", "SshPublicKey.Parse (keys and certificates) and signature blob verification", PublicKey),
        new("authorized-keys", "authorized_keys lines: options, key type, base64 key", AuthorizedKeys),
        new("private-key", "private key files: openssh-key-v1 and PEM (PKCS#1, SEC1, PKCS#8)", PrivateKey),
    ];

    internal static readonly int MaxPacketLength = new SshServerOptions().MaxPacketLength;

    private static readonly Lazy<SshPrivateKey> s_hostKey = new(() => SshPrivateKey.Generate("ssh-ed25519"));

    public static SshPrivateKey HostKey => s_hostKey.Value;

    private static void SshReaderTarget(byte[] data)
    {
        if (data.Length == 0)
        {
            return;
        }

        int ops = data[0] % 17;
        var script = data.AsSpan(1, Math.Min(ops, data.Length - 1));
        var reader = new SshReader(data.AsSpan(1 + script.Length));
        try
        {
            foreach (byte op in script)
            {
                switch (op % 11)
                {
                    case 0: reader.ReadByte(); break;
                    case 1: reader.ReadBoolean(); break;
                    case 2: reader.ReadUInt32(); break;
                    case 3: reader.ReadUInt64(); break;
                    case 4: reader.ReadBinary(); break;
                    case 5: reader.ReadString(op); break;
                    case 6: reader.ReadNameList(); break;
                    case 7: reader.ReadMpint(); break;
                    case 8: reader.Skip(op >> 4); break;
                    case 9: reader.ReadRaw(op >> 4); break;
                    default: reader.EnsureEnd(); break;
                }
            }
        }
        catch (SshConnectionException)
        {
        }
    }

    private static void Version(byte[] data)
    {
        var input = PipeReader.Create(new MemoryStream(data));
        var result = VersionExchange.ReadClientVersionAsync(input, CancellationToken.None).AsTask();
        Targets.Wait(result);
        var r = result.Result;
        if (r.Version is { } v && !(v.StartsWith("SSH-2.0-", StringComparison.Ordinal) || v.StartsWith("SSH-1.99-", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"accepted a version line that is not SSH 2: {v}");
        }
    }

    private static void Packet(byte[] data)
    {
        if (data.Length == 0)
        {
            return;
        }

        ReadPackets(data.AsMemory(1), new NoneDecryptor(), (data[0] & 1) != 0 ? CompressionCatalog.CreateDecompressor(CompressionCatalog.ZlibOpenSsh) : null);
    }

    /// <summary>Every cipher with every MAC (AEAD ciphers without one).</summary>
    private static readonly (CipherInfo Cipher, MacInfo? Mac)[] s_combinations =
    [
        .. CipherCatalog.All.SelectMany(c => c.IsAead ? [(c, (MacInfo?)null)] : MacCatalog.All.Select(m => (c, (MacInfo?)m))),
    ];

    private static byte[] Key(int n, byte seed) => Enumerable.Range(0, n).Select(i => (byte)(i * 7 + seed)).ToArray();

    private static void PacketEncrypted(byte[] data)
    {
        if (data.Length < 2)
        {
            return;
        }

        var (cipher, mac) = s_combinations[data[0] % s_combinations.Length];
        bool sealPayloads = (data[1] & 1) != 0;
        bool zlib = (data[1] & 2) != 0;
        var decryptor = PacketProtection.CreateDecryptor(cipher, Key(cipher.KeySize, 1), Key(cipher.IvSize, 2), mac, Key(mac?.KeySize ?? 0, 3));
        byte[] stream = data[2..];
        if (sealPayloads)
        {
            // The rest is a list of payloads (uint16 length + bytes) sent by a real writer with the
            // same keys: what reaches the reader's checks and the inflater is any payload at all.
            var output = new MemoryStream();
            using var writer = new PacketWriter(output)
            {
                Encryptor = PacketProtection.CreateEncryptor(cipher, Key(cipher.KeySize, 1), Key(cipher.IvSize, 2), mac, Key(mac?.KeySize ?? 0, 3)),
                Compressor = zlib ? CompressionCatalog.CreateCompressor(CompressionCatalog.ZlibOpenSsh) : null,
            };
            foreach (var payload in Chunks(stream))
            {
                if (payload.Length == 0 || payload.Length > MaxPacketLength - 1024)
                {
                    continue;
                }

                writer.Begin().WriteRaw(payload.Span);
                Targets.Wait(writer.SendAsync(CancellationToken.None).AsTask());
            }

            stream = output.ToArray();
        }

        ReadPackets(stream, decryptor, zlib ? CompressionCatalog.CreateDecompressor(CompressionCatalog.ZlibOpenSsh) : null);
    }

    private static void ReadPackets(ReadOnlyMemory<byte> bytes, PacketDecryptor decryptor, PayloadDecompressor? decompressor)
    {
        var input = PipeReader.Create(new MemoryStream(bytes.ToArray()));
        using var reader = new PacketReader(input, MaxPacketLength) { Decryptor = decryptor, Decompressor = decompressor };
        try
        {
            Targets.Wait(ReadAllAsync(reader));
        }
        catch (SshConnectionException)
        {
        }
        finally
        {
            decompressor?.Dispose();
        }

        static async Task ReadAllAsync(PacketReader reader)
        {
            for (int n = 0; n < 10_000; n++)
            {
                var payload = await reader.ReadPacketAsync(CancellationToken.None);
                if (payload.IsEmpty)
                {
                    return;
                }

                if (payload.Length > MaxPacketLength)
                {
                    throw new InvalidOperationException($"a payload of {payload.Length} bytes, beyond the packet limit");
                }
            }
        }
    }

    /// <summary>Splits <paramref name="data"/> into uint16-length-prefixed chunks (the last one takes what is left).</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Chunks(ReadOnlyMemory<byte> data)
    {
        while (data.Length >= 2)
        {
            int n = BinaryPrimitives.ReadUInt16BigEndian(data.Span);
            data = data[2..];
            n = Math.Min(n, data.Length);
            yield return data[..n];
            data = data[n..];
        }
    }

    public static KexInitMessage ServerKexInit()
    {
        var o = new SshServerOptions();
        return new KexInitMessage
        {
            KexAlgorithms = [.. o.KeyExchangeAlgorithms, "ext-info-s", "kex-strict-s-v00@openssh.com"],
            ServerHostKeyAlgorithms = [.. o.HostKeyAlgorithms],
            CiphersClientToServer = [.. o.Ciphers],
            CiphersServerToClient = [.. o.Ciphers],
            MacsClientToServer = [.. o.Macs],
            MacsServerToClient = [.. o.Macs],
            CompressionClientToServer = [.. o.Compressions],
            CompressionServerToClient = [.. o.Compressions],
        };
    }

    private static readonly KexInitMessage s_serverKexInit = ServerKexInit();

    private static void KexInit(byte[] data)
    {
        try
        {
            var client = KexInitMessage.Read(data);
            var algs = NegotiatedAlgorithms.Negotiate(client, s_serverKexInit, c => CipherCatalog.TryGet(c, out var i) && i.IsAead, _ => true);
            // What was agreed must be something the server offered.
            if (!s_serverKexInit.KexAlgorithms.Contains(algs.KeyExchange) || !s_serverKexInit.CiphersClientToServer.Contains(algs.CipherClientToServer))
            {
                throw new InvalidOperationException($"negotiated {algs.KeyExchange}/{algs.CipherClientToServer}, not offered");
            }

            KexInitMessage.Read(client.ToPayload());
        }
        catch (SshConnectionException)
        {
        }
    }

    private static void Kex(byte[] data)
    {
        if (data.Length < 2)
        {
            return;
        }

        bool server = (data[0] & 1) == 0;
        var method = KeyExchangeCatalog.All[data[1] % KeyExchangeCatalog.All.Count];
        var context = new KexContext
        {
            ClientVersion = "SSH-2.0-fuzz"u8.ToArray(),
            ServerVersion = "SSH-2.0-Wharf"u8.ToArray(),
            ClientKexInit = [SshMessageNumber.KexInit],
            ServerKexInit = s_serverKexInit.ToPayload(),
            HostKey = server ? HostKey : null,
            HostKeyAlgorithm = "ssh-ed25519",
            VerifyHostSignature = server ? null : (ks, h, sig) =>
                SshPublicKey.Parse(ks.Span).VerifySignatureBlob(h.Span, sig.Span, out var used) && used == "ssh-ed25519",
        };
        try
        {
            using var party = server ? method.CreateServer(context) : method.CreateClient(context);
            party.Start();
            foreach (var message in Chunks(data.AsMemory(2)))
            {
                if (party.Result is not null)
                {
                    break;
                }

                party.Handle(message.Span);
            }
        }
        catch (SshConnectionException)
        {
        }
    }

    private static void PublicKey(byte[] data)
    {
        if (data.Length < 2)
        {
            return;
        }

        int n = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(data), data.Length - 2);
        var blob = data.AsSpan(2, n);
        var signature = data.AsSpan(2 + n);
        bool parsed = SshPublicKey.TryParse(blob, out var viaTry);
        SshPublicKey key;
        try
        {
            key = SshPublicKey.Parse(blob);
        }
        catch (SshConnectionException)
        {
            if (parsed)
            {
                throw new InvalidOperationException("TryParse accepted a blob that Parse refuses");
            }

            return;
        }

        if (!parsed || !key.Equals(viaTry))
        {
            throw new InvalidOperationException("Parse accepted a blob that TryParse refuses");
        }

        _ = key.ToString();
        try
        {
            key.VerifySignatureBlob("fuzz"u8, signature, out _);
        }
        catch (SshConnectionException)
        {
        }
    }

    private static void AuthorizedKeys(byte[] data)
    {
        string text = Encoding.UTF8.GetString(data);
        foreach (var entry in AuthorizedKeyEntry.ParseFile(text, (_, _) => { }))
        {
            _ = entry.GetOption("from");
            _ = entry.GetOption("command");
            _ = entry.HasOption("cert-authority");
        }

        foreach (var line in text.Split('\n'))
        {
            Targets.Expect<FormatException>(() => AuthorizedKeyEntry.Parse(line));
        }
    }

    private static void PrivateKey(byte[] data)
    {
        // No passphrase: an encrypted file is refused before its KDF runs (the KDF's cost is bounded separately).
        Targets.Expect<FormatException>(() => SshPrivateKey.Parse(Encoding.UTF8.GetString(data)));
    }
}
