using Wharf.Sftp.FileSystem;
using Wharf.Ssh.IO;

namespace Wharf.Sftp.Protocol;

/// <summary>Encodes and decodes the version 3 ATTRS structure (draft-02 §5).</summary>
internal static class SftpAttributesCodec
{
    /// <summary>More extended pairs than this is not a real client: the request is refused as malformed.</summary>
    public const int MaxExtendedCount = 64;

    public static SftpFileAttributes Read(ref SshReader reader)
    {
        var flags = (SftpAttributeFlags)reader.ReadUInt32();
        var a = new SftpFileAttributes();
        if ((flags & SftpAttributeFlags.Size) != 0)
        {
            a.Size = reader.ReadUInt64();
        }

        if ((flags & SftpAttributeFlags.UidGid) != 0)
        {
            a.Uid = reader.ReadUInt32();
            a.Gid = reader.ReadUInt32();
        }

        if ((flags & SftpAttributeFlags.Permissions) != 0)
        {
            a.Permissions = reader.ReadUInt32();
        }

        if ((flags & SftpAttributeFlags.AccessModifyTime) != 0)
        {
            a.AccessTime = reader.ReadUInt32();
            a.ModifyTime = reader.ReadUInt32();
        }

        if ((flags & SftpAttributeFlags.Extended) != 0)
        {
            uint count = reader.ReadUInt32();
            // Each pair takes at least 8 bytes, so a count the packet cannot hold is caught
            // before anything is allocated for it.
            if (count > MaxExtendedCount || count > (uint)reader.Remaining / 8)
            {
                throw new SftpException(SftpStatusCode.BadMessage, "too many extended attributes");
            }

            a.Extended = new List<KeyValuePair<string, byte[]>>((int)count);
            for (int i = 0; i < count; i++)
            {
                string type = reader.ReadString(1024);
                byte[] data = reader.ReadBinaryArray();
                a.Extended.Add(new(type, data));
            }
        }

        return a;
    }

    public static void Write(SshWriter w, SftpFileAttributes? a)
    {
        if (a is null)
        {
            w.WriteUInt32(0);
            return;
        }

        var flags = SftpAttributeFlags.None;
        if (a.Size.HasValue)
        {
            flags |= SftpAttributeFlags.Size;
        }

        if (a.Uid.HasValue && a.Gid.HasValue)
        {
            flags |= SftpAttributeFlags.UidGid;
        }

        if (a.Permissions.HasValue)
        {
            flags |= SftpAttributeFlags.Permissions;
        }

        if (a.AccessTime.HasValue || a.ModifyTime.HasValue)
        {
            flags |= SftpAttributeFlags.AccessModifyTime;
        }

        if (a.Extended is { Count: > 0 })
        {
            flags |= SftpAttributeFlags.Extended;
        }

        w.WriteUInt32((uint)flags);
        if (a.Size is { } size)
        {
            w.WriteUInt64(size);
        }

        if ((flags & SftpAttributeFlags.UidGid) != 0)
        {
            w.WriteUInt32(a.Uid!.Value);
            w.WriteUInt32(a.Gid!.Value);
        }

        if (a.Permissions is { } perms)
        {
            w.WriteUInt32(perms);
        }

        if ((flags & SftpAttributeFlags.AccessModifyTime) != 0)
        {
            // The wire carries both times together; a missing one takes the other's value.
            uint at = a.AccessTime ?? a.ModifyTime!.Value;
            uint mt = a.ModifyTime ?? at;
            w.WriteUInt32(at);
            w.WriteUInt32(mt);
        }

        if ((flags & SftpAttributeFlags.Extended) != 0)
        {
            w.WriteUInt32((uint)a.Extended!.Count);
            foreach (var (type, data) in a.Extended)
            {
                w.WriteString(type);
                w.WriteBinary(data);
            }
        }
    }
}
