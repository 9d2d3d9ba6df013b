using System.Buffers;
using System.Globalization;
using System.Text;
using Wharf.Sftp;
using Wharf.Sftp.FileSystem;

namespace Wharf.Server.Commands.Scp;

/// <summary>
/// The remote end of the legacy rcp/scp protocol (OpenSSH <c>scp -t</c> and <c>scp -f</c>) over an
/// <see cref="IFileSystem"/>. Replies and error texts follow OpenSSH's scp.c so its client reports
/// them as it would for a real server; every file goes through the user's file system stack, so
/// permissions, quota, atomic uploads and audit logs apply as for SFTP.
/// </summary>
internal sealed class ScpTransfer
{
    /// <summary>OpenSSH's scp reads control lines into a 2048-byte buffer; a longer line is not from a real client.</summary>
    internal const int MaxLineLength = 4096;

    /// <summary>Bounds recursion, both for a client sending endless D records and for symlink loops on download.</summary>
    internal const int MaxDepth = 64;

    private const int ChunkSize = 256 * 1024;
    private static readonly byte[] s_zero = [0];

    private readonly IScpStream _io;
    private readonly IFileSystem _fs;
    private readonly ScpArguments _args;
    private readonly CancellationToken _ct;
    private int _errors;

    public ScpTransfer(IScpStream io, IFileSystem fileSystem, ScpArguments args, CancellationToken cancellationToken)
    {
        _io = io;
        _fs = fileSystem;
        _args = args;
        _ct = cancellationToken;
    }

    /// <summary>Runs the transfer; returns the exit status (0, or 1 when anything failed).</summary>
    public async Task<int> RunAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            string path;
            try
            {
                path = VirtualPath.Normalize(_args.Path);
            }
            catch (SftpException ex)
            {
                await ErrorAsync($"{_args.Path}: {Describe(ex)}").ConfigureAwait(false);
                return 1;
            }

            if (_args.Sink)
            {
                if (_args.TargetIsDirectory && !await IsDirectoryAsync(path).ConfigureAwait(false))
                {
                    await ErrorAsync($"{path}: Not a directory").ConfigureAwait(false);
                    return 1;
                }

                await SinkAsync(path, 0, buffer).ConfigureAwait(false);
            }
            else
            {
                // The client's sink starts by saying it is ready.
                await ResponseAsync().ConfigureAwait(false);
                await SourceAsync(path, 0, buffer).ConfigureAwait(false);
            }

            return _errors == 0 ? 0 : 1;
        }
        catch (ScpProtocolException ex)
        {
            // Fatal: tell the peer (it may already be gone) and end with a failure status.
            try
            {
                await WriteAsync($"\u0002scp: protocol error: {ex.Message}\n").ConfigureAwait(false);
            }
            catch (Exception write) when (write is not OperationCanceledException)
            {
                // The peer is gone; the status still reports the failure.
            }

            return 1;
        }
        catch (ScpFatalReplyException)
        {
            return 1;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // ---- sink: the client uploads ----

    private async Task SinkAsync(string target, int depth, byte[] buffer)
    {
        await _io.WriteAsync(s_zero, _ct).ConfigureAwait(false);
        bool targetIsDirectory = await IsDirectoryAsync(target).ConfigureAwait(false);
        (uint Mtime, uint Atime)? times = null;
        while (true)
        {
            int type = await _io.ReadByteAsync(_ct).ConfigureAwait(false);
            if (type < 0)
            {
                return;
            }

            if (type == '\n')
            {
                throw new ScpProtocolException("unexpected <newline>");
            }

            var line = Encoding.UTF8.GetString(await _io.ReadLineAsync(MaxLineLength, _ct).ConfigureAwait(false));
            switch (type)
            {
                case 1:
                    // The client could not read a file: it already told its user.
                    _errors++;
                    continue;
                case 2:
                    throw new ScpFatalReplyException();
                case 'E':
                    if (line.Length != 0 || depth == 0)
                    {
                        throw new ScpProtocolException("unexpected E record");
                    }

                    await _io.WriteAsync(s_zero, _ct).ConfigureAwait(false);
                    return;
                case 'T':
                    times = ParseTimes(line);
                    await _io.WriteAsync(s_zero, _ct).ConfigureAwait(false);
                    continue;
                case 'C' or 'D':
                    break;
                default:
                    throw new ScpProtocolException("expected control record");
            }

            var (mode, size, name) = ParseRecord(line);
            string path = targetIsDirectory ? Combine(target, name) : target;
            if (type == 'D')
            {
                if (!_args.Recursive)
                {
                    throw new ScpProtocolException("received directory without -r");
                }

                if (depth + 1 > MaxDepth)
                {
                    throw new ScpProtocolException("directories nested too deep");
                }

                await ReceiveDirectoryAsync(path, mode, times, depth, buffer).ConfigureAwait(false);
            }
            else
            {
                await ReceiveFileAsync(path, mode, size, times, buffer).ConfigureAwait(false);
            }

            times = null;
        }
    }

    private async Task ReceiveDirectoryAsync(string path, uint mode, (uint Mtime, uint Atime)? times, int depth, byte[] buffer)
    {
        try
        {
            var existing = await StatAsync(path).ConfigureAwait(false);
            if (existing is null)
            {
                // Owner rwx so the files that follow can be written; -p sets the real mode afterwards.
                await _fs.CreateDirectoryAsync(path, new SftpFileAttributes { Permissions = (mode & 0x1FF) | 0x1C0 }, _ct).ConfigureAwait(false);
            }
            else if (!existing.IsDirectory)
            {
                await ErrorAsync($"{path}: Not a directory").ConfigureAwait(false);
                return;
            }
        }
        catch (SftpException ex)
        {
            await ErrorAsync($"{path}: {Describe(ex)}").ConfigureAwait(false);
            return;
        }

        await SinkAsync(path, depth + 1, buffer).ConfigureAwait(false);
        if (_args.PreserveTimes)
        {
            // After the contents: writing them would change the directory's mtime.
            await ApplyAsync(path, mode, times, replyOk: false).ConfigureAwait(false);
        }
    }

    private async Task ReceiveFileAsync(string path, uint mode, long size, (uint Mtime, uint Atime)? times, byte[] buffer)
    {
        ISftpFile file;
        try
        {
            file = await _fs.OpenFileAsync(path, SftpOpenFlags.Write | SftpOpenFlags.Create | SftpOpenFlags.Truncate,
                new SftpFileAttributes { Permissions = mode & 0x1FF }, _ct).ConfigureAwait(false);
        }
        catch (SftpException ex)
        {
            // The client skips the data when the reply to C is an error.
            await ErrorAsync($"{path}: {Describe(ex)}").ConfigureAwait(false);
            return;
        }

        SftpException? writeError = null;
        bool closed = false;
        try
        {
            await _io.WriteAsync(s_zero, _ct).ConfigureAwait(false);
            long offset = 0;
            while (offset < size)
            {
                int n = await _io.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - offset)), _ct).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new ScpProtocolException("lost connection");
                }

                if (writeError is null)
                {
                    try
                    {
                        await file.WriteAsync(offset, buffer.AsMemory(0, n), _ct).ConfigureAwait(false);
                    }
                    catch (SftpException ex)
                    {
                        // Like OpenSSH: keep reading so the stream stays in step, report at the end.
                        writeError = ex;
                    }
                }

                offset += n;
            }

            // Read the client's verdict before committing, so a file it failed to read is not
            // published (atomic uploads are discarded by disposing without a close).
            bool clientOk = await ResponseAsync().ConfigureAwait(false);
            if (!clientOk)
            {
                // The client reported its own failure and still waits for our reply to move on.
                await _io.WriteAsync(s_zero, _ct).ConfigureAwait(false);
                return;
            }

            if (writeError is null)
            {
                try
                {
                    await file.CloseAsync(_ct).ConfigureAwait(false);
                    closed = true;
                }
                catch (SftpException ex)
                {
                    writeError = ex;
                }
            }
        }
        finally
        {
            if (!closed)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (closed)
        {
            await file.DisposeAsync().ConfigureAwait(false);
        }

        if (writeError is not null)
        {
            await ErrorAsync($"{path}: {Describe(writeError)}").ConfigureAwait(false);
            return;
        }

        await ApplyAsync(path, mode, _args.PreserveTimes ? times : null, replyOk: true).ConfigureAwait(false);
    }

    /// <summary>
    /// -p: mode and times after the data. Sends exactly one reply when <paramref name="replyOk"/>
    /// (\0, or the error), otherwise only an error.
    /// </summary>
    private async Task ApplyAsync(string path, uint mode, (uint Mtime, uint Atime)? times, bool replyOk)
    {
        try
        {
            if (_args.PreserveTimes)
            {
                await _fs.SetAttributesAsync(path, new SftpFileAttributes { Permissions = mode & 0xFFF }, true, _ct).ConfigureAwait(false);
                if (times is { } t)
                {
                    await _fs.SetAttributesAsync(path, new SftpFileAttributes { ModifyTime = t.Mtime, AccessTime = t.Atime }, true, _ct).ConfigureAwait(false);
                }
            }
        }
        catch (SftpException ex)
        {
            await ErrorAsync($"{path}: {Describe(ex)}").ConfigureAwait(false);
            return;
        }

        if (replyOk)
        {
            await _io.WriteAsync(s_zero, _ct).ConfigureAwait(false);
        }
    }

    /// <summary>"T&lt;mtime&gt; &lt;usec&gt; &lt;atime&gt; &lt;usec&gt;" (the leading T already read).</summary>
    internal static (uint Mtime, uint Atime) ParseTimes(string line)
    {
        var parts = line.Split(' ');
        if (parts.Length != 4)
        {
            throw new ScpProtocolException("bad T record");
        }

        uint mtime = ParseUInt(parts[0], uint.MaxValue, "mtime.sec");
        ParseUInt(parts[1], 999_999, "mtime.usec");
        uint atime = ParseUInt(parts[2], uint.MaxValue, "atime.sec");
        ParseUInt(parts[3], 999_999, "atime.usec");
        return (mtime, atime);
    }

    /// <summary>"&lt;4 octal digits&gt; &lt;size&gt; &lt;name&gt;" (the leading C or D already read).</summary>
    internal static (uint Mode, long Size, string Name) ParseRecord(string line)
    {
        if (line.Length < 5)
        {
            throw new ScpProtocolException("bad mode");
        }

        uint mode = 0;
        for (int i = 0; i < 4; i++)
        {
            char c = line[i];
            if (c is < '0' or > '7')
            {
                throw new ScpProtocolException("bad mode");
            }

            mode = (mode << 3) | (uint)(c - '0');
        }

        if (line[4] != ' ')
        {
            throw new ScpProtocolException("mode not delimited");
        }

        int space = line.IndexOf(' ', 5);
        if (space < 0)
        {
            throw new ScpProtocolException("size not delimited");
        }

        var sizeText = line.AsSpan(5, space - 5);
        if (sizeText.IsEmpty || !char.IsAsciiDigit(sizeText[0]))
        {
            throw new ScpProtocolException("size not present");
        }

        if (!long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out long size))
        {
            throw new ScpProtocolException("size out of range");
        }

        string name = line[(space + 1)..];
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new ScpProtocolException("unexpected filename: " + name);
        }

        return (mode, size, name);
    }

    private static uint ParseUInt(string text, uint max, string what)
    {
        if (text.Length == 0 || !uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint value) || value > max)
        {
            throw new ScpProtocolException(what + " not present or out of range");
        }

        return value;
    }

    // ---- source: the client downloads ----

    private async Task SourceAsync(string path, int depth, byte[] buffer)
    {
        SftpFileAttributes attrs;
        try
        {
            attrs = await _fs.GetAttributesAsync(path, true, _ct).ConfigureAwait(false);
        }
        catch (SftpException ex)
        {
            await ErrorAsync($"{path}: {Describe(ex)}").ConfigureAwait(false);
            return;
        }

        string name = path == "/" ? "" : path[(path.LastIndexOf('/') + 1)..];
        if (attrs.IsDirectory && !_args.Recursive || !attrs.IsDirectory && !attrs.IsRegularFile)
        {
            await ErrorAsync($"{path}: not a regular file").ConfigureAwait(false);
            return;
        }

        if (name.Length == 0)
        {
            // A D record must name the directory, and "/" is no name the sink would accept.
            await ErrorAsync($"{path}: cannot copy the root directory itself; name what is inside it").ConfigureAwait(false);
            return;
        }

        if (name.Contains('\n', StringComparison.Ordinal))
        {
            await ErrorAsync($"{path}: file name contains a newline").ConfigureAwait(false);
            return;
        }

        if (attrs.IsDirectory)
        {
            if (depth + 1 > MaxDepth)
            {
                await ErrorAsync($"{path}: directories nested too deep").ConfigureAwait(false);
                return;
            }

            await SendDirectoryAsync(path, name, attrs, depth, buffer).ConfigureAwait(false);
        }
        else
        {
            await SendFileAsync(path, name, attrs, buffer).ConfigureAwait(false);
        }
    }

    private async Task<bool> SendTimesAsync(SftpFileAttributes attrs)
    {
        if (!_args.PreserveTimes)
        {
            return true;
        }

        uint mtime = attrs.ModifyTime ?? 0, atime = attrs.AccessTime ?? mtime;
        await WriteAsync(string.Create(CultureInfo.InvariantCulture, $"T{mtime} 0 {atime} 0\n")).ConfigureAwait(false);
        return await ResponseAsync().ConfigureAwait(false);
    }

    private static string Header(char type, SftpFileAttributes attrs, long size, string name) =>
        string.Create(CultureInfo.InvariantCulture, $"{type}{Convert.ToString((attrs.Permissions ?? 0x1A4) & 0xFFF, 8).PadLeft(4, '0')} {size} {name}\n");

    private async Task SendFileAsync(string path, string name, SftpFileAttributes attrs, byte[] buffer)
    {
        ISftpFile file;
        try
        {
            file = await _fs.OpenFileAsync(path, SftpOpenFlags.Read, SftpFileAttributes.Empty, _ct).ConfigureAwait(false);
        }
        catch (SftpException ex)
        {
            await ErrorAsync($"{path}: {Describe(ex)}").ConfigureAwait(false);
            return;
        }

        await using (file.ConfigureAwait(false))
        {
            long size = (long)Math.Min(attrs.Size ?? 0, long.MaxValue);
            if (!await SendTimesAsync(attrs).ConfigureAwait(false))
            {
                return;
            }

            await WriteAsync(Header('C', attrs, size, name)).ConfigureAwait(false);
            if (!await ResponseAsync().ConfigureAwait(false))
            {
                return;
            }

            string? readError = null;
            long offset = 0;
            while (offset < size)
            {
                int want = (int)Math.Min(buffer.Length, size - offset);
                int n = 0;
                if (readError is null)
                {
                    try
                    {
                        while (n < want)
                        {
                            int r = await file.ReadAsync(offset + n, buffer.AsMemory(n, want - n), _ct).ConfigureAwait(false);
                            if (r == 0)
                            {
                                readError = "file shrank while being sent";
                                break;
                            }

                            n += r;
                        }
                    }
                    catch (SftpException ex)
                    {
                        readError = Describe(ex);
                    }
                }

                // The size is promised in the C record: after a failure, pad with zeros and say so at the end.
                buffer.AsSpan(n, want - n).Clear();
                await _io.WriteAsync(buffer.AsMemory(0, want), _ct).ConfigureAwait(false);
                offset += want;
            }

            if (readError is null)
            {
                await _io.WriteAsync(s_zero, _ct).ConfigureAwait(false);
                await file.CloseAsync(_ct).ConfigureAwait(false);
            }
            else
            {
                await ErrorAsync($"{path}: {readError}").ConfigureAwait(false);
            }

            await ResponseAsync().ConfigureAwait(false);
        }
    }

    private async Task SendDirectoryAsync(string path, string name, SftpFileAttributes attrs, int depth, byte[] buffer)
    {
        var names = new List<string>();
        try
        {
            var dir = await _fs.OpenDirectoryAsync(path, _ct).ConfigureAwait(false);
            await using (dir.ConfigureAwait(false))
            {
                while (await dir.ReadAsync(256, _ct).ConfigureAwait(false) is { } entries)
                {
                    names.AddRange(entries.Select(e => e.Name).Where(n => n is not "." and not ".."));
                }
            }
        }
        catch (SftpException ex)
        {
            await ErrorAsync($"{path}: {Describe(ex)}").ConfigureAwait(false);
            return;
        }

        if (!await SendTimesAsync(attrs).ConfigureAwait(false))
        {
            return;
        }

        await WriteAsync(Header('D', attrs, 0, name)).ConfigureAwait(false);
        if (!await ResponseAsync().ConfigureAwait(false))
        {
            return;
        }

        names.Sort(StringComparer.Ordinal);
        foreach (var child in names)
        {
            await SourceAsync(Combine(path, child), depth + 1, buffer).ConfigureAwait(false);
        }

        await WriteAsync("E\n").ConfigureAwait(false);
        await ResponseAsync().ConfigureAwait(false);
    }

    // ---- shared ----

    /// <summary>The peer's reply: \0 is success; \1 + message a reported error; \2 + message fatal.</summary>
    private async Task<bool> ResponseAsync()
    {
        int b = await _io.ReadByteAsync(_ct).ConfigureAwait(false);
        switch (b)
        {
            case 0:
                return true;
            case 1:
                await _io.ReadLineAsync(MaxLineLength, _ct).ConfigureAwait(false);
                _errors++;
                return false;
            case 2:
                await _io.ReadLineAsync(MaxLineLength, _ct).ConfigureAwait(false);
                throw new ScpFatalReplyException();
            case < 0:
                throw new ScpFatalReplyException();
            default:
                throw new ScpProtocolException("expected a response");
        }
    }

    private async Task ErrorAsync(string message)
    {
        _errors++;
        await WriteAsync($"\u0001scp: {message.Replace('\n', ' ')}\n").ConfigureAwait(false);
    }

    private ValueTask WriteAsync(string text) => _io.WriteAsync(Encoding.UTF8.GetBytes(text), _ct);

    private async Task<SftpFileAttributes?> StatAsync(string path)
    {
        try
        {
            return await _fs.GetAttributesAsync(path, true, _ct).ConfigureAwait(false);
        }
        catch (SftpException ex) when (ex.Code is SftpStatusCode.NoSuchFile or SftpStatusCode.NoSuchPath)
        {
            return null;
        }
    }

    private async Task<bool> IsDirectoryAsync(string path)
    {
        try
        {
            return (await StatAsync(path).ConfigureAwait(false))?.IsDirectory == true;
        }
        catch (SftpException)
        {
            return false;
        }
    }

    private static string Combine(string directory, string name) => directory == "/" ? "/" + name : directory + "/" + name;

    /// <summary>strerror-style texts where the status has one, so the client prints what OpenSSH would.</summary>
    internal static string Describe(SftpException ex) => ex.Code switch
    {
        SftpStatusCode.NoSuchFile or SftpStatusCode.NoSuchPath => "No such file or directory",
        SftpStatusCode.PermissionDenied => "Permission denied",
        SftpStatusCode.NotADirectory => "Not a directory",
        SftpStatusCode.FileAlreadyExists => "File exists",
        SftpStatusCode.DirNotEmpty => "Directory not empty",
        SftpStatusCode.NoSpaceOnFilesystem => "No space left on device",
        SftpStatusCode.QuotaExceeded => "Disk quota exceeded",
        _ => ex.Message,
    };

    /// <summary>The peer ended the transfer (fatal reply or end of input): stop without replying.</summary>
    private sealed class ScpFatalReplyException : Exception;
}
