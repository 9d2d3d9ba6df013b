using System.Buffers.Binary;
using System.IO.Pipelines;
using Wharf.Sftp;
using Wharf.Sftp.Protocol;
using Wharf.Ssh;
using Wharf.Ssh.IO;

namespace Wharf.Fuzz;

/// <summary>Targets for the SFTP subsystem.</summary>
internal static class SftpTargets
{
    public static IEnumerable<Target> All =>
    [
        new("sftp", "SftpSession over a pipe and an in-memory file system: framing, every request type, extensions, handles", Sftp),
        new("sftp-attrs", "the ATTRS structure (SftpAttributesCodec) and SFTP path decoding", Attributes),
    ];

    private static void Sftp(byte[] data)
    {
        var input = PipeReader.Create(new MemoryStream(data));
        var replies = new MemoryStream();
        var session = new SftpSession(new MemoryFileSystem(), new SftpSessionOptions { MaxHandles = 16, MaxConcurrentRequests = 8 });
        var run = session.RunAsync(input, (reply, _) =>
        {
            replies.Write(reply.Span);
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        Targets.Wait(run);
        CheckReplies(replies.ToArray());
    }

    /// <summary>An exception the session did not expect becomes STATUS "internal error": that is a finding.</summary>
    private static void CheckReplies(ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length >= 4)
        {
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes);
            if (length < 1 || length > bytes.Length - 4)
            {
                throw new InvalidOperationException($"reply framing broken (length {length}, {bytes.Length - 4} bytes left)");
            }

            var packet = bytes.Slice(4, length);
            bytes = bytes[(4 + length)..];
            if (packet[0] != (byte)SftpPacketType.Status)
            {
                continue;
            }

            var r = new SshReader(packet[1..]);
            r.ReadUInt32();
            r.ReadUInt32();
            string message = r.ReadString();
            if (message == "internal error")
            {
                throw new InvalidOperationException("a request failed with an unexpected exception (STATUS \"internal error\")");
            }
        }
    }

    private static void Attributes(byte[] data)
    {
        try
        {
            var reader = new SshReader(data);
            var a = SftpAttributesCodec.Read(ref reader);
            using var w = new SshWriter();
            SftpAttributesCodec.Write(w, a);
            var again = new SshReader(w.WrittenSpan);
            var b = SftpAttributesCodec.Read(ref again);
            if (a.Size != b.Size || a.Permissions != b.Permissions || a.ModifyTime != b.ModifyTime || a.Uid != b.Uid || (a.Extended?.Count ?? 0) != (b.Extended?.Count ?? 0))
            {
                throw new InvalidOperationException("ATTRS do not survive a write and a read");
            }

            if (SftpPath.TryDecode(reader.RemainingSpan, out var path))
            {
                string n = SftpPath.Combine(SftpPath.Normalize(path, "/home/u"), "x");
                if (!n.StartsWith('/') || (n + "/").Contains("/../", StringComparison.Ordinal) || n.Contains("//", StringComparison.Ordinal) || (n.Length > 1 && n.EndsWith('/')))
                {
                    throw new InvalidOperationException($"'{path}' normalised to '{n}', not a normal absolute path");
                }
            }
        }
        catch (Exception ex) when (ex is SftpException or SshConnectionException)
        {
        }
    }
}
