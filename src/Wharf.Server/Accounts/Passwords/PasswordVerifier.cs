using System.Runtime.InteropServices;

namespace Wharf.Server.Accounts.Passwords;

/// <summary>
/// Runs expensive password checks (argon2id, bcrypt, pbkdf2, sha-crypt) on a fixed number of
/// dedicated worker threads behind a bounded wait queue, so a login storm waits for a worker or
/// is refused at once, and never takes the threads or the memory the other sessions need.
/// </summary>
/// <remarks>
/// <para>
/// Why dedicated threads and not the thread pool: the pool runs every session's receive loop
/// and socket completions. A check is 20–60 ms of pure CPU; run there (as the SSH layer's
/// <c>await Authenticate(...)</c> did, inline on the receive loop), a few hundred at once hold
/// every pool thread, the pool injects new ones only a couple per second, and the I/O
/// continuations of running transfers queue behind the hashes. <c>Task.Run</c> or an async
/// semaphore over the pool would bound the concurrency but still run the hashes on pool threads.
/// So the checks run on <see cref="Workers"/> threads of their own (default one per core), which
/// wait for work on a monitor (a wait on their own thread, never on a pool thread); callers
/// get a <see cref="Task{T}"/> completed by the worker, with continuations run asynchronously
/// so no session code ever runs on a worker. On Linux each worker also lowers its own
/// scheduling priority (nice +5, allowed unprivileged): when a storm keeps every worker busy,
/// the kernel still gives transfer threads the larger share of a core when they need it.
/// Argon2 lanes run one after the other on the worker (<see cref="Argon2.SequentialLanes"/>),
/// so a p=2 hash does not hand its second lane to the pool.
/// </para>
/// <para>
/// The queue holds at most <see cref="QueueLimit"/> checks waiting for a worker; one more is
/// refused (<see cref="TryRun{T}"/> returns false) and the caller fails the login at once. A
/// waiting check whose token is cancelled (the connection went away) leaves the queue at once;
/// a running one cannot be interrupted, but its caller is released immediately.
/// </para>
/// <para>
/// Memory: each worker's Argon2 work area is reused (<see cref="Argon2WorkAreas"/>, whose
/// capacity is set to the worker count), so a storm costs one area per worker, not one per attempt.
/// </para>
/// </remarks>
public sealed partial class PasswordVerifier : IDisposable
{
    /// <summary>The reason logged for a login refused because the queue was full.</summary>
    public const string QueueFullReason = "server busy: password verification queue full";

    private readonly object _sync = new(); // a monitor: the workers wait on it
    private readonly LinkedList<WorkItem> _queue = new();
    private readonly Thread[] _threads;
    private int _running;
    private bool _disposed;
    private long _completed;
    private long _refused;
    private long _cancelled;
    private long _refusedSinceReport;
    private long _lastReportTicks = long.MinValue;

    /// <param name="workers">Checks run at once; 0 for one per processor.</param>
    /// <param name="queueLimit">Checks waiting at most; 0 for the default (the larger of 64 and four per worker).</param>
    public PasswordVerifier(int workers = 0, int queueLimit = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workers);
        ArgumentOutOfRangeException.ThrowIfNegative(queueLimit);
        Workers = workers > 0 ? workers : Environment.ProcessorCount;
        QueueLimit = queueLimit > 0 ? queueLimit : DefaultQueueLimit(Workers);
        Argon2WorkAreas.Capacity = Math.Max(Argon2WorkAreas.Capacity, Workers);
        _threads = new Thread[Workers];
        for (int i = 0; i < Workers; i++)
        {
            _threads[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"password-verifier-{i}" };
            _threads[i].Start();
        }
    }

    /// <summary>The default wait queue for <paramref name="workers"/> workers: the larger of 64 and four per worker.</summary>
    public static int DefaultQueueLimit(int workers) => Math.Max(64, 4 * workers);

    /// <summary>Checks run at once.</summary>
    public int Workers { get; }

    /// <summary>Checks that may wait for a worker.</summary>
    public int QueueLimit { get; }

    /// <summary>Checks waiting now.</summary>
    public int Queued
    {
        get
        {
            lock (_sync)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Checks running now.</summary>
    public int Running => Volatile.Read(ref _running);

    /// <summary>Checks run to the end so far.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Checks refused so far because the queue was full.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Checks abandoned by their caller (connection gone) before they ran.</summary>
    public long Cancelled => Interlocked.Read(ref _cancelled);

    /// <summary>
    /// Raised, at most once per <see cref="SaturationReportInterval"/>, when checks are being
    /// refused: a message with the number refused since the last one (for the service log, so a
    /// storm is reported once, not once per attempt). Raised on the refusing caller's thread.
    /// </summary>
    public event Action<string>? Saturated;

    /// <summary>Minimum time between two <see cref="Saturated"/> reports.</summary>
    public TimeSpan SaturationReportInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Queues <paramref name="check"/> for a worker. False, at once, when <see cref="QueueLimit"/>
    /// checks are already waiting, or the verifier is disposed (the caller should fail the attempt); else
    /// <paramref name="result"/> completes with the check's value, or is cancelled when
    /// <paramref name="cancellationToken"/> fires first. Never blocks.
    /// </summary>
    public bool TryRun<T>(Func<T> check, CancellationToken cancellationToken, out Task<T> result)
    {
        ArgumentNullException.ThrowIfNull(check);
        var item = new WorkItem<T>(check, this);
        if (cancellationToken.CanBeCanceled)
        {
            // Registered before the item is queued, so a worker never sees it half set up. Already
            // cancelled: the callback runs here and completes the task, and the item is not queued.
            item.Registration = cancellationToken.UnsafeRegister(static (state, token) => ((WorkItem)state!).Cancel(token), item);
        }

        result = item.Task;
        lock (_sync)
        {
            if (item.Task.IsCompleted)
            {
                return true;
            }

            if (_queue.Count >= QueueLimit || _disposed)
            {
                item.Registration.Dispose();
                result = Task.FromResult(default(T)!);
                Refuse();
                return false;
            }

            item.Node = _queue.AddLast(item);
            Monitor.Pulse(_sync);
        }

        return true;
    }

    private void Refuse()
    {
        Interlocked.Increment(ref _refused);
        long since = Interlocked.Increment(ref _refusedSinceReport);
        var handler = Saturated;
        if (handler is null)
        {
            return;
        }

        long now = Environment.TickCount64;
        long last = Interlocked.Read(ref _lastReportTicks);
        if (last != long.MinValue && now - last < (long)SaturationReportInterval.TotalMilliseconds)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _lastReportTicks, now, last) != last)
        {
            return; // another caller reports this one
        }

        Interlocked.Add(ref _refusedSinceReport, -since);
        handler($"{QueueFullReason} ({QueueLimit} waiting, {Workers} verifying): refusing password logins at once; {since} refused since the last report, {Refused} in all");
    }

    /// <summary>Stops the workers after the checks they are running; queued checks are cancelled.</summary>
    public void Dispose()
    {
        List<WorkItem> abandoned;
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            abandoned = [.. _queue];
            _queue.Clear();
            Monitor.PulseAll(_sync);
        }

        foreach (var item in abandoned)
        {
            item.Node = null;
            item.Abandon();
        }
    }

    private void WorkerLoop()
    {
        Argon2.SequentialLanes = true;
        LowerPriority();
        while (true)
        {
            WorkItem item;
            lock (_sync)
            {
                while (_queue.First is null && !_disposed)
                {
                    Monitor.Wait(_sync);
                }

                if (_queue.First is not { } first)
                {
                    return; // disposed and nothing left
                }

                item = first.Value;
                _queue.RemoveFirst();
                item.Node = null; // running: a cancellation no longer removes it
                _running++;
            }

            item.Run(); // never throws: the check's exception goes to its caller
        }
    }

    /// <summary>Called by an item when its check has run, before its caller is released (so the counts are current when it resumes).</summary>
    private void Finished()
    {
        lock (_sync)
        {
            _running--;
        }

        Interlocked.Increment(ref _completed);
    }

    /// <summary>Removes a waiting item from the queue; false when a worker already took it.</summary>
    private bool TryRemove(WorkItem item)
    {
        lock (_sync)
        {
            if (item.Node is not { } node)
            {
                return false;
            }

            _queue.Remove(node);
            item.Node = null;
            Interlocked.Increment(ref _cancelled);
            return true;
        }
    }

    private abstract class WorkItem
    {
        public LinkedListNode<WorkItem>? Node; // guarded by the verifier's lock; null once running or removed
        public CancellationTokenRegistration Registration;

        public abstract void Run();

        public abstract void Cancel(CancellationToken token);

        public abstract void Abandon();
    }

    private sealed class WorkItem<T>(Func<T> check, PasswordVerifier owner) : WorkItem
    {
        // Continuations run asynchronously: the caller's code (the SSH session) never runs on a worker thread.
        private readonly TaskCompletionSource<T> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _tcs.Task;

        public override void Run()
        {
            T value = default!;
            Exception? error = null;
            try
            {
                if (!_tcs.Task.IsCompleted)
                {
                    value = check();
                }
            }
            catch (Exception e)
            {
                error = e;
            }

            owner.Finished();
            Registration.Dispose();
            if (error is null)
            {
                _tcs.TrySetResult(value);
            }
            else
            {
                _tcs.TrySetException(error);
            }
        }

        public override void Cancel(CancellationToken token)
        {
            // Waiting: leave the queue so the slot is free at once. Running: the hash finishes on its
            // worker (it cannot be interrupted), but the caller stops waiting for it now.
            owner.TryRemove(this);
            _tcs.TrySetCanceled(token);
        }

        public override void Abandon()
        {
            Registration.Dispose();
            _tcs.TrySetException(new ObjectDisposedException(nameof(PasswordVerifier)));
        }
    }

    private static void LowerPriority()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            // PRIO_PROCESS with a thread id changes that thread only (Linux). Raising one's own nice needs no privilege.
            _ = setpriority(0, gettid(), 5);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // An old libc without gettid: stay at normal priority.
        }
    }

    [LibraryImport("libc")]
    private static partial int gettid();

    [LibraryImport("libc")]
    private static partial int setpriority(int which, int who, int prio);
}
