namespace Wharf.Server.Storage;

/// <summary>
/// One user's used quota, shared by all of that user's sessions on this node. Reservations are
/// atomic: a write that would cross the limit is refused and nothing is charged for it. Changes
/// are handed to <see cref="Persist"/> (the data provider) when files are closed or removed.
/// </summary>
public sealed class QuotaTracker
{
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

    public long UsedSize => Interlocked.Read(ref _usedSize);

    public int UsedFiles => Volatile.Read(ref _usedFiles);

    /// <summary>Receives (size delta, files delta) to record durably; may be null.</summary>
    public Func<long, int, Task>? Persist { get; set; }

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

    /// <summary>Sets the used quota to a measured value (after a rescan of the home).</summary>
    public void Reset(long usedSize, int usedFiles)
    {
        Interlocked.Exchange(ref _usedSize, usedSize);
        Interlocked.Exchange(ref _usedFiles, usedFiles);
    }

    internal Task PersistAsync(long size, int files) =>
        (size == 0 && files == 0) || Persist is null ? Task.CompletedTask : Persist(size, files);
}
