namespace Wharf.Server.Accounts;

/// <summary>
/// The open sessions of each user, for max_sessions. A login reserves its slot with
/// <see cref="TryAcquire"/> — check and increment in one step under a lock — so simultaneous
/// logins cannot all see "none open yet" and all get in; the session gives it back with
/// <see cref="Release"/> when it ends. Every session is counted, limited or not, so lowering a
/// user's max_sessions while it is connected counts the sessions already open.
/// </summary>
public sealed class SessionSlots
{
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>
    /// The lock every change takes. Callers that must tie a reservation to other state (a
    /// session that may end meanwhile) take it around both; it is re-entrant.
    /// </summary>
    public object SyncRoot => _open;

    /// <summary>
    /// Reserves a session for <paramref name="username"/>: true (counted) when fewer than
    /// <paramref name="maxSessions"/> are open or the limit is 0 (unlimited), false (nothing
    /// counted) otherwise. Every true must be matched by one <see cref="Release"/>.
    /// </summary>
    public bool TryAcquire(string username, int maxSessions)
    {
        ArgumentNullException.ThrowIfNull(username);
        lock (SyncRoot)
        {
            int open = _open.GetValueOrDefault(username);
            if (maxSessions > 0 && open >= maxSessions)
            {
                return false;
            }

            _open[username] = open + 1;
            return true;
        }
    }

    /// <summary>Gives back one slot reserved by <see cref="TryAcquire"/>.</summary>
    public void Release(string username)
    {
        ArgumentNullException.ThrowIfNull(username);
        lock (SyncRoot)
        {
            int open = _open.GetValueOrDefault(username);
            if (open <= 1)
            {
                _open.Remove(username); // no entry left behind per user ever seen
            }
            else
            {
                _open[username] = open - 1;
            }
        }
    }

    /// <summary>The sessions of <paramref name="username"/> holding a slot now.</summary>
    public int Count(string username)
    {
        lock (SyncRoot)
        {
            return _open.GetValueOrDefault(username);
        }
    }
}
