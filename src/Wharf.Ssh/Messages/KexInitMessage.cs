using System.Security.Cryptography;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Messages;

/// <summary>SSH_MSG_KEXINIT (RFC 4253 §7.1).</summary>
public sealed class KexInitMessage
{
    public byte[] Cookie { get; set; } = RandomNumberGenerator.GetBytes(16);
    public string[] KexAlgorithms { get; set; } = [];
    public string[] ServerHostKeyAlgorithms { get; set; } = [];
    public string[] CiphersClientToServer { get; set; } = [];
    public string[] CiphersServerToClient { get; set; } = [];
    public string[] MacsClientToServer { get; set; } = [];
    public string[] MacsServerToClient { get; set; } = [];
    public string[] CompressionClientToServer { get; set; } = [];
    public string[] CompressionServerToClient { get; set; } = [];
    public string[] LanguagesClientToServer { get; set; } = [];
    public string[] LanguagesServerToClient { get; set; } = [];
    public bool FirstKexPacketFollows { get; set; }

    /// <summary>Parses a KEXINIT payload (starting with the message number).</summary>
    public static KexInitMessage Read(ReadOnlySpan<byte> payload)
    {
        var r = new SshReader(payload);
        if (r.ReadByte() != SshMessageNumber.KexInit)
        {
            throw new SshConnectionException("not a KEXINIT");
        }

        var m = new KexInitMessage
        {
            Cookie = r.ReadRaw(16).ToArray(),
            KexAlgorithms = r.ReadNameList(),
            ServerHostKeyAlgorithms = r.ReadNameList(),
            CiphersClientToServer = r.ReadNameList(),
            CiphersServerToClient = r.ReadNameList(),
            MacsClientToServer = r.ReadNameList(),
            MacsServerToClient = r.ReadNameList(),
            CompressionClientToServer = r.ReadNameList(),
            CompressionServerToClient = r.ReadNameList(),
            LanguagesClientToServer = r.ReadNameList(),
            LanguagesServerToClient = r.ReadNameList(),
            FirstKexPacketFollows = r.ReadBoolean(),
        };
        r.ReadUInt32(); // reserved
        return m;
    }

    /// <summary>Writes the payload (with its message number).</summary>
    public void WriteTo(SshWriter w)
    {
        w.WriteByte(SshMessageNumber.KexInit);
        w.WriteRaw(Cookie);
        w.WriteNameList(KexAlgorithms);
        w.WriteNameList(ServerHostKeyAlgorithms);
        w.WriteNameList(CiphersClientToServer);
        w.WriteNameList(CiphersServerToClient);
        w.WriteNameList(MacsClientToServer);
        w.WriteNameList(MacsServerToClient);
        w.WriteNameList(CompressionClientToServer);
        w.WriteNameList(CompressionServerToClient);
        w.WriteNameList(LanguagesClientToServer);
        w.WriteNameList(LanguagesServerToClient);
        w.WriteBoolean(FirstKexPacketFollows);
        w.WriteUInt32(0);
    }

    /// <summary>Returns the payload bytes.</summary>
    public byte[] ToPayload()
    {
        using var w = new SshWriter();
        WriteTo(w);
        return w.ToArray();
    }
}
