using Wharf.Ssh.Connection;

namespace Wharf.Ssh.Tests.Connection;

public class InputSchedulerTests
{
    [Fact]
    public async Task ByDefaultAContinuationIsQueuedNotRunByTheCaller()
    {
        var scheduler = new InputScheduler();
        using var release = new ManualResetEventSlim();
        var sawScheduleReturn = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool returned = false;

        // Run inline, the action would wait out its 10 s inside Schedule and see false.
        scheduler.Schedule(_ =>
        {
            release.Wait(TimeSpan.FromSeconds(10));
            sawScheduleReturn.SetResult(Volatile.Read(ref returned));
        }, null);
        Volatile.Write(ref returned, true);
        release.Set();

        Assert.True(await sawScheduleReturn.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void WhenInlineTheContinuationRunsBeforeScheduleReturns()
    {
        var scheduler = new InputScheduler { RunInline = true };
        int? thread = null;
        scheduler.Schedule(_ => thread = Environment.CurrentManagedThreadId, null);
        Assert.Equal(Environment.CurrentManagedThreadId, thread);
    }
}
