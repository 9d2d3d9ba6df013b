using System.Collections.Concurrent;
using System.Net;

namespace Wharf.Server.Http.Auth;

/// <summary>
/// Slows password guessing against admin accounts: after <see cref="MaxFailures"/> failed logins
/// from one address within <see cref="Window"/>, that address gets 429 until the window has passed.
/// Each refused attempt costs nothing (no password hash is computed), so a flood of guesses cannot
/// also burn the CPU on argon2.
/// </summary>
public sealed class LoginThrottle(TimeProvider? time = null)
{
    private readonly ConcurrentDictionary<IPAddress, Entry> _entries = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Failures allowed per address and window.</summary>
    public int MaxFailures { get; init; } = 10;

    /// <summary>How long failures are remembered.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long until <paramref name="address"/> may try again; null when it may now.</summary>
    public TimeSpan? RetryAfter(IPAddress? address)
    {
        if (address is null || !_entries.TryGetValue(address, out var entry))
        {
            return null;
        }

        lock (entry)
        {
            var now = _time.GetUtcNow();
            if (now - entry.First >= Window)
            {
                return null;
            }

            return entry.Failures >= MaxFailures ? entry.First + Window - now : null;
        }
    }

    /// <summary>Counts a failed login from <paramref name="address"/>.</summary>
    public void Failed(IPAddress? address)
    {
        if (address is null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var entry = _entries.GetOrAdd(address, _ => new Entry { First = now });
        lock (entry)
        {
            if (now - entry.First >= Window)
            {
                entry.First = now;
                entry.Failures = 0;
            }

            entry.Failures++;
        }

        if (_entries.Count > 10_000)
        {
            // Bounded memory under a spray from many addresses: forget the windows that have passed.
            foreach (var (key, value) in _entries)
            {
                if (now - value.First >= Window)
                {
                    _entries.TryRemove(key, out _);
                }
            }
        }
    }

    /// <summary>A successful login clears the address's failures.</summary>
    public void Succeeded(IPAddress? address)
    {
        if (address is not null)
        {
            _entries.TryRemove(address, out _);
        }
    }

    private sealed class Entry
    {
        public DateTimeOffset First;
        public int Failures;
    }
}
