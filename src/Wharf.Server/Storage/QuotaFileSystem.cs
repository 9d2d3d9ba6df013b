using Wharf.Sftp;
using Wharf.Sftp.FileSystem;
using Wharf.Sftp.FileSystem.Local;

namespace Wharf.Server.Storage;

/// <summary>
/// Charges a user's quota for what is really stored, in the model <see cref="QuotaTracker"/>
/// documents (each distinct regular file once with its size; hard links, symlinks and directories
/// free). Every change is measured, not predicted: the file is stat'ed before and after the
/// operation and the difference is charged, so a failed operation changes nothing and a file
/// truncated behind a handle's back (SETSTAT on the path, another handle, another session) makes
/// the next write through that handle cost what it really adds. A change that could cross the
/// limit is reserved first and refused with "quota exceeded" when it does not fit; an upload is
/// refused before it starts when the quota is already used up.
/// </summary>
/// <remarks>
/// Removing a name refunds the file only when it was the file's last name (st_nlink 1), and then
/// only once no handle of the user holds it open. The user's measure-change-measure sequences run
/// one at a time (<see cref="QuotaTracker.Gate"/>) so that sessions working on the same file
/// cannot charge or refund the same bytes twice. In atomic upload mode the temporary file is
/// charged to its handle as the target's replacement: the target's size (when the upload will
/// free it) is credited, and what really happened is settled when the handle ends.
/// </remarks>
public sealed class QuotaFileSystem(IFileSystem inner, QuotaTracker tracker, UploadMode uploadMode) : IFileSystem, IFileOwnerNames, IDisposable
{
    private QuotaTracker Tracker => tracker;

    private UploadMode Mode => uploadMode;

    internal static SftpException Exceeded(string what) => new(SftpStatusCode.QuotaExceeded, $"quota exceeded: {what}");

    /// <inheritdoc/>
    public void Dispose() => (inner as IDisposable)?.Dispose();

    /// <inheritdoc/>
    public string? GetUserName(uint uid) => (inner as IFileOwnerNames)?.GetUserName(uid);

    /// <inheritdoc/>
    public string? GetGroupName(uint gid) => (inner as IFileOwnerNames)?.GetGroupName(gid);

    private static FileId? Id(SftpFileAttributes? attributes) =>
        attributes is { Inode: { } inode, Device: { } device } ? new FileId(device, inode) : null;

    private static long Size(SftpFileAttributes attributes) => (long)Math.Min(attributes.Size ?? 0, long.MaxValue);

    private static bool SameFile(SftpFileAttributes? a, SftpFileAttributes? b) =>
        a is not null && b is not null && Id(a) is { } x && Id(b) is { } y && x == y;

    private async ValueTask<SftpFileAttributes?> TryStatAsync(string path, bool followLinks, CancellationToken ct)
    {
        try
        {
            return await inner.GetAttributesAsync(path, followLinks, ct).ConfigureAwait(false);
        }
        catch (SftpException ex) when (ex.Code is SftpStatusCode.NoSuchFile or SftpStatusCode.NoSuchPath)
        {
            return null;
        }
    }

    private static async ValueTask<SftpFileAttributes?> TryStatAsync(ISftpFile file)
    {
        try
        {
            return await file.GetAttributesAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (SftpException)
        {
            return null;
        }
    }

    /// <summary>
    /// What removing the name <paramref name="before"/> described frees: the file and its size if
    /// that was its last name and no handle of the user holds it, else nothing (a symlink, a
    /// directory, a file with other names, or one still open, which is refunded at its last close).
    /// </summary>
    private (long Size, int Files) NameGone(SftpFileAttributes? before)
    {
        if (before is null || !before.IsRegularFile || (before.LinkCount ?? 1) > 1)
        {
            return (0, 0);
        }

        return Id(before) is { } id && tracker.TryDeferRemoval(id) ? (0, 0) : (Size(before), 1);
    }

    private async Task ApplyAndPersistAsync(long size, int files)
    {
        tracker.Apply(size, files);
        await tracker.PersistAsync(size, files).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask<ISftpFile> OpenFileAsync(string path, SftpOpenFlags flags, SftpFileAttributes attributes, CancellationToken ct)
    {
        bool writing = (flags & (SftpOpenFlags.Write | SftpOpenFlags.Append | SftpOpenFlags.Truncate)) != 0;
        bool atomic = (flags & (SftpOpenFlags.Write | SftpOpenFlags.Append)) != 0 && uploadMode != UploadMode.Standard;
        if (atomic)
        {
            return await OpenAtomicAsync(path, flags, attributes, ct).ConfigureAwait(false);
        }

        await tracker.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Open follows a final symlink (inside the home), so the file it reaches is the one measured.
            var before = writing ? await TryStatAsync(path, true, ct).ConfigureAwait(false) : null;
            if (writing && before is null && !tracker.CanCreateFile())
            {
                throw Exceeded("too many files");
            }

            if (writing && !tracker.HasRoom())
            {
                throw Exceeded("no space left in the user's quota");
            }

            var file = await inner.OpenFileAsync(path, flags, attributes, ct).ConfigureAwait(false);
            var after = await TryStatAsync(file).ConfigureAwait(false);
            long size = after is null ? 0 : Size(after);
            long charged = 0;
            int files = 0;
            if (writing && after is not null)
            {
                // Measured on the open descriptor: a truncation (OPEN with TRUNC) refunds what it
                // really removed from the file really opened, and a created file counts once.
                if (SameFile(before, after))
                {
                    charged = size - Size(before!);
                }
                else
                {
                    charged = size;
                    files = 1;
                }

                tracker.Apply(charged, files);
            }

            var id = Id(after);
            if (id is { } opened)
            {
                tracker.Opened(opened, size);
            }

            return new QuotaFile(this, file, path, id, (flags & SftpOpenFlags.Append) != 0, charged, files);
        }
        finally
        {
            tracker.Gate.Release();
        }
    }

    private async ValueTask<ISftpFile> OpenAtomicAsync(string path, SftpOpenFlags flags, SftpFileAttributes attributes, CancellationToken ct)
    {
        var target = await TryStatAsync(path, true, ct).ConfigureAwait(false);
        if (target is null && !tracker.CanCreateFile())
        {
            throw Exceeded("too many files");
        }

        if (!tracker.HasRoom())
        {
            throw Exceeded("no space left in the user's quota");
        }

        // Not under the gate: a resume copies the whole target into the temporary file first.
        var file = await inner.OpenFileAsync(path, flags, attributes, ct).ConfigureAwait(false);
        await tracker.Gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            var temp = await TryStatAsync(file).ConfigureAwait(false);
            long size = temp is null ? 0 : Size(temp);

            // The upload will free the target if this is its last name and nothing else holds it;
            // until then its size is a credit against the temporary file's.
            long credit = target is { IsRegularFile: true } && (target.LinkCount ?? 1) <= 1 && !(Id(target) is { } t && tracker.IsOpen(t))
                ? Size(target)
                : 0;
            var quotaFile = new QuotaFile(this, file, path, Id(temp), (flags & SftpOpenFlags.Append) != 0, 0, 0, credit);
            quotaFile.ChargeInFlight(size, target is null ? 1 : 0);
            if (Id(temp) is { } id)
            {
                tracker.Opened(id, size);
            }

            return quotaFile;
        }
        finally
        {
            tracker.Gate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask RemoveFileAsync(string path, CancellationToken ct)
    {
        await tracker.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var before = await TryStatAsync(path, false, ct).ConfigureAwait(false);
            await inner.RemoveFileAsync(path, ct).ConfigureAwait(false);
            var (size, files) = NameGone(before);
            await ApplyAndPersistAsync(-size, -files).ConfigureAwait(false);
        }
        finally
        {
            tracker.Gate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask RenameAsync(string oldPath, string newPath, bool overwrite, CancellationToken ct)
    {
        await tracker.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var source = await TryStatAsync(oldPath, false, ct).ConfigureAwait(false);
            var replaced = await TryStatAsync(newPath, false, ct).ConfigureAwait(false);
            await inner.RenameAsync(oldPath, newPath, overwrite, ct).ConfigureAwait(false);

            // Renaming a file onto another of its own names changes nothing (rename(2) does nothing).
            if (!SameFile(source, replaced))
            {
                var (size, files) = NameGone(replaced);
                await ApplyAndPersistAsync(-size, -files).ConfigureAwait(false);
            }
        }
        finally
        {
            tracker.Gate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask SetAttributesAsync(string path, SftpFileAttributes attributes, bool followLinks, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        if (attributes.Size is not { } newSize)
        {
            await inner.SetAttributesAsync(path, attributes, followLinks, ct).ConfigureAwait(false);
            return;
        }

        await tracker.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var before = await TryStatAsync(path, followLinks, ct).ConfigureAwait(false);
            if (before is not { IsRegularFile: true } || newSize > long.MaxValue)
            {
                // Nothing whose size can change: the file system gives the error.
                await inner.SetAttributesAsync(path, attributes, followLinks, ct).ConfigureAwait(false);
                return;
            }

            long reserved = Math.Max(0, (long)newSize - Size(before));
            if (reserved > 0 && !tracker.TryAddSize(reserved))
            {
                throw Exceeded("truncate beyond the quota");
            }

            long delta = 0;
            try
            {
                await inner.SetAttributesAsync(path, attributes, followLinks, ct).ConfigureAwait(false);
            }
            finally
            {
                var after = await TryStatAsync(path, followLinks, CancellationToken.None).ConfigureAwait(false);
                if (SameFile(before, after))
                {
                    delta = Size(after!) - Size(before);
                    tracker.Resized(Id(after)!.Value, Size(after!));
                }

                tracker.Apply(delta - reserved, 0);
            }

            await tracker.PersistAsync(delta, 0).ConfigureAwait(false);
        }
        finally
        {
            tracker.Gate.Release();
        }
    }

    /// <inheritdoc/>
    public ValueTask<SftpFileAttributes> GetAttributesAsync(string path, bool followLinks, CancellationToken ct) => inner.GetAttributesAsync(path, followLinks, ct);

    /// <inheritdoc/>
    public ValueTask<ISftpDirectory> OpenDirectoryAsync(string path, CancellationToken ct) => inner.OpenDirectoryAsync(path, ct);

    /// <inheritdoc/>
    public ValueTask CreateDirectoryAsync(string path, SftpFileAttributes attributes, CancellationToken ct) => inner.CreateDirectoryAsync(path, attributes, ct);

    /// <inheritdoc/>
    public ValueTask RemoveDirectoryAsync(string path, CancellationToken ct) => inner.RemoveDirectoryAsync(path, ct);

    /// <inheritdoc/>
    public ValueTask<string> ReadLinkAsync(string path, CancellationToken ct) => inner.ReadLinkAsync(path, ct);

    /// <summary>A symbolic link is not a file in the quota's model: it costs nothing, and removing it refunds nothing.</summary>
    public ValueTask CreateSymbolicLinkAsync(string linkPath, string targetPath, CancellationToken ct) => inner.CreateSymbolicLinkAsync(linkPath, targetPath, ct);

    /// <summary>
    /// A hard link is one more name for data already counted: it costs nothing, and removing a
    /// name refunds the file only when it was the last one. Under the gate, so that a removal
    /// running meanwhile sees the link count as it really is.
    /// </summary>
    public async ValueTask CreateHardLinkAsync(string existingPath, string newPath, CancellationToken ct)
    {
        await tracker.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await inner.CreateHardLinkAsync(existingPath, newPath, ct).ConfigureAwait(false);
        }
        finally
        {
            tracker.Gate.Release();
        }
    }

    /// <inheritdoc/>
    public ValueTask<string> GetCanonicalPathAsync(string path, CancellationToken ct) => inner.GetCanonicalPathAsync(path, ct);

    /// <inheritdoc/>
    public ValueTask<SftpFileSystemStats> GetFileSystemStatsAsync(string path, CancellationToken ct) => inner.GetFileSystemStatsAsync(path, ct);

    /// <summary>
    /// One open file. Each change through it is measured on the descriptor (fstat before and after),
    /// so what it costs is how far it really grows the file as it is on disk now, not as it was
    /// when the handle was opened. <paramref name="credit"/> is non-null for an atomic upload.
    /// </summary>
    private sealed class QuotaFile(QuotaFileSystem owner, ISftpFile file, string path, FileId? id, bool append, long charged, int files, long? credit = null) : ISftpFile
    {
        private readonly QuotaTracker _tracker = owner.Tracker;
        private long _pendingSize = charged;
        private int _pendingFiles = files;
        private long _inFlightSize;
        private int _inFlightFiles;
        private int _ended;

        private bool Atomic => credit is not null;

        /// <summary>An atomic upload's charge for a temporary file of <paramref name="size"/> bytes, past the target's credit.</summary>
        private long InFlightFor(long size) => Math.Max(0, size - credit!.Value);

        /// <summary>Sets the atomic upload's charge for the temporary file at <paramref name="size"/> bytes (forced: the bytes are there).</summary>
        internal void ChargeInFlight(long size, int newFiles)
        {
            long charge = InFlightFor(size);
            _tracker.Apply(charge - _inFlightSize, newFiles - _inFlightFiles);
            _inFlightSize = charge;
            _inFlightFiles = newFiles;
            if (id is { } temp)
            {
                _tracker.SetInFlight(this, temp, charge, newFiles);
            }
        }

        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct) => file.ReadAsync(offset, buffer, ct);

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken ct) =>
            ChangeAsync(size => (append ? size : offset) + data.Length, () => file.WriteAsync(offset, data, ct), "no space left in the user's quota", ct);

        public ValueTask<SftpFileAttributes> GetAttributesAsync(CancellationToken ct) => file.GetAttributesAsync(ct);

        public ValueTask SetAttributesAsync(SftpFileAttributes attributes, CancellationToken ct)
        {
            ArgumentNullException.ThrowIfNull(attributes);
            if (attributes.Size is not { } newSize || newSize > long.MaxValue)
            {
                // No size change, or one the file system refuses ("size out of range"): nothing to charge.
                return file.SetAttributesAsync(attributes, ct);
            }

            return ChangeAsync(_ => (long)newSize, () => file.SetAttributesAsync(attributes, ct), "truncate beyond the quota", ct);
        }

        /// <summary>
        /// Reserves what <paramref name="operation"/> can add at most (the file would end at
        /// <paramref name="plannedEnd"/> of its current size, or stay as long if longer for a
        /// write), runs it, then charges what it really changed.
        /// </summary>
        private async ValueTask ChangeAsync(Func<long, long> plannedEnd, Func<ValueTask> operation, string refusal, CancellationToken ct)
        {
            await _tracker.Gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                var before = await TryStatAsync(file).ConfigureAwait(false);
                if (before is null)
                {
                    await operation().ConfigureAwait(false);
                    return;
                }

                long size = Size(before);
                long end = plannedEnd(size);
                long reserved = Atomic ? InFlightFor(Math.Max(end, 0)) - _inFlightSize : end - size;
                reserved = Math.Max(0, reserved);
                if (reserved > 0 && !_tracker.TryAddSize(reserved))
                {
                    throw Exceeded(refusal);
                }

                try
                {
                    await operation().ConfigureAwait(false);
                }
                finally
                {
                    // Whatever happened — success, failure, a partial write — the file's size now says what it cost.
                    var after = await TryStatAsync(file).ConfigureAwait(false);
                    long now = after is null ? size : Size(after);
                    _tracker.Apply(-reserved, 0);
                    if (Atomic)
                    {
                        ChargeInFlight(now, _inFlightFiles);
                    }
                    else
                    {
                        _tracker.Apply(now - size, 0);
                        _pendingSize += now - size;
                    }

                    if (id is { } opened)
                    {
                        _tracker.Resized(opened, now);
                    }
                }
            }
            finally
            {
                _tracker.Gate.Release();
            }
        }

        public ValueTask FlushAsync(CancellationToken ct) => file.FlushAsync(ct);

        public async ValueTask CloseAsync(CancellationToken ct) => await EndAsync(close: true).ConfigureAwait(false);

        public async ValueTask DisposeAsync()
        {
            if (!await EndAsync(close: false).ConfigureAwait(false))
            {
                await file.DisposeAsync().ConfigureAwait(false); // closed before: only releases what is left
            }
        }

        /// <summary>Closes (CLOSE) or aborts (disposal without CLOSE) the file and settles its quota; false when it had already ended.</summary>
        private async ValueTask<bool> EndAsync(bool close)
        {
            if (Interlocked.Exchange(ref _ended, 1) != 0)
            {
                return false;
            }

            await _tracker.Gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                var last = await TryStatAsync(file).ConfigureAwait(false);
                long size = last is null ? 0 : Size(last);
                var target = Atomic ? await owner.TryStatAsync(path, true, CancellationToken.None).ConfigureAwait(false) : null;
                bool placed = false;
                try
                {
                    if (close)
                    {
                        await file.CloseAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                    else
                    {
                        await file.DisposeAsync().ConfigureAwait(false);
                    }

                    // An abort in resume mode moves the partial upload into place; if that rename
                    // fails it is removed, which cannot be told from here: counted as placed (the
                    // error is on the side of charging too much, until the next scan).
                    placed = close || owner.Mode == UploadMode.AtomicWithResume;
                }
                finally
                {
                    if (Atomic)
                    {
                        await SettleAtomicAsync(placed, size, target).ConfigureAwait(false);
                    }

                    if (id is { } opened && _tracker.Closed(opened, size) is { } orphan)
                    {
                        // The last handle on a file whose last name was removed: its data is gone now.
                        _tracker.Apply(-orphan, -1);
                        _pendingSize -= orphan;
                        _pendingFiles--;
                    }

                    long persistSize = _pendingSize;
                    int persistFiles = _pendingFiles;
                    _pendingSize = 0;
                    _pendingFiles = 0;
                    await _tracker.PersistAsync(persistSize, persistFiles).ConfigureAwait(false);
                }
            }
            finally
            {
                _tracker.Gate.Release();
            }

            return true;
        }

        /// <summary>
        /// The atomic upload ended: its temporary file was moved into place (<paramref name="placed"/>:
        /// CLOSE, or an abort in resume mode) or removed. The in-flight charge is replaced by what
        /// really changed: the new file, minus the target it replaced if that was the target's last
        /// name. If the file is not where the path now leads (a directory renamed meanwhile), what
        /// it replaced is unknown and nothing is refunded for it.
        /// </summary>
        private async ValueTask SettleAtomicAsync(bool placed, long size, SftpFileAttributes? target)
        {
            long bytes = 0;
            int count = 0;
            if (placed)
            {
                var now = await owner.TryStatAsync(path, true, CancellationToken.None).ConfigureAwait(false);
                bool atPath = now is not null && id is { } temp && Id(now) == temp;
                bytes = size;
                count = 1;
                if (atPath && target is not null && !SameFile(target, now))
                {
                    var (freed, freedFiles) = owner.NameGone(target);
                    bytes -= freed;
                    count -= freedFiles;
                }
            }

            _tracker.Apply(bytes - _inFlightSize, count - _inFlightFiles);
            _pendingSize += bytes;
            _pendingFiles += count;
            _inFlightSize = 0;
            _inFlightFiles = 0;
            _tracker.EndInFlight(this);
        }
    }
}
