namespace Wharf.Server.Accounts.Passwords;

/// <summary>
/// The memory Argon2 fills (19 MiB with our parameters, 64 MiB for SFTPGo's), kept for the next
/// hash instead of allocated per hash: a login storm would otherwise put one large-object-heap
/// array per attempt on the GC, and the process's memory would grow with the attempts in flight
/// until a gen-2 collection caught up.
/// </summary>
/// <remarks>
/// At most <see cref="Capacity"/> areas are kept (the password verifier sets it to its worker
/// count, so steady state is one area per worker), each at most <see cref="MaxPooledWords"/>;
/// a bigger request, or one when every kept area is in use, is allocated and dropped after use.
/// An area is handed out when it is at least as large as asked: Argon2 only touches the prefix
/// it needs.
/// <para>
/// What a reused area held does not matter for the result: in the first pass Argon2 writes every
/// block of the prefix it uses before any read of it (blocks 0 and 1 of each lane from H', every
/// other block as G(previous, reference) with both inputs already written in this pass, and the
/// output assigned, not XORed, in pass 0), so nothing stale is ever read. The area is still
/// cleared when it comes back (<see cref="Return"/>), so no password-derived state lingers in
/// the process between hashes — about 1 ms of memset against a ~25 ms hash.
/// </para>
/// </remarks>
internal static class Argon2WorkAreas
{
    /// <summary>Largest area kept: SFTPGo's default argon2id memory (64 MiB).</summary>
    internal const int MaxPooledWords = 65536 * 128;

    private static readonly Lock Sync = new();
    private static readonly List<ulong[]> Free = [];
    private static int _capacity = Environment.ProcessorCount;
    private static long _allocated;

    /// <summary>Areas kept at most (default: processor count).</summary>
    public static int Capacity
    {
        get => Volatile.Read(ref _capacity);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            lock (Sync)
            {
                _capacity = value;
                while (Free.Count > value)
                {
                    Free.RemoveAt(Free.Count - 1);
                }
            }
        }
    }

    /// <summary>Areas allocated so far (a reused one is not counted): for tests and diagnostics.</summary>
    public static long Allocated => Interlocked.Read(ref _allocated);

    /// <summary>Areas kept and free right now.</summary>
    public static int FreeCount
    {
        get
        {
            lock (Sync)
            {
                return Free.Count;
            }
        }
    }

    /// <summary>An area of at least <paramref name="words"/> 64-bit words; its content is unspecified (see the remarks).</summary>
    public static ulong[] Rent(int words)
    {
        if (words <= MaxPooledWords)
        {
            lock (Sync)
            {
                int best = -1;
                for (int i = 0; i < Free.Count; i++)
                {
                    if (Free[i].Length >= words && (best < 0 || Free[i].Length < Free[best].Length))
                    {
                        best = i;
                    }
                }

                if (best >= 0)
                {
                    var area = Free[best];
                    Free.RemoveAt(best);
                    return area;
                }
            }
        }

        Interlocked.Increment(ref _allocated);
        return GC.AllocateUninitializedArray<ulong>(words);
    }

    /// <summary>Clears the first <paramref name="usedWords"/> words and keeps the area if there is room (else drops it).</summary>
    public static void Return(ulong[] area, int usedWords)
    {
        Array.Clear(area, 0, Math.Min(usedWords, area.Length));
        if (area.Length > MaxPooledWords)
        {
            return;
        }

        lock (Sync)
        {
            if (Free.Count < _capacity)
            {
                Free.Add(area);
                return;
            }

            // Full: keep the larger of this one and the smallest kept, so one area fits any request up to the largest seen.
            int smallest = 0;
            for (int i = 1; i < Free.Count; i++)
            {
                if (Free[i].Length < Free[smallest].Length)
                {
                    smallest = i;
                }
            }

            if (Free.Count > 0 && Free[smallest].Length < area.Length)
            {
                Free[smallest] = area;
            }
        }
    }
}
