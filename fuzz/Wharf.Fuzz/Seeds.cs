using System.Buffers.Binary;
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

/// <summary>
/// Writes the binary seeds of the corpus (fuzz/corpus/TARGET/NAME): small valid inputs built with
/// the library's own writers. The text seeds (configuration, command lines, key files from
/// ssh-keygen) are kept as files in the corpus and not written here.
/// </summary>
internal static class Seeds
{
    public static void Write(string root)
    {
        void Put(string target, string name, byte[] bytes)
        {
            var dir = Path.Combine(root, target);
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, name), bytes);
        }

        byte[] Payload(Action<SshWriter> build)
        {
            using var w = new SshWriter();
            build(w);
            return w.ToArray();
        }

        byte[] Chunked(params byte[][] payloads)
        {
            var ms = new MemoryStream();
            foreach (var p in payloads)
            {
                ms.WriteByte((byte)(p.Length >> 8));
                ms.WriteByte((byte)p.Length);
                ms.Write(p);
            }

            return ms.ToArray();
        }

        byte[] Packets(PayloadCompressor? compressor, params byte[][] payloads)
        {
            var ms = new MemoryStream();
            using var writer = new PacketWriter(ms) { Compressor = compressor };
            foreach (var p in payloads)
            {
                writer.Begin().WriteRaw(p);
                writer.SendAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
            }

            return ms.ToArray();
        }

        byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

        // SSH reader: a script of reads, then data.
        Put("ssh-reader", "types", Cat([6, 0, 2, 4, 5, 6, 7], Payload(w =>
        {
            w.WriteByte(1);
            w.WriteUInt32(7);
            w.WriteString("abc");
            w.WriteString("text");
            w.WriteNameList(["a", "b"]);
            w.WriteMpint(new System.Numerics.BigInteger(-12345));
        })));

        Put("version", "openssh", "SSH-2.0-OpenSSH_9.6p1 Debian-4\r\n"u8.ToArray());
        Put("version", "old", "SSH-1.99-Old\n"u8.ToArray());

        var clientKexInit = new KexInitMessage
        {
            KexAlgorithms = ["mlkem768x25519-sha256", "curve25519-sha256", "diffie-hellman-group14-sha256", "ext-info-c", "kex-strict-c-v00@openssh.com"],
            ServerHostKeyAlgorithms = ["ssh-ed25519", "rsa-sha2-512"],
            CiphersClientToServer = ["chacha20-poly1305@openssh.com", "aes128-ctr"],
            CiphersServerToClient = ["chacha20-poly1305@openssh.com", "aes128-ctr"],
            MacsClientToServer = ["hmac-sha2-256-etm@openssh.com"],
            MacsServerToClient = ["hmac-sha2-256-etm@openssh.com"],
            CompressionClientToServer = ["none", "zlib@openssh.com"],
            CompressionServerToClient = ["none", "zlib@openssh.com"],
        }.ToPayload();
        Put("kexinit", "openssh-like", clientKexInit);
        Put("kexinit", "server-defaults", SshTargets.ServerKexInit().ToPayload());

        byte[] ignore = Payload(w => { w.WriteByte(SshMessageNumber.Ignore); w.WriteString("x"); });
        Put("packet", "plain", Cat([0], Packets(null, clientKexInit, ignore)));
        Put("packet", "zlib", Cat([1], Packets(CompressionCatalog.CreateCompressor(CompressionCatalog.ZlibOpenSsh), ignore, clientKexInit)));

        // Encrypted packets: sealed by the target itself from these payloads, for a few combinations.
        for (int combo = 0; combo < 6; combo++)
        {
            Put("packet-encrypted", $"sealed-{combo}", Cat([(byte)(combo * 5), (byte)(combo % 2 == 0 ? 1 : 3)], Chunked(ignore, clientKexInit)));
        }

        Put("packet-encrypted", "raw", Cat([0, 0], Packets(null, ignore)));

        // Key exchange: the client's first message for each method (server side), and the
        // server's reply to it (client side).
        var serverKexInit = SshTargets.ServerKexInit().ToPayload();
        for (int i = 0; i < KeyExchangeCatalog.All.Count; i++)
        {
            var method = KeyExchangeCatalog.All[i];
            KexContext Context(bool server) => new()
            {
                ClientVersion = "SSH-2.0-fuzz"u8.ToArray(),
                ServerVersion = "SSH-2.0-Wharf"u8.ToArray(),
                ClientKexInit = [SshMessageNumber.KexInit],
                ServerKexInit = serverKexInit,
                HostKey = server ? SshTargets.HostKey : null,
                HostKeyAlgorithm = "ssh-ed25519",
                VerifyHostSignature = server ? null : (_, _, _) => true,
            };
            using var client = method.CreateClient(Context(false));
            using var server = method.CreateServer(Context(true));
            var clientMessages = new List<byte[]>();
            var serverMessages = new List<byte[]>();
            if (client.Start() is { } first)
            {
                clientMessages.Add(first);
            }

            for (int round = 0; round < 4 && client.Result is null; round++)
            {
                var toServer = clientMessages[^1];
                var replies = server.Handle(toServer);
                serverMessages.AddRange(replies);
                foreach (var reply in replies)
                {
                    foreach (var back in client.Handle(reply))
                    {
                        clientMessages.Add(back);
                    }
                }
            }

            Put("kex", $"server-{i}", Cat([0, (byte)i], Chunked([.. clientMessages])));
            Put("kex", $"client-{i}", Cat([1, (byte)i], Chunked([.. serverMessages])));
            if (method.Name == "curve25519-sha256")
            {
                // The whole exchange, as a client plays it after the version line.
                Put("session-prekex", "curve25519", Packets(null, clientKexInit, clientMessages[0], [SshMessageNumber.NewKeys]));
                Put("session-prekex", "ignore-first", Packets(null, ignore, clientKexInit, clientMessages[0]));
            }
        }

        // Public keys: each family's blob followed by a signature blob.
        foreach (var (type, bits) in new[] { ("ssh-ed25519", 0), ("ecdsa-sha2-nistp256", 0), ("ssh-rsa", 2048) })
        {
            var key = SshPrivateKey.Generate(type, bits);
            var blob = key.PublicKey.Blob.ToArray();
            string alg = key.PublicKey.SignatureAlgorithms[0];
            var sig = Payload(w => { w.WriteString(alg); w.WriteBinary(key.Sign(alg, "fuzz"u8)); });
            var prefix = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(prefix, (ushort)blob.Length);
            Put("publickey", type, Cat(prefix, blob, sig));
            Put("private-key", type, Encoding.UTF8.GetBytes(OpenSshKeyFile.Write(key, "fuzz@" + type)));
            Put("authorized-keys", type, Encoding.UTF8.GetBytes(
                $"{key.PublicKey.KeyType} {Convert.ToBase64String(blob)} plain\n" +
                $"from=\"192.0.2.0/24,!192.0.2.7\",command=\"echo \\\"hi\\\"\",no-pty,environment=\"A=b\" {key.PublicKey.KeyType} {Convert.ToBase64String(blob)} with options\n" +
                "# a comment\n\n"));
        }

        WriteSftp(Put, Payload);
        WriteSession(Put, Payload, Chunked);

        Put("scp", "sink-file", Cat([2], "T1700000000 0 1700000000 0\nC0644 6 new\nhello\n\0"u8.ToArray()));
        Put("scp", "sink-recursive", Cat([1 | 2], "D0755 0 sub\nC0600 3 x\nabc\0E\nC0644 0 empty\n\0"u8.ToArray()));
        Put("scp", "source", Cat([8 | 1 | 2], "\0\0\0\0\0\0\0\0\0\0"u8.ToArray()));
        Put("scp", "source-file", Cat([8 | 16], "\0\0\0\0"u8.ToArray()));

        Put("rest-json", "user", Cat([0], """{"username":"alice","password":"alice-secret","home_dir":"/srv/sftp/alice","quota_size":1073741824,"allowed_ip":["192.0.2.0/24"],"permissions":{"/":["list","download"],"/in":["*"]},"public_keys":[]}"""u8.ToArray()));
        Put("rest-json", "admin", Cat([1], """{"username":"root","password":"secret-secret","status":1,"email":"a@example.org","description":"x"}"""u8.ToArray()));
        Put("rest-json", "quota", Cat([2], """{"used_quota_size":1048576,"used_quota_files":1}"""u8.ToArray()));
    }

    private static void WriteSftp(Action<string, string, byte[]> put, Func<Action<SshWriter>, byte[]> payload)
    {
        uint id = 0;
        byte[] Packet(byte type, Action<SshWriter> body)
        {
            var p = payload(w =>
            {
                w.WriteByte(type);
                if (type != 1)
                {
                    w.WriteUInt32(++id);
                }

                body(w);
            });
            var framed = new byte[4 + p.Length];
            BinaryPrimitives.WriteUInt32BigEndian(framed, (uint)p.Length);
            p.CopyTo(framed, 4);
            return framed;
        }

        byte[] Handle0 = "0"u8.ToArray();
        var init = Packet(1, w => w.WriteUInt32(3));
        var files = new[]
        {
            init,
            Packet(3, w => { w.WriteString("/file"); w.WriteUInt32(1); w.WriteUInt32(0); }),
            Packet(5, w => { w.WriteBinary(Handle0); w.WriteUInt64(0); w.WriteUInt32(100); }),
            Packet(8, w => w.WriteBinary(Handle0)),
            Packet(4, w => w.WriteBinary(Handle0)),
            Packet(3, w => { w.WriteString("/dir/new"); w.WriteUInt32(0x1a); w.WriteUInt32(4); w.WriteUInt32(0x1a4); }),
            Packet(6, w => { w.WriteBinary(Handle0); w.WriteUInt64(0); w.WriteString("data"); }),
            Packet(10, w => { w.WriteBinary(Handle0); w.WriteUInt32(1); w.WriteUInt64(2); }),
            Packet(4, w => w.WriteBinary(Handle0)),
        };
        put("sftp", "files", files.SelectMany(b => b).ToArray());
        id = 0;
        var dirs = new[]
        {
            init,
            Packet(11, w => w.WriteString("/")),
            Packet(12, w => w.WriteBinary(Handle0)),
            Packet(12, w => w.WriteBinary(Handle0)),
            Packet(4, w => w.WriteBinary(Handle0)),
            Packet(14, w => { w.WriteString("sub"); w.WriteUInt32(0); }),
            Packet(16, w => w.WriteString("sub/../dir/.")),
            Packet(17, w => w.WriteString("/dir/file")),
            Packet(7, w => w.WriteString("dir")),
            Packet(9, w => { w.WriteString("/file"); w.WriteUInt32(0xc); w.WriteUInt32(0x1ed); w.WriteUInt32(1); w.WriteUInt32(2); }),
            Packet(18, w => { w.WriteString("/file"); w.WriteString("/moved"); }),
            Packet(13, w => w.WriteString("/moved")),
            Packet(15, w => w.WriteString("sub")),
            Packet(19, w => w.WriteString("/file")),
            Packet(20, w => { w.WriteString("/l"); w.WriteString("/file"); }),
        };
        put("sftp", "directories", dirs.SelectMany(b => b).ToArray());
        id = 0;
        var ext = new List<byte[]> { init };
        foreach (var (name, args) in new (string, Action<SshWriter>)[]
        {
            ("posix-rename@openssh.com", w => { w.WriteString("/file"); w.WriteString("/f2"); }),
            ("statvfs@openssh.com", w => w.WriteString("/")),
            ("hardlink@openssh.com", w => { w.WriteString("/f2"); w.WriteString("/f3"); }),
            ("limits@openssh.com", _ => { }),
            ("expand-path@openssh.com", w => w.WriteString("~/dir")),
            ("home-directory", w => w.WriteString("u")),
            ("users-groups-by-id@openssh.com", w => { w.WriteString("\0\0\0\0"); w.WriteString("\0\0\0\0"); }),
            ("check-file-name", w => { w.WriteString("/dir/file"); w.WriteString("md5,sha256"); w.WriteUInt64(0); w.WriteUInt64(0); w.WriteUInt32(0); }),
            ("lsetstat@openssh.com", w => { w.WriteString("/dir/file"); w.WriteUInt32(4); w.WriteUInt32(0x1a4); }),
            ("space-available", w => w.WriteString("/")),
        })
        {
            ext.Add(Packet(200, w => { w.WriteString(name); args(w); }));
        }

        ext.Add(Packet(3, w => { w.WriteString("/dir/file"); w.WriteUInt32(3); w.WriteUInt32(0); }));
        ext.Add(Packet(200, w => { w.WriteString("fsync@openssh.com"); w.WriteBinary(Handle0); }));
        ext.Add(Packet(200, w => { w.WriteString("fstatvfs@openssh.com"); w.WriteBinary(Handle0); }));
        ext.Add(Packet(200, w => { w.WriteString("copy-data"); w.WriteBinary(Handle0); w.WriteUInt64(0); w.WriteUInt64(0); w.WriteBinary(Handle0); w.WriteUInt64(10); }));
        ext.Add(Packet(200, w => { w.WriteString("check-file-handle"); w.WriteBinary(Handle0); w.WriteString("sha1"); w.WriteUInt64(0); w.WriteUInt64(0); w.WriteUInt32(0); }));
        put("sftp", "extensions", ext.SelectMany(b => b).ToArray());

        put("sftp-attrs", "all", payload(w =>
        {
            w.WriteUInt32(0x8000000f);
            w.WriteUInt64(1234);
            w.WriteUInt32(1000);
            w.WriteUInt32(1000);
            w.WriteUInt32(0x81a4);
            w.WriteUInt32(1_700_000_000);
            w.WriteUInt32(1_700_000_001);
            w.WriteUInt32(1);
            w.WriteString("name@example.org");
            w.WriteString("value");
            w.WriteRaw("a/./b/../c"u8);
        }));
        put("sftp-attrs", "empty", payload(w => { w.WriteUInt32(0); w.WriteRaw("/x//y/"u8); }));
    }

    private static void WriteSession(Action<string, string, byte[]> put, Func<Action<SshWriter>, byte[]> payload, Func<byte[][], byte[]> chunked)
    {
        var service = payload(w => { w.WriteByte(SshMessageNumber.ServiceRequest); w.WriteString("ssh-userauth"); });
        var none = payload(w => { w.WriteByte(SshMessageNumber.UserAuthRequest); w.WriteString("u"); w.WriteString("ssh-connection"); w.WriteString("none"); });
        var password = payload(w => { w.WriteByte(SshMessageNumber.UserAuthRequest); w.WriteString("u"); w.WriteString("ssh-connection"); w.WriteString("password"); w.WriteBoolean(false); w.WriteString("p"); });
        var open = payload(w => { w.WriteByte(SshMessageNumber.ChannelOpen); w.WriteString("session"); w.WriteUInt32(0); w.WriteUInt32(1 << 20); w.WriteUInt32(32768); });
        byte[] Request(string type, bool reply, Action<SshWriter> body) => payload(w =>
        {
            w.WriteByte(SshMessageNumber.ChannelRequest);
            w.WriteUInt32(0);
            w.WriteString(type);
            w.WriteBoolean(reply);
            body(w);
        });
        var pty = Request("pty-req", true, w => { w.WriteString("xterm"); w.WriteUInt32(80); w.WriteUInt32(24); w.WriteUInt32(0); w.WriteUInt32(0); w.WriteString("\u0081\0\0\u0096\0\0"); });
        var env = Request("env", true, w => { w.WriteString("LC_ALL"); w.WriteString("C"); });
        var exec = Request("exec", true, w => w.WriteString("echo hello"));
        var data = payload(w => { w.WriteByte(SshMessageNumber.ChannelData); w.WriteUInt32(0); w.WriteString("some input"); });
        var window = payload(w => { w.WriteByte(SshMessageNumber.ChannelWindowAdjust); w.WriteUInt32(0); w.WriteUInt32(4096); });
        var eof = payload(w => { w.WriteByte(SshMessageNumber.ChannelEof); w.WriteUInt32(0); });
        var close = payload(w => { w.WriteByte(SshMessageNumber.ChannelClose); w.WriteUInt32(0); });
        var global = payload(w => { w.WriteByte(SshMessageNumber.GlobalRequest); w.WriteString("keepalive@openssh.com"); w.WriteBoolean(true); });
        put("session", "exec", chunked([service, none, password, open, pty, env, exec, data, window, eof, close, global]));

        var sftpInit = new byte[] { 0, 0, 0, 5, 1, 0, 0, 0, 3 };
        var subsystem = Request("subsystem", true, w => w.WriteString("sftp"));
        var sftpData = payload(w => { w.WriteByte(SshMessageNumber.ChannelData); w.WriteUInt32(0); w.WriteBinary(sftpInit); });
        var shell = Request("shell", true, _ => { });
        put("session", "sftp", chunked([service, password, open, subsystem, sftpData, eof]));
        put("session", "shell", chunked([service, password, open, shell, data, eof, close]));

        var ki = payload(w => { w.WriteByte(SshMessageNumber.UserAuthRequest); w.WriteString("ki"); w.WriteString("ssh-connection"); w.WriteString("keyboard-interactive"); w.WriteString(""); w.WriteString(""); });
        var kiAnswer = payload(w => { w.WriteByte(SshMessageNumber.UserAuthInfoResponse); w.WriteUInt32(2); w.WriteString("p"); w.WriteString("42"); });
        var key = SshTargets.HostKey.PublicKey;
        var pkQuery = payload(w => { w.WriteByte(SshMessageNumber.UserAuthRequest); w.WriteString("u"); w.WriteString("ssh-connection"); w.WriteString("publickey"); w.WriteBoolean(false); w.WriteString(key.KeyType); w.WriteBinary(key.Blob.Span); });
        var change = payload(w => { w.WriteByte(SshMessageNumber.UserAuthRequest); w.WriteString("expired"); w.WriteString("ssh-connection"); w.WriteString("password"); w.WriteBoolean(true); w.WriteString("old"); w.WriteString("new"); });
        put("session", "auth-methods", chunked([service, pkQuery, ki, kiAnswer, change]));
    }
}
