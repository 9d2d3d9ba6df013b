using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Wharf.Sftp.FileSystem;
using Wharf.Ssh.IO;

namespace Wharf.Sftp.Protocol;

// SSH_FXP_EXTENDED requests: OpenSSH's (PROTOCOL §4) and a few from the later filexfer drafts.
public sealed partial class SftpSession
{
    private const int CopyBufferLength = 64 * 1024;

    private ValueTask<SshWriter> ExtendedAsync(SftpRequest request, CancellationToken ct)
    {
        var r = request.Reader();
        string name = Encoding.Latin1.GetString(r.ReadBinary());
        // The rest of the request starts here; every handler re-reads from this offset.
        int start = r.Position;
        return name switch
        {
            SftpExtensionNames.PosixRename => PosixRenameAsync(request, start, ct),
            SftpExtensionNames.Statvfs => StatvfsAsync(request, start, byHandle: false, ct),
            SftpExtensionNames.Fstatvfs => StatvfsAsync(request, start, byHandle: true, ct),
            SftpExtensionNames.Hardlink => HardlinkAsync(request, start, ct),
            SftpExtensionNames.Fsync => FsyncAsync(request, start, ct),
            SftpExtensionNames.Lsetstat => LsetstatAsync(request, start, ct),
            SftpExtensionNames.Limits => ValueTask.FromResult(Limits(request.Id)),
            SftpExtensionNames.ExpandPath => ExpandPathAsync(request, start, ct),
            SftpExtensionNames.CopyData => CopyDataAsync(request, start, ct),
            SftpExtensionNames.HomeDirectory => ValueTask.FromResult(SingleNameReply(request.Id, _home)),
            SftpExtensionNames.UsersGroupsById => ValueTask.FromResult(UsersGroupsById(request, start)),
            SftpExtensionNames.CheckFileHandle => CheckFileAsync(request, start, byHandle: true, ct),
            SftpExtensionNames.CheckFileName => CheckFileAsync(request, start, byHandle: false, ct),
            SftpExtensionNames.SpaceAvailable => SpaceAvailableAsync(request, start, ct),
            _ => ValueTask.FromResult(StatusReply(request.Id, SftpStatusCode.OpUnsupported, "unsupported extended request")),
        };
    }

    private static SshReader ReaderAt(SftpRequest request, int start) => new(request.Payload.Span[start..]);

    private async ValueTask<SshWriter> PosixRenameAsync(SftpRequest request, int start, CancellationToken ct)
    {
        string from, to;
        {
            var r = ReaderAt(request, start);
            from = ReadPath(ref r);
            to = ReadPath(ref r);
        }

        await _fileSystem.RenameAsync(from, to, overwrite: true, ct).ConfigureAwait(false);
        return Ok(request.Id);
    }

    private async ValueTask<SshWriter> HardlinkAsync(SftpRequest request, int start, CancellationToken ct)
    {
        string existing, link;
        {
            var r = ReaderAt(request, start);
            existing = ReadPath(ref r);
            link = ReadPath(ref r);
        }

        await _fileSystem.CreateHardLinkAsync(existing, link, ct).ConfigureAwait(false);
        return Ok(request.Id);
    }

    private async ValueTask<SshWriter> LsetstatAsync(SftpRequest request, int start, CancellationToken ct)
    {
        string path;
        SftpFileAttributes attributes;
        {
            var r = ReaderAt(request, start);
            path = ReadPath(ref r);
            attributes = SftpAttributesCodec.Read(ref r);
        }

        await _fileSystem.SetAttributesAsync(path, attributes, followLinks: false, ct).ConfigureAwait(false);
        return Ok(request.Id);
    }

    private async ValueTask<SshWriter> FsyncAsync(SftpRequest request, int start, CancellationToken ct)
    {
        string hid;
        {
            var r = ReaderAt(request, start);
            hid = ReadHandle(ref r);
        }

        await FindFile(hid).File.FlushAsync(ct).ConfigureAwait(false);
        return Ok(request.Id);
    }

    private async ValueTask<SshWriter> StatvfsAsync(SftpRequest request, int start, bool byHandle, CancellationToken ct)
    {
        string path;
        {
            var r = ReaderAt(request, start);
            // The file contract has no fstatvfs: the handle's own path stands in for it.
            path = byHandle ? FindHandle(ReadHandle(ref r)).Path : ReadPath(ref r);
        }

        var s = await _fileSystem.GetFileSystemStatsAsync(path, ct).ConfigureAwait(false);
        var w = BeginReply(SftpPacketType.ExtendedReply, request.Id, 128);
        foreach (ulong v in (ReadOnlySpan<ulong>)[s.BlockSize, s.FragmentSize, s.Blocks, s.BlocksFree, s.BlocksAvailable,
            s.Files, s.FilesFree, s.FilesAvailable, s.FileSystemId, s.Flags, s.MaxNameLength])
        {
            w.WriteUInt64(v);
        }

        return w;
    }

    // draft-ietf-secsh-filexfer-09 "space-available": five figures, the last a uint32. The file
    // system reports no quota, so what the user may use is what statvfs gives a non-root user.
    private async ValueTask<SshWriter> SpaceAvailableAsync(SftpRequest request, int start, CancellationToken ct)
    {
        string path;
        {
            var r = ReaderAt(request, start);
            path = ReadPath(ref r);
        }

        var s = await _fileSystem.GetFileSystemStatsAsync(path, ct).ConfigureAwait(false);
        ulong unit = s.FragmentSize != 0 ? s.FragmentSize : s.BlockSize;
        var w = BeginReply(SftpPacketType.ExtendedReply, request.Id, 64);
        w.WriteUInt64(Multiply(s.Blocks, unit));
        w.WriteUInt64(Multiply(s.BlocksFree, unit));
        w.WriteUInt64(Multiply(s.Blocks, unit));
        w.WriteUInt64(Multiply(s.BlocksAvailable, unit));
        w.WriteUInt32((uint)Math.Min(unit, uint.MaxValue));
        return w;

        static ulong Multiply(ulong a, ulong b) => b != 0 && a > ulong.MaxValue / b ? ulong.MaxValue : a * b;
    }

    private SshWriter Limits(uint id)
    {
        var w = BeginReply(SftpPacketType.ExtendedReply, id, 64);
        w.WriteUInt64((ulong)Math.Max(0, _options.MaxPacketLength));
        w.WriteUInt64((ulong)Math.Max(0, _options.MaxReadLength));
        w.WriteUInt64((ulong)Math.Max(0, _options.MaxWriteLength));
        w.WriteUInt64((ulong)Math.Max(0, _options.MaxHandles));
        return w;
    }

    // "~" and "~/..." are the session's home directory. "~user" would need a user database the
    // file system does not have, so it is refused rather than guessed.
    private async ValueTask<SshWriter> ExpandPathAsync(SftpRequest request, int start, CancellationToken ct)
    {
        string path;
        {
            var r = ReaderAt(request, start);
            path = ReadPathText(ref r);
        }

        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = _home + path[1..];
        }
        else if (path.StartsWith('~'))
        {
            throw new SftpException(SftpStatusCode.NoSuchFile, "unknown user in ~user path");
        }

        string canonical = await _fileSystem.GetCanonicalPathAsync(SftpPath.Normalize(path, _home), ct).ConfigureAwait(false);
        return SingleNameReply(request.Id, canonical);
    }

    private SshWriter UsersGroupsById(SftpRequest request, int start)
    {
        var r = ReaderAt(request, start);
        var uids = r.ReadBinary();
        var gids = r.ReadBinary();
        if (uids.Length % 4 != 0 || gids.Length % 4 != 0)
        {
            throw new SftpException(SftpStatusCode.BadMessage, "id lists must be whole uint32s");
        }

        using var users = NameList(uids, _owners is null ? null : _owners.GetUserName);
        using var groups = NameList(gids, _owners is null ? null : _owners.GetGroupName);
        var w = BeginReply(SftpPacketType.ExtendedReply, request.Id, users.Length + groups.Length + 32);
        w.WriteBinary(users.WrittenSpan);
        w.WriteBinary(groups.WrittenSpan);
        return w;

        static SshWriter NameList(ReadOnlySpan<byte> ids, Func<uint, string?>? lookup)
        {
            var list = new SshWriter(16 + ids.Length * 2);
            var r = new SshReader(ids);
            while (r.Remaining > 0)
            {
                // Read the id before the lookup: "lookup?.Invoke(r.ReadUInt32())" skips the read
                // when there is no lookup, and the loop then never ends (found by fuzzing).
                uint id = r.ReadUInt32();
                list.WriteString(lookup?.Invoke(id) ?? string.Empty);
            }

            return list;
        }
    }

    // copy-data (PROTOCOL §4.10) through the handles' own Read/Write, so whatever the file system
    // does on writes (atomic uploads, quotas) applies. One handle may be both source and target
    // only for a known length whose two ranges do not overlap: an open-ended or overlapping copy
    // within one file could read back what it just wrote.
    private async ValueTask<SshWriter> CopyDataAsync(SftpRequest request, int start, CancellationToken ct)
    {
        string fromId, toId;
        ulong readOffset, length, writeOffset;
        {
            var r = ReaderAt(request, start);
            fromId = ReadHandle(ref r);
            readOffset = r.ReadUInt64();
            length = r.ReadUInt64();
            toId = ReadHandle(ref r);
            writeOffset = r.ReadUInt64();
        }

        var from = FindFile(fromId);
        var to = FindFile(toId);
        const ulong max = long.MaxValue;
        if (readOffset > max || writeOffset > max || length > max || readOffset + length > max || writeOffset + length > max)
        {
            throw new SftpException(SftpStatusCode.Failure, "offset or length out of range");
        }

        if (ReferenceEquals(from, to) && (length == 0 || (readOffset < writeOffset + length && writeOffset < readOffset + length)))
        {
            throw new SftpException(SftpStatusCode.Failure, "copy-data within one handle needs a length and non-overlapping ranges");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferLength);
        try
        {
            long roff = (long)readOffset, woff = (long)writeOffset;
            long remaining = length == 0 ? long.MaxValue : (long)length;
            while (remaining > 0)
            {
                int want = (int)Math.Min(remaining, CopyBufferLength);
                int n = await from.File.ReadAsync(roff, buffer.AsMemory(0, want), ct).ConfigureAwait(false);
                if (n <= 0)
                {
                    break;
                }

                await to.File.WriteAsync(woff, buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                roff += n;
                woff += n;
                remaining -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Ok(request.Id);
    }

    // check-file-handle / check-file-name (draft-ietf-secsh-filexfer-09 §9.1.2):
    //   string handle-or-name, string hash-algorithm-list, uint64 start-offset,
    //   uint64 length (0: to end of file), uint32 block-size (0: one hash over the whole range,
    //   otherwise at least 256 and one hash per block).
    // Reply: EXTENDED_REPLY, string "check-file", string algorithm used, then the hashes
    // back to back. The first algorithm of the client's list that is supported is used.
    private async ValueTask<SshWriter> CheckFileAsync(SftpRequest request, int start, bool byHandle, CancellationToken ct)
    {
        string target;
        string[] algorithms;
        ulong offset, length;
        uint blockSize;
        {
            var r = ReaderAt(request, start);
            target = byHandle ? ReadHandle(ref r) : ReadPath(ref r);
            algorithms = Encoding.Latin1.GetString(r.ReadBinary()).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            offset = r.ReadUInt64();
            length = r.ReadUInt64();
            blockSize = r.ReadUInt32();
        }

        string? algorithm = null;
        HashAlgorithmName hashName = default;
        foreach (var a in algorithms)
        {
            if (TryHashAlgorithm(a, out hashName))
            {
                algorithm = a;
                break;
            }
        }

        if (algorithm is null)
        {
            throw new SftpException(SftpStatusCode.OpUnsupported, "no supported hash algorithm (md5, sha1, sha256, sha384, sha512)");
        }

        if (blockSize != 0 && blockSize < 256)
        {
            throw new SftpException(SftpStatusCode.Failure, "block size must be 0 or at least 256");
        }

        if (offset > long.MaxValue || length > long.MaxValue || offset + length > long.MaxValue)
        {
            throw new SftpException(SftpStatusCode.Failure, "offset or length out of range");
        }

        ISftpFile file;
        bool owned = false;
        if (byHandle)
        {
            file = FindFile(target).File;
        }
        else
        {
            file = await _fileSystem.OpenFileAsync(target, SftpOpenFlags.Read, SftpFileAttributes.Empty, ct).ConfigureAwait(false);
            owned = true;
        }

        var w = BeginReply(SftpPacketType.ExtendedReply, request.Id, 256);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferLength);
        try
        {
            w.WriteString("check-file");
            w.WriteString(algorithm);
            using var hash = IncrementalHash.CreateHash(hashName);
            int replyLimit = Math.Max(1024, _options.MaxPacketLength) - 4;
            long pos = (long)offset;
            long remaining = length == 0 ? long.MaxValue : (long)length;
            long inBlock = 0;
            bool any = false;
            while (remaining > 0)
            {
                long want = Math.Min(remaining, CopyBufferLength);
                if (blockSize != 0)
                {
                    want = Math.Min(want, blockSize - inBlock);
                }

                int n = await file.ReadAsync(pos, buffer.AsMemory(0, (int)want), ct).ConfigureAwait(false);
                if (n <= 0)
                {
                    break;
                }

                hash.AppendData(buffer, 0, n);
                any = true;
                pos += n;
                remaining -= n;
                inBlock += n;
                if (blockSize != 0 && inBlock == blockSize)
                {
                    AppendHash(w, hash, replyLimit);
                    inBlock = 0;
                    any = false;
                }
            }

            // The whole-range hash, or the final partial block (an empty range still gets one hash).
            if (blockSize == 0 || any)
            {
                AppendHash(w, hash, replyLimit);
            }

            return w;
        }
        catch
        {
            w.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (owned)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
        }

        static void AppendHash(SshWriter w, IncrementalHash hash, int limit)
        {
            if (w.Length + hash.HashLengthInBytes > limit)
            {
                throw new SftpException(SftpStatusCode.Failure, "too many blocks for one reply; use a larger block size");
            }

            int n = hash.GetHashAndReset(w.GetSpan(hash.HashLengthInBytes));
            w.Advance(n);
        }
    }

    private static bool TryHashAlgorithm(string name, out HashAlgorithmName hash)
    {
        hash = name switch
        {
            "md5" => HashAlgorithmName.MD5,
            "sha1" => HashAlgorithmName.SHA1,
            "sha256" => HashAlgorithmName.SHA256,
            "sha384" => HashAlgorithmName.SHA384,
            "sha512" => HashAlgorithmName.SHA512,
            _ => default,
        };
        return hash != default;
    }
}
