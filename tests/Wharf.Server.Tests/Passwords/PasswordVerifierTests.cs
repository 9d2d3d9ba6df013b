using Wharf.Server.Accounts.Passwords;

namespace Wharf.Server.Tests.Passwords;

public class PasswordVerifierTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Queues <paramref name="check"/>, failing the test if the queue refuses it.</summary>
    private static Task<T> Run<T>(PasswordVerifier v, Func<T> check, CancellationToken ct = default)
    {
        Assert.True(v.TryRun(check, ct, out var task), "refused");
        return task;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(5, Ct);
        }
    }

    [Fact]
    public async Task NoMoreChecksRunAtOnceThanThereAreWorkers()
    {
        using var v = new PasswordVerifier(workers: 3, queueLimit: 100);
        int running = 0, most = 0;
        var tasks = Enumerable.Range(0, 30).Select(_ => Run(v, () =>
        {
            int now = Interlocked.Increment(ref running);
            int seen;
            while ((seen = Volatile.Read(ref most)) < now && Interlocked.CompareExchange(ref most, now, seen) != seen)
            {
            }

            Thread.Sleep(15); // a worker is a thread of its own: blocking it is what a hash does
            Interlocked.Decrement(ref running);
            return true;
        })).ToList();
        await Task.WhenAll(tasks).WaitAsync(Patience, Ct);
        Assert.Equal(3, most); // reached and never exceeded
        Assert.Equal(30, v.Completed);
    }

    [Fact]
    public async Task AFullQueueRefusesAtOnceAndIsReportedOnce()
    {
        using var gate = new ManualResetEventSlim();
        using var v = new PasswordVerifier(workers: 1, queueLimit: 3);
        var reports = new List<string>();
        v.Saturated += m => { lock (reports) reports.Add(m); };
        var blocker = Run(v, () => gate.Wait(Patience));
        await WaitUntil(() => v.Running == 1);
        var queued = Enumerable.Range(0, 3).Select(i => Run(v, () => i)).ToList();
        Assert.Equal(3, v.Queued);

        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 10; i++)
        {
            Assert.False(v.TryRun(() => 99, Ct, out _));
        }

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"refusing took {sw.Elapsed}"); // never waits for a worker
        Assert.Equal(10, v.Refused);
        Assert.Single(reports); // a storm is one log line per interval, not one per attempt
        Assert.Contains(PasswordVerifier.QueueFullReason, reports[0]);

        gate.Set();
        Assert.True(await blocker);
        int[] results = await Task.WhenAll(queued).WaitAsync(Patience, Ct);
        Assert.Equal(new[] { 0, 1, 2 }, results);
        Assert.True(v.TryRun(() => 5, Ct, out var after)); // room again
        Assert.Equal(5, await after.WaitAsync(Patience, Ct));
    }

    [Fact]
    public async Task ACancelledWaitingCheckLeavesTheQueueAndNeverRuns()
    {
        using var gate = new ManualResetEventSlim();
        using var v = new PasswordVerifier(workers: 1, queueLimit: 1);
        var blocker = Run(v, () => gate.Wait(Patience));
        await WaitUntil(() => v.Running == 1);
        using var cts = new CancellationTokenSource();
        bool ran = false;
        var waiting = Run(v, () => ran = true, cts.Token);
        Assert.False(v.TryRun(() => true, Ct, out _)); // the queue (1) is full

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, v.Queued); // its slot is free at once, while the worker is still busy
        Assert.Equal(1, v.Cancelled);
        var next = Run(v, () => 7, Ct);

        gate.Set();
        Assert.Equal(7, await next.WaitAsync(Patience, Ct));
        Assert.True(await blocker);
        Assert.False(ran);

        // Already cancelled: never queued.
        Assert.True(v.TryRun(() => ran = true, cts.Token, out var late));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => late);
        Assert.False(ran);
    }

    [Fact]
    public async Task ACancelledRunningCheckReleasesItsCallerAtOnce()
    {
        using var gate = new ManualResetEventSlim();
        using var v = new PasswordVerifier(workers: 1, queueLimit: 4);
        using var cts = new CancellationTokenSource();
        var running = Run(v, () => gate.Wait(Patience), cts.Token);
        await WaitUntil(() => v.Running == 1);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(Patience, Ct));
        Assert.Equal(1, v.Running); // the hash itself cannot be interrupted: the worker is still busy
        gate.Set();
        await WaitUntil(() => v.Running == 0);
    }

    [Fact]
    public async Task ChecksRunOnTheWorkersAndTheirCallersResumeElsewhere()
    {
        using var v = new PasswordVerifier(workers: 2, queueLimit: 8);
        var (onPool, name, threadId) = await Run(v, () => (Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name, Environment.CurrentManagedThreadId));
        Assert.False(onPool);
        Assert.StartsWith("password-verifier-", name);
        Assert.NotEqual(threadId, Environment.CurrentManagedThreadId); // the continuation did not run on the worker

        var failing = Run<int>(v, () => throw new InvalidOperationException("boom"));
        Assert.Equal("boom", (await Assert.ThrowsAsync<InvalidOperationException>(() => failing)).Message);
        Assert.Equal(1, await Run(v, () => 1)); // the worker survived
    }

    [Fact]
    public async Task DisposeCancelsWhatWaitsAndRefusesWhatComes()
    {
        using var gate = new ManualResetEventSlim();
        var v = new PasswordVerifier(workers: 1, queueLimit: 4);
        var blocker = Run(v, () => gate.Wait(Patience));
        await WaitUntil(() => v.Running == 1);
        var waiting = Run(v, () => 1);
        v.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
        Assert.False(v.TryRun(() => 2, Ct, out _));
        gate.Set();
        Assert.True(await blocker.WaitAsync(Patience, Ct)); // the running check still finishes
    }

    [Fact]
    public void DefaultsFollowTheProcessorCount()
    {
        using var v = new PasswordVerifier();
        Assert.Equal(Environment.ProcessorCount, v.Workers);
        Assert.Equal(Math.Max(64, 4 * Environment.ProcessorCount), v.QueueLimit);
        Assert.True(Argon2WorkAreas.Capacity >= v.Workers);
    }
}
