namespace Wharf.Sftp.Protocol;

/// <summary>
/// A few spare objects of one kind kept for reuse, so the steady state of a transfer allocates
/// none: requests and reply writers come back here once done with. Bounded (what is not kept
/// is left to the collector) and shared by the session's threads.
/// </summary>
internal sealed class SparePool<T>(int capacity)
    where T : class
{
    private readonly T?[] _items = new T?[capacity];
    private readonly Lock _lock = new();
    private int _count;

    /// <summary>A spare object, or null when there is none.</summary>
    public T? TryTake()
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                return null;
            }

            var item = _items[--_count];
            _items[_count] = null;
            return item;
        }
    }

    /// <summary>Keeps <paramref name="item"/> if there is room. The caller must hold no other reference to it.</summary>
    public void Return(T item)
    {
        lock (_lock)
        {
            if (_count < _items.Length)
            {
                _items[_count++] = item;
            }
        }
    }
}
