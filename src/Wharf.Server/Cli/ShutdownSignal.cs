using System.Runtime.InteropServices;

namespace Wharf.Server.Cli;

/// <summary>Waits for Ctrl-C (SIGINT), SIGTERM or cancellation, so a service stops cleanly under a terminal, systemd or a container runtime.</summary>
internal static class ShutdownSignal
{
    public static async Task WaitAsync(CancellationToken ct)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.TrySetResult();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c =>
        {
            c.Cancel = true;
            stop.TrySetResult();
        });
        using var reg = ct.Register(() => stop.TrySetResult());
        await stop.Task.ConfigureAwait(false);
    }
}
