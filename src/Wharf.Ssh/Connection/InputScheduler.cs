using System.IO.Pipelines;

namespace Wharf.Ssh.Connection;

/// <summary>
/// The scheduler of a channel's input pipe: by default a reader's continuation goes to the
/// thread pool; once <see cref="RunInline"/> is set it runs on the thread that delivered the data,
/// the connection's receive loop (see <see cref="SshChannel.ResumeInputOnReceiveLoop"/>).
/// </summary>
internal sealed class InputScheduler : PipeScheduler
{
    private volatile bool _inline;

    public bool RunInline
    {
        get => _inline;
        set => _inline = value;
    }

    public override void Schedule(Action<object?> action, object? state)
    {
        if (_inline)
        {
            action(state);
        }
        else
        {
            ThreadPool.Schedule(action, state);
        }
    }
}
