using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Wharf.Server.Http.Auth;

/// <summary>
/// Slows password guessing against admin accounts: at most <see cref="MaxFailures"/> failed logins
/// from one client within <see cref="Window"/>; after that the client gets 429 until the window has
/// passed. Each refused attempt costs nothing (no password hash is computed), so a flood of guesses
/// cannot also burn the CPU on argon2.
/// <para>
/// An attempt takes its slot <em>before</em> the password is verified (<see cref="TryAcquire"/>)
/// and counts as a failure unless it then succeeds, so concurrent guesses cannot all pass the check
/// while the first ones are still being verified. IPv6 clients are counted per /64, the block one
/// subscriber usually holds, so rotating through its addresses does not reset the count.
/// </para>
/// </summary>
public sealed class LoginThrottle(TimeProvider? time = null)
{
    private readonly ConcurrentDictionary<IPAddress, Entry> _entries = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Failures allowed per client and window.</summary>
    public int MaxFailures { get; init; } = 10;

    /// <summary>How long failures are remembered.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long until <paramref name="address"/> may try again; null when it may now. Takes no slot.</summary>
    public TimeSpan? RetryAfter(IPAddress? address)
    {
        if (address is null || !_entries.TryGetValue(Key(address), out var entry))
        {
            return null;
        }

        lock (entry)
        {
            var now = _time.GetUtcNow();
            if (entry.Dead || now - entry.First >= Window)
            {
                return null;
            }

            return entry.Failures >= MaxFailures ? entry.First + Window - now : null;
        }
    }

    /// <summary>
    /// Takes a slot for one login attempt from <paramref name="address"/>, counted as a failure
    /// until <see cref="Succeeded"/> says otherwise. False, with the time to wait, when the client
    /// has no slot left: the password must then not be verified at all. A null address (no
    /// network peer, e.g. in-process calls) is never limited.
    /// </summary>
    public bool TryAcquire(IPAddress? address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (address is null)
        {
            return true;
        }

        var key = Key(address);
        while (true)
        {
            var now = _time.GetUtcNow();
            var entry = _entries.GetOrAdd(key, _ => new Entry { First = now });
            lock (entry)
            {
                if (entry.Dead)
                {
                    continue; // swept between GetOrAdd and the lock: take the entry that replaces it
                }

                if (now - entry.First >= Window)
                {
                    entry.First = now;
                    entry.Failures = 0;
                }

                if (entry.Failures >= MaxFailures)
                {
                    retryAfter = entry.First + Window - now;
                    return false;
                }

                // Check and count under one lock: this is what keeps concurrent guesses within the limit.
                entry.Failures++;
            }

            Sweep(now);
            return true;
        }
    }

    /// <summary>A successful login: clears the client's failures (its own slot included).</summary>
    public void Succeeded(IPAddress? address)
    {
        if (address is not null && _entries.TryGetValue(Key(address), out var entry))
        {
            lock (entry)
            {
                // Reset in place rather than removed: an attempt holding this entry still counts.
                entry.Failures = 0;
                entry.First = _time.GetUtcNow();
            }
        }
    }

    /// <summary>The client an address counts for: IPv4 (also when mapped into IPv6), or the IPv6 /64.</summary>
    internal static IPAddress Key(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }

    /// <summary>Bounded memory under a spray from many clients: forgets the windows that have passed.</summary>
    private void Sweep(DateTimeOffset now)
    {
        if (_entries.Count <= 10_000)
        {
            return;
        }

        foreach (var (key, value) in _entries)
        {
            lock (value)
            {
                if (!value.Dead && now - value.First >= Window)
                {
                    value.Dead = true;
                    _entries.TryRemove(new KeyValuePair<IPAddress, Entry>(key, value));
                }
            }
        }
    }

    private sealed class Entry
    {
        public DateTimeOffset First;
        public int Failures;
        public bool Dead;
    }
}
