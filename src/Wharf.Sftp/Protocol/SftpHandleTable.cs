using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Wharf.Sftp.Protocol;

/// <summary>
/// The open handles of one session. Handle strings are 32 hex digits from 16 random bytes: they
/// reveal nothing and cannot be guessed, so a handle from another session (or a made-up one) is
/// simply unknown here.
/// </summary>
internal sealed class SftpHandleTable(int maxHandles)
{
    public const int HandleLength = 32;

    private readonly ConcurrentDictionary<string, SftpHandle> _handles = new(StringComparer.Ordinal);
    private int _reserved;

    public int Count => _handles.Count;

    /// <summary>Claims room for one more handle before the file is opened, so a refusal costs no open.</summary>
    public bool TryReserve()
    {
        if (Interlocked.Increment(ref _reserved) > maxHandles)
        {
            Interlocked.Decrement(ref _reserved);
            return false;
        }

        return true;
    }

    public void Unreserve() => Interlocked.Decrement(ref _reserved);

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(HandleLength / 2));

    /// <summary>Adds a handle for which room was reserved.</summary>
    public void Add(SftpHandle handle)
    {
        if (!_handles.TryAdd(handle.Id, handle))
        {
            throw new InvalidOperationException("duplicate handle");
        }
    }

    public SftpHandle? Find(string id) => _handles.TryGetValue(id, out var h) ? h : null;

    /// <summary>Takes the handle out of the table (and frees its room); null when unknown.</summary>
    public SftpHandle? Remove(string id)
    {
        if (_handles.TryRemove(id, out var h))
        {
            Interlocked.Decrement(ref _reserved);
            return h;
        }

        return null;
    }

    public List<SftpHandle> RemoveAll()
    {
        var all = new List<SftpHandle>();
        foreach (var id in _handles.Keys)
        {
            if (Remove(id) is { } h)
            {
                all.Add(h);
            }
        }

        return all;
    }
}
