namespace Wharf.Server.Storage;

/// <summary>
/// One user's used quota, shared by all of that user's sessions on this node. Reservations are
/// atomic: a write that would cross the limit is refused and nothing is charged for it. Changes
/// are handed to <see cref="Persist"/> (the data provider) when files are closed or removed.
/// </summary>
/// <remarks>
/// The counting model (shared with <see cref="QuotaScanner"/>, see docs/serve.md): every distinct
/// regular file (inode) that has a name in the home counts as one file with its size, however many
/// hard links it has; symbolic links, directories and other special files never count. A file the
/// user still holds open keeps counting after its last name is removed, until the last handle on it
/// is closed — its data is still on disk and readable through the handle. An atomic upload's
/// temporary file is charged to its handle as the replacement of its target (see
/// <see cref="QuotaFileSystem"/>).
/// </remarks>
public sealed class QuotaTracker
{
    private readonly object _state = new();
    private readonly Dictionary<FileId, OpenFile> _open = [];
    private readonly Dictionary<object, InFlight> _inFlight = new(ReferenceEqualityComparer.Instance);
    private long _usedSize;
    private int _usedFiles;

    /// <summary>Starts from the used quota recorded for the user.</summary>
    public QuotaTracker(long usedSize, int usedFiles, long limitSize, int limitFiles, bool enforce)
    {
        _usedSize = usedSize;
        _usedFiles = usedFiles;
        LimitSize = limitSize;
        LimitFiles = limitFiles;
        Enforce = enforce;
    }

    /// <summary>Bytes allowed (0 unlimited).</summary>
    public long LimitSize { get; set; }

    /// <summary>Files allowed (0 unlimited).</summary>
    public int LimitFiles { get; set; }

    /// <summary>False: only track (track_quota 2 for users without limits, or limits not enforced).</summary>
    public bool Enforce { get; set; }

    /// <summary>Bytes used.</summary>
    public long UsedSize => Interlocked.Read(ref _usedSize);

    /// <summary>Files used.</summary>
    public int UsedFiles => Volatile.Read(ref _usedFiles);

    /// <summary>Receives (size delta, files delta) to record durably; may be null.</summary>
    public Func<long, int, Task>? Persist { get; set; }

    /// <summary>
    /// Serialises the user's measure-change-measure sequences (stat before, the operation, stat
    /// after) across all of the user's sessions on this node, so that two of them working on the
    /// same file cannot both charge — or both refund — the same bytes.
    /// </summary>
    internal SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>True when one more file may be created.</summary>
    public bool CanCreateFile() => !Enforce || LimitFiles <= 0 || UsedFiles < LimitFiles;

    /// <summary>True when there is room for at least one more byte.</summary>
    public bool HasRoom() => !Enforce || LimitSize <= 0 || UsedSize < LimitSize;

    /// <summary>Charges <paramref name="bytes"/> (may be negative); false (and nothing charged) when it would exceed the limit.</summary>
    public bool TryAddSize(long bytes)
    {
        long after = Interlocked.Add(ref _usedSize, bytes);
        if (bytes > 0 && Enforce && LimitSize > 0 && after > LimitSize)
        {
            Interlocked.Add(ref _usedSize, -bytes);
            return false;
        }

        return true;
    }

    /// <summary>Adds <paramref name="files"/> (may be negative) to the file count.</summary>
    public void AddFiles(int files) => Interlocked.Add(ref _usedFiles, files);

    /// <summary>
    /// Records a change that has already happened on disk: never refused, since the bytes are there
    /// whether or not they fit (a reservation made before is corrected by it).
    /// </summary>
    internal void Apply(long bytes, int files)
    {
        Interlocked.Add(ref _usedSize, bytes);
        Interlocked.Add(ref _usedFiles, files);
    }

    /// <summary>Sets the used quota to an exact value (an administrator's reset).</summary>
    public void Reset(long usedSize, int usedFiles)
    {
        Interlocked.Exchange(ref _usedSize, usedSize);
        Interlocked.Exchange(ref _usedFiles, usedFiles);
    }

    /// <summary>
    /// Sets the used quota from a scan of the home (<see cref="QuotaScanner"/>), adding what a scan
    /// cannot see but the model counts: files whose last name is gone while a handle still holds
    /// them, and the charges of atomic uploads in flight (whose temporary files the scan skipped).
    /// </summary>
    public void ApplyScan(ScannedQuota scanned)
    {
        ArgumentNullException.ThrowIfNull(scanned);
        lock (_state)
        {
            long size = scanned.Size;
            int files = scanned.Files;
            foreach (var open in _open.Values.Where(o => o.Orphaned))
            {
                size += open.Size;
                files++;
            }

            foreach (var upload in _inFlight.Values)
            {
                size += upload.Size;
                files += upload.Files;
            }

            Reset(size, files);
        }
    }

    /// <summary>The temporary files of the atomic uploads in flight, which a scan must skip (their handles carry their charge).</summary>
    internal IReadOnlySet<FileId> InFlightFiles()
    {
        lock (_state)
        {
            return _inFlight.Values.Select(u => u.File).ToHashSet();
        }
    }

    /// <summary>A handle on <paramref name="file"/> (current size <paramref name="size"/>) was opened.</summary>
    internal void Opened(FileId file, long size)
    {
        lock (_state)
        {
            if (_open.TryGetValue(file, out var open))
            {
                open.Handles++;
                open.Size = size;
            }
            else
            {
                _open[file] = new OpenFile { Handles = 1, Size = size };
            }
        }
    }

    /// <summary>The size of an open file changed (kept so that a scan can add an orphan it cannot see).</summary>
    internal void Resized(FileId file, long size)
    {
        lock (_state)
        {
            if (_open.TryGetValue(file, out var open))
            {
                open.Size = size;
            }
        }
    }

    /// <summary>True while a handle of the user holds <paramref name="file"/>.</summary>
    internal bool IsOpen(FileId file)
    {
        lock (_state)
        {
            return _open.ContainsKey(file);
        }
    }

    /// <summary>
    /// The last name of <paramref name="file"/> is gone. True when a handle still holds it: it then
    /// stays charged until that handle is closed. False: the caller refunds it now.
    /// </summary>
    internal bool TryDeferRemoval(FileId file)
    {
        lock (_state)
        {
            if (_open.TryGetValue(file, out var open))
            {
                open.Orphaned = true;
                return true;
            }

            return false;
        }
    }

    /// <summary>
    /// A handle on <paramref name="file"/> was closed. When it was the last one on a file whose last
    /// name had been removed, returns the size to refund (with one file); otherwise null.
    /// </summary>
    internal long? Closed(FileId file, long size)
    {
        lock (_state)
        {
            if (!_open.TryGetValue(file, out var open))
            {
                return null;
            }

            open.Size = size;
            if (--open.Handles > 0)
            {
                return null;
            }

            _open.Remove(file);
            return open.Orphaned ? open.Size : null;
        }
    }

    /// <summary>Records (or updates) what an atomic upload in flight, identified by <paramref name="handle"/>, is charged.</summary>
    internal void SetInFlight(object handle, FileId temporary, long size, int files)
    {
        lock (_state)
        {
            _inFlight[handle] = new InFlight(temporary, size, files);
        }
    }

    /// <summary>The atomic upload <paramref name="handle"/> ended.</summary>
    internal void EndInFlight(object handle)
    {
        lock (_state)
        {
            _inFlight.Remove(handle);
        }
    }

    internal Task PersistAsync(long size, int files) =>
        (size == 0 && files == 0) || Persist is null ? Task.CompletedTask : Persist(size, files);

    private sealed class OpenFile
    {
        public int Handles;
        public long Size;
        public bool Orphaned;
    }

    private readonly record struct InFlight(FileId File, long Size, int Files);
}

/// <summary>A file's identity on the local file system: device and inode.</summary>
/// <param name="Device">st_dev.</param>
/// <param name="Inode">st_ino.</param>
public readonly record struct FileId(ulong Device, ulong Inode);

/// <summary>A measured used quota.</summary>
/// <param name="Size">Bytes.</param>
/// <param name="Files">Files.</param>
public sealed record ScannedQuota(long Size, int Files);
