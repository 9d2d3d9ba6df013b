using System.Buffers.Binary;
using System.Text;
using Wharf.Sftp.FileSystem;
using Wharf.Ssh.IO;

namespace Wharf.Sftp.Protocol;

// The draft-02 requests. Each handler parses its request completely before its first await (the
// reader is a ref struct over the pooled packet), then works on the file system and returns the
// finished reply. Failures are thrown and become a STATUS in one place (ExecuteAsync).
public sealed partial class SftpSession
{
    /// <summary>Entries asked of the file system per READDIR, and the reply size after which a NAME is cut.</summary>
    private const int ReaddirMaxEntries = 100, ReaddirMaxReplyBytes = 64 * 1024;

    /// <summary>Size of the DATA header: length, type, id, data length.</summary>
    private const int DataHeaderLength = 13;

    private ValueTask<SshWriter> HandleRequestAsync(SftpRequest request, CancellationToken ct) => request.Type switch
    {
        SftpPacketType.Open => OpenAsync(request, ct),
        SftpPacketType.Close => CloseAsync(request, ct),
        SftpPacketType.Read => ReadAsync(request, ct),
        SftpPacketType.Write => WriteAsync(request, ct),
        SftpPacketType.Lstat => StatAsync(request, followLinks: false, ct),
        SftpPacketType.Stat => StatAsync(request, followLinks: true, ct),
        SftpPacketType.Fstat => FstatAsync(request, ct),
        SftpPacketType.Setstat => SetstatAsync(request, followLinks: true, ct),
        SftpPacketType.Fsetstat => FsetstatAsync(request, ct),
        SftpPacketType.Opendir => OpendirAsync(request, ct),
        SftpPacketType.Readdir => ReaddirAsync(request, ct),
        SftpPacketType.Remove => RemoveAsync(request, ct),
        SftpPacketType.Mkdir => MkdirAsync(request, ct),
        SftpPacketType.Rmdir => RmdirAsync(request, ct),
        SftpPacketType.Realpath => RealpathAsync(request, ct),
        SftpPacketType.Rename => RenameAsync(request, ct),
        SftpPacketType.Readlink => ReadlinkAsync(request, ct),
        SftpPacketType.Symlink => SymlinkAsync(request, ct),
        SftpPacketType.Extended => ExtendedAsync(request, ct),
        _ => ValueTask.FromResult(StatusReply(request.Id, SftpStatusCode.OpUnsupported, $"unsupported request type {(byte)request.Type}")),
    };

    // ---- parsing helpers -------------------------------------------------------------------

    /// <summary>Reads a path and makes it absolute and normalised; see <see cref="SftpPath.TryDecode"/> for what is refused.</summary>
    private string ReadPath(ref SshReader r) => SftpPath.Normalize(ReadPathText(ref r), _home);

    private static string ReadPathText(ref SshReader r) =>
        SftpPath.TryDecode(r.ReadBinary(), out var path)
            ? path
            : throw new SftpException(SftpStatusCode.InvalidFilename, "invalid file name (not UTF-8, contains NUL or too long)");

    private string ReadHandle(ref SshReader r) => HandleKey(r.ReadBinary());

    private SftpHandle FindHandle(string id) =>
        _handles.Find(id) ?? throw new SftpException(SftpStatusCode.InvalidHandle, "invalid handle");

    private SftpFileHandle FindFile(string id) =>
        FindHandle(id) as SftpFileHandle ?? throw new SftpException(SftpStatusCode.InvalidHandle, "invalid handle: not a file handle");

    private SftpDirectoryHandle FindDirectory(string id) =>
        FindHandle(id) as SftpDirectoryHandle ?? throw new SftpException(SftpStatusCode.InvalidHandle, "invalid handle: not a directory handle");

    // ---- reply helpers ---------------------------------------------------------------------

    private SshWriter Ok(uint id) => StatusReply(id, SftpStatusCode.Ok);

    private SshWriter HandleReply(uint id, string handle)
    {
        var w = BeginReply(SftpPacketType.Handle, id, 64);
        w.WriteBinary(Encoding.Latin1.GetBytes(handle));
        RememberHandle(handle);
        return w;
    }

    private SshWriter AttrsReply(uint id, SftpFileAttributes attributes)
    {
        var w = BeginReply(SftpPacketType.Attrs, id, 128);
        SftpAttributesCodec.Write(w, attributes);
        return w;
    }

    /// <summary>A NAME with one entry whose long name is the name itself and no attributes, as OpenSSH answers REALPATH and READLINK.</summary>
    private SshWriter SingleNameReply(uint id, string name)
    {
        var w = BeginReply(SftpPacketType.Name, id, 64 + name.Length * 6);
        w.WriteUInt32(1);
        w.WriteString(name);
        w.WriteString(name);
        w.WriteUInt32(0);
        return w;
    }

    private async ValueTask<SshWriter> AddHandleAsync<T>(uint id, Func<ValueTask<T>> open, Func<string, T, SftpHandle> wrap)
    {
        // Room is claimed before opening so that a session at its limit opens nothing at all.
        if (!_handles.TryReserve())
        {
            throw new SftpException(SftpStatusCode.Failure, "too many open handles");
        }

        SftpHandle handle;
        try
        {
            handle = wrap(SftpHandleTable.NewId(), await open().ConfigureAwait(false));
        }
        catch
        {
            _handles.Unreserve();
            throw;
        }

        _handles.Add(handle);
        return HandleReply(id, handle.Id);
    }

    // ---- requests --------------------------------------------------------------------------

    private ValueTask<SshWriter> OpenAsync(SftpRequest request, CancellationToken ct)
    {
        var r = request.Reader();
        string path = ReadPath(ref r);
        var flags = (SftpOpenFlags)(r.ReadUInt32() & 0x3F);
        var attributes = SftpAttributesCodec.Read(ref r);
        return AddHandleAsync(request.Id,
            () => _fileSystem.OpenFileAsync(path, flags, attributes, ct),
            (hid, file) => new SftpFileHandle(hid, path, file));
    }

    private ValueTask<SshWriter> OpendirAsync(SftpRequest request, CancellationToken ct)
    {
        var r = request.Reader();
        string path = ReadPath(ref r);
        return AddHandleAsync(request.Id,
            () => _fileSystem.OpenDirectoryAsync(path, ct),
            (hid, dir) => new SftpDirectoryHandle(hid, path, dir));
    }

    private async ValueTask<SshWriter> CloseAsync(SftpRequest request, CancellationToken ct)
    {
        string hid;
        {
            var r = request.Reader();
            hid = ReadHandle(ref r);
        }

        var handle = _handles.Remove(hid) ?? throw new SftpException(SftpStatusCode.InvalidHandle, "invalid handle");
        if (handle is SftpFileHandle file)
        {
            // CLOSE commits (an atomic upload is moved into place); if that fails the client
            // hears about it, and the file is still released by the dispose that follows.
            try
            {
                await file.File.CloseAsync(ct).ConfigureAwait(false);
            }
            finally
            {
                await file.File.DisposeAsync().ConfigureAwait(false);
            }
        }
        else
        {
            await handle.DisposeAsync().ConfigureAwait(false);
        }

        return Ok(request.Id);
    }

    private async ValueTask<SshWriter> ReadAsync(SftpRequest request, CancellationToken ct)
    {
        string hid;
        ulong offset;
        uint length;
        {
            var r = request.Reader();
            hid = ReadHandle(ref r);
            offset = r.ReadUInt64();
            length = r.ReadUInt32();
        }

        var file = FindFile(hid);
        uint id = request.Id;
        if (offset > long.MaxValue)
        {
            return StatusReply(id, SftpStatusCode.Eof);
        }

        // Longer reads are shortened, not refused: a short DATA is always legal (draft-02 §6.4).
        int n = (int)Math.Min(length, (uint)Math.Max(0, _options.MaxReadLength));
        var w = BeginReply(SftpPacketType.Data, id, DataHeaderLength + n);
        try
        {
            w.WriteUInt32(0);
            int got = n == 0 ? 0 : await file.File.ReadAsync((long)offset, w.GetMemory(n)[..n], ct).ConfigureAwait(false);
            if (got == 0 && n != 0)
            {
                w.Dispose();
                return StatusReply(id, SftpStatusCode.Eof);
            }

            if ((uint)got > (uint)n)
            {
                throw new InvalidOperationException("file system read more than asked");
            }

            w.Advance(got);
            BinaryPrimitives.WriteUInt32BigEndian(w.WrittenSpan[9..], (uint)got);
            return w;
        }
        catch
        {
            w.Dispose();
            throw;
        }
    }

    private async ValueTask<SshWriter> WriteAsync(SftpRequest request, CancellationToken ct)
    {
        string hid;
        ulong offset;
        ReadOnlyMemory<byte> data;
        {
            var r = request.Reader();
            hid = ReadHandle(ref r);
            offset = r.ReadUInt64();
            int length = r.ReadBinary().Length;
            // The data stays where it arrived: a slice of the request's pooled buffer.
            data = request.Payload.Slice(r.Position - length, length);
        }

        var file = FindFile(hid);
        if (data.Length > _options.MaxWriteLength)
        {
            throw new SftpException(SftpStatusCode.Failure, $"write of {data.Length} bytes exceeds the limit of {_options.MaxWriteLength}");
        }

        if (offset > (ulong)(long.MaxValue - data.Length))
        {
            throw new SftpException(SftpStatusCode.Failure, "offset out of range");
        }

        await file.File.WriteAsync((long)offset, data, ct).ConfigureAwait(false);
        return Ok(request.Id);
    }

    private async ValueTask<SshWriter> StatAsync(SftpRequest request, bool followLinks, CancellationToken ct)
    {
        string path;
        {
            var r = request.Reader();
            path = ReadPath(ref r);
        }

        var attributes = await _fileSystem.GetAttributesAsync(path, followLinks, ct).ConfigureAwait(false);
        return AttrsReply(request.Id, attributes);
    }

    private async ValueTask<SshWriter> FstatAsync(SftpRequest request, CancellationToken ct)
    {
        string hid;
        {
            var r = request.Reader();
            hid = ReadHandle(ref r);
        }

        var attributes = await FindFile(hid).File.GetAttributesAsync(ct).ConfigureAwait(false);
        return AttrsReply(request.Id, attributes);
    }

    private async ValueTask<SshWriter> SetstatAsync(SftpRequest request, bool followLinks, CancellationToken ct)
    {
        string path;
        SftpFileAttributes attributes;
        {
            var r = request.Reader();
            path = ReadPath(ref r);
            attributes = SftpAttributesCodec.Read(ref r);
        }

        await _fileSystem.SetAttributesAsync(path, attributes, followLinks, ct).ConfigureAwait(false);
        return Ok(request.Id);
    }

    private async ValueTask<SshWriter> FsetstatAsync(SftpRequest request, CancellationToken ct)
    {
        string hid;
        SftpFileAttributes attributes;
        {
            var r = request.Reader();
            hid = ReadHandle(ref r);
            attributes = SftpAttributesCodec.Read(ref r);
        }

        await FindFile(hid).File.SetAttributesAsync(attributes, ct).ConfigureAwait(false);
        return Ok(request.Id);
    }

    private async ValueTask<SshWriter> ReaddirAsync(SftpRequest request, CancellationToken ct)
    {
        string hid;
        {
            var r = request.Reader();
            hid = ReadHandle(ref r);
        }

        var dir = FindDirectory(hid);
        var now = DateTimeOffset.Now;
        var w = BeginReply(SftpPacketType.Name, request.Id, 8192);
        try
        {
            w.WriteUInt32(0);
            int count = 0, emptyBatches = 0;
            while (count < ReaddirMaxEntries)
            {
                if (dir.Pending.Count == 0)
                {
                    if (dir.Exhausted || (count > 0 && emptyBatches > 0))
                    {
                        break;
                    }

                    var batch = await dir.Directory.ReadAsync(ReaddirMaxEntries, ct).ConfigureAwait(false);
                    if (batch is null || (batch.Count == 0 && ++emptyBatches > 16))
                    {
                        // null is the end; a file system that keeps answering "nothing yet" is
                        // treated as finished rather than spun on.
                        dir.Exhausted = true;
                        break;
                    }

                    foreach (var e in batch)
                    {
                        dir.Pending.Enqueue(e);
                    }

                    continue;
                }

                var entry = dir.Pending.Peek();
                int mark = w.Length;
                w.WriteString(entry.Name);
                w.WriteString(SftpLongName.Format(entry.Name, entry.Attributes, _owners, now));
                SftpAttributesCodec.Write(w, entry.Attributes);
                if (w.Length > ReaddirMaxReplyBytes && count > 0)
                {
                    // Keep the reply small enough for any client; the entry goes in the next one.
                    w.Reset(mark);
                    break;
                }

                dir.Pending.Dequeue();
                count++;
            }

            if (count == 0)
            {
                w.Dispose();
                return StatusReply(request.Id, SftpStatusCode.Eof);
            }

            BinaryPrimitives.WriteUInt32BigEndian(w.WrittenSpan[9..], (uint)count);
            return w;
        }
        catch
        {
            w.Dispose();
            throw;
        }
    }

    private async ValueTask<SshWriter> RemoveAsync(SftpRequest request, CancellationToken ct)
    {
        string path;
        {
            var r = request.Reader();
            path = ReadPath(ref r);
        }

        await _fileSystem.RemoveFileAsync(path, ct).ConfigureAwait(false);
        return Ok(request.Id);
    }

    private async ValueTask<SshWriter> MkdirAsync(SftpRequest request, CancellationToken ct)
    {
        string path;
        SftpFileAttributes attributes;
        {
            var r = request.Reader();
            path = ReadPath(ref r);
            attributes = SftpAttributesCodec.Read(ref r);
        }

        await _fileSystem.CreateDirectoryAsync(path, attributes, ct).ConfigureAwait(false);
        return Ok(request.Id);
    }

    private async ValueTask<SshWriter> RmdirAsync(SftpRequest request, CancellationToken ct)
    {
        string path;
        {
            var r = request.Reader();
            path = ReadPath(ref r);
        }

        await _fileSystem.RemoveDirectoryAsync(path, ct).ConfigureAwait(false);
        return Ok(request.Id);
    }

    private async ValueTask<SshWriter> RealpathAsync(SftpRequest request, CancellationToken ct)
    {
        string path;
        {
            var r = request.Reader();
            // Later protocol versions append a control byte and compose paths; v3 has only the path.
            path = ReadPath(ref r);
        }

        string canonical = await _fileSystem.GetCanonicalPathAsync(path, ct).ConfigureAwait(false);
        return SingleNameReply(request.Id, canonical);
    }

    private async ValueTask<SshWriter> RenameAsync(SftpRequest request, CancellationToken ct)
    {
        string from, to;
        {
            var r = request.Reader();
            from = ReadPath(ref r);
            to = ReadPath(ref r);
        }

        await _fileSystem.RenameAsync(from, to, overwrite: false, ct).ConfigureAwait(false);
        return Ok(request.Id);
    }

    private async ValueTask<SshWriter> ReadlinkAsync(SftpRequest request, CancellationToken ct)
    {
        string path;
        {
            var r = request.Reader();
            path = ReadPath(ref r);
        }

        string target = await _fileSystem.ReadLinkAsync(path, ct).ConfigureAwait(false);
        return SingleNameReply(request.Id, target);
    }

    // OpenSSH's argument order (PROTOCOL §4.1), which most clients follow: the FIRST string is
    // the target the link points to, the SECOND the link to create — the reverse of draft-02.
    // Clients that keep to the draft with servers not looking like OpenSSH (asyncssh, ssh2) are
    // read their way (SymlinkArgumentOrder, from SftpClientQuirks), so the link lands where the
    // user asked. An absolute target is normalised lexically like any path; a relative one is
    // kept as written, since it is resolved from the link's directory, and the file system
    // decides whether it is acceptable.
    private async ValueTask<SshWriter> SymlinkAsync(SftpRequest request, CancellationToken ct)
    {
        string target, link;
        {
            var r = request.Reader();
            if (SymlinkArgumentOrder == SymlinkArgumentOrder.LinkFirst)
            {
                link = ReadPath(ref r);
                target = ReadPathText(ref r);
            }
            else
            {
                target = ReadPathText(ref r);
                link = ReadPath(ref r);
            }
        }

        if (target.Length == 0)
        {
            throw new SftpException(SftpStatusCode.NoSuchFile, "empty symbolic link target");
        }

        if (target.StartsWith('/'))
        {
            target = SftpPath.Normalize(target);
        }

        await _fileSystem.CreateSymbolicLinkAsync(link, target, ct).ConfigureAwait(false);
        return Ok(request.Id);
    }
}
