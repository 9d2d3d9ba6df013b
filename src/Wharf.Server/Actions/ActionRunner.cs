using System.Threading.Channels;
using Wharf.Server.Configuration;
using Wharf.Server.Events;
using Wharf.Server.Logging;

namespace Wharf.Server.Actions;

/// <summary>
/// Carries out sftpd.actions and data_provider.actions: for each succeeded event listed in
/// execute_on, runs the command and/or sends the HTTP notification. Events are only queued on
/// the caller's thread (a bounded queue; when full the event is dropped and a warning logged), so
/// a slow hook never stalls a transfer; a few workers run them, each command and request under the
/// section's timeout. Every outcome is logged with sender "actions".
/// </summary>
public sealed class ActionRunner : IAsyncDisposable
{
    private const string Sender = "actions";

    private readonly Section _sftpd;
    private readonly Section _dataProvider;
    private readonly JsonLineLog _log;
    private readonly ActionRunnerOptions _options;
    private readonly Channel<object> _queue;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly HttpNotifier _http = new();
    private readonly Task[] _workers;
    private readonly Lock _subscriptionLock = new();
    private readonly List<ServerEvents> _subscribed = [];
    private long _dropped;
    private int _disposed;

    /// <summary>Creates the runner; its workers start only when a section has something to do.</summary>
    public ActionRunner(ActionsConfig sftpd, ActionsConfig dataProvider, JsonLineLog log, ActionRunnerOptions? options = null)
    {
        _sftpd = new Section(sftpd);
        _dataProvider = new Section(dataProvider);
        _log = log;
        _options = options ?? new ActionRunnerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.QueueCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxConcurrency, 1);
        _queue = Channel.CreateBounded<object>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // writes use TryWrite, which fails instead of waiting
            SingleReader = _options.MaxConcurrency == 1,
        });
        _workers = IsEnabled ? [.. Enumerable.Range(0, _options.MaxConcurrency).Select(_ => Task.Run(WorkAsync))] : [];
    }

    /// <summary>Whether any event can trigger an action (execute_on set, and a command or URL).</summary>
    public bool IsEnabled => _sftpd.IsEnabled || _dataProvider.IsEnabled;

    /// <summary>Events currently waiting for a worker.</summary>
    public int Queued => _queue.Reader.Count;

    /// <summary>Observes <paramref name="events"/>' file actions and user changes until disposal.</summary>
    public void Subscribe(ServerEvents events)
    {
        if (!IsEnabled)
        {
            return;
        }

        lock (_subscriptionLock)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            events.FileAction += OnFileAction;
            events.UserChanged += OnUserChanged;
            _subscribed.Add(events);
        }
    }

    /// <summary>Queues the actions for a file event; false when nothing was queued (not a succeeded, listed event, or dropped).</summary>
    public bool Enqueue(FileActionEvent e) => e.Succeeded && _sftpd.Triggers(e.Action) && !InsideSshCommand(e) && TryQueue(e);

    /// <summary>
    /// An SSH command (sha1sum …) reads files through the same storage stack, which reports the
    /// reads as downloads; as in SFTPGo, such a command fires ssh_cmd only. (SCP is its own
    /// protocol and does fire upload and download.)
    /// </summary>
    private static bool InsideSshCommand(FileActionEvent e) => e.Protocol == "SSH" && e.Action != FileActions.SshCommand;

    /// <summary>Queues the actions for a user change; false when nothing was queued.</summary>
    public bool Enqueue(UserChangedEvent e) => _dataProvider.Triggers(e.Action) && TryQueue(e);

    private void OnFileAction(FileActionEvent e) => Enqueue(e);

    private void OnUserChanged(UserChangedEvent e) => Enqueue(e);

    private bool TryQueue(object e)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        if (_queue.Writer.TryWrite(e))
        {
            return true;
        }

        // One warning when dropping starts; the worker that next dequeues reports the count.
        if (Interlocked.Increment(ref _dropped) == 1)
        {
            _log.Write("warn", Sender, $"action queue full ({_options.QueueCapacity} waiting): dropping actions until it drains");
        }

        return false;
    }

    private async Task WorkAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_shutdown.Token).ConfigureAwait(false))
            {
                while (!_shutdown.IsCancellationRequested && reader.TryRead(out var item))
                {
                    ReportDrops();
                    await RunAsync(item).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down: what is still queued is abandoned (and counted by DisposeAsync).
        }
    }

    private void ReportDrops()
    {
        long dropped = Interlocked.Exchange(ref _dropped, 0);
        if (dropped > 0)
        {
            _log.Write("warn", Sender, $"{dropped} actions were dropped because the queue was full", new Dictionary<string, object?> { ["dropped"] = dropped });
        }
    }

    private async Task RunAsync(object item)
    {
        ActionInvocation? invocation = null;
        try
        {
            Section section;
            (section, invocation) = item switch
            {
                FileActionEvent f => (_sftpd, ActionInvocation.ForFile(f)),
                UserChangedEvent u => (_dataProvider, ActionInvocation.ForUser(u)),
                _ => throw new InvalidOperationException($"unexpected queue item {item.GetType()}"),
            };
            var command = section.Config.Command.Length > 0 ? RunCommandAsync(section, invocation) : Task.CompletedTask;
            var http = section.Config.HttpNotificationUrl.Length > 0 ? NotifyAsync(section, invocation) : Task.CompletedTask;
            await Task.WhenAll(command, http).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // A bug here must cost one action, never a worker.
            _log.Write("error", Sender, $"action failed: {ex.Message}", invocation is null ? null : Fields(invocation));
        }
    }

    private async Task RunCommandAsync(Section section, ActionInvocation invocation)
    {
        var o = await ActionCommand.RunAsync(section.Config.Command, invocation.Arguments, invocation.Environment, section.Timeout, _shutdown.Token).ConfigureAwait(false);
        var fields = Fields(invocation);
        fields["command"] = section.Config.Command;
        fields["elapsed_ms"] = (long)o.Elapsed.TotalMilliseconds;
        switch (o.End)
        {
            case CommandEnd.NotStarted:
                _log.Write("error", Sender, $"command could not start: {o.StartError}", fields);
                break;
            case CommandEnd.TimedOut:
                _log.Write("warn", Sender, $"command timed out after {section.Timeout.TotalSeconds:0} s; its process tree was killed", fields);
                break;
            case CommandEnd.Cancelled:
                _log.Write("warn", Sender, "command killed at shutdown", fields);
                break;
            default:
                fields["exit_code"] = o.ExitCode;
                if (o.ExitCode == 0)
                {
                    _log.Write("info", Sender, "command finished", fields);
                }
                else
                {
                    fields["stderr"] = o.StandardError;
                    _log.Write("warn", Sender, $"command exited with status {o.ExitCode}", fields);
                }

                break;
        }
    }

    private async Task NotifyAsync(Section section, ActionInvocation invocation)
    {
        var fields = Fields(invocation);
        Uri uri;
        try
        {
            uri = NotificationUrl.Build(section.Config.HttpNotificationUrl, invocation.Query);
        }
        catch (UriFormatException ex)
        {
            _log.Write("error", Sender, $"http notification URL is not valid: {ex.Message}", fields);
            return;
        }

        var o = await _http.SendAsync(uri, invocation.JsonBody, section.Timeout, _shutdown.Token).ConfigureAwait(false);
        fields["url"] = NotificationUrl.ForLog(uri);
        fields["elapsed_ms"] = (long)o.Elapsed.TotalMilliseconds;
        switch (o.End)
        {
            case HttpEnd.TimedOut:
                _log.Write("warn", Sender, $"http notification timed out after {section.Timeout.TotalSeconds:0} s", fields);
                break;
            case HttpEnd.Cancelled:
                _log.Write("warn", Sender, "http notification cancelled at shutdown", fields);
                break;
            case HttpEnd.Failed:
                _log.Write("warn", Sender, $"http notification failed: {o.Error}", fields);
                break;
            default:
                fields["status_code"] = o.StatusCode;
                _log.Write(o.Succeeded ? "info" : "warn", Sender, o.Succeeded ? "http notification sent" : $"http notification answered {o.StatusCode}", fields);
                break;
        }
    }

    private static Dictionary<string, object?> Fields(ActionInvocation invocation) => new()
    {
        ["section"] = invocation.Section,
        ["action"] = invocation.Action,
        ["username"] = invocation.Username,
        ["path"] = invocation.Path,
    };

    /// <summary>
    /// Stops observing events, lets queued and running actions finish for up to
    /// <see cref="ActionRunnerOptions.DrainTimeout"/>, then kills what still runs and abandons the rest.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        lock (_subscriptionLock)
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            foreach (var events in _subscribed)
            {
                events.FileAction -= OnFileAction;
                events.UserChanged -= OnUserChanged;
            }

            _subscribed.Clear();
        }

        _queue.Writer.TryComplete();
        var workers = Task.WhenAll(_workers);
        try
        {
            await workers.WaitAsync(_options.DrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            int abandoned = _queue.Reader.Count;
            await _shutdown.CancelAsync().ConfigureAwait(false);
            _log.Write("warn", Sender, $"stopping: running actions killed, {abandoned} queued actions abandoned", new Dictionary<string, object?> { ["abandoned"] = abandoned });
            try
            {
                // Cancellation kills commands and aborts requests; this only bounds a pathological case.
                await workers.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        ReportDrops();
        if (workers.IsCompleted)
        {
            _http.Dispose();
            _shutdown.Dispose();
        }
    }

    /// <summary>One configured section: its execute_on set and timeout.</summary>
    private sealed class Section(ActionsConfig config)
    {
        private readonly HashSet<string> _executeOn = new(config.ExecuteOn, StringComparer.Ordinal);

        public ActionsConfig Config { get; } = config;

        public TimeSpan Timeout { get; } = TimeSpan.FromSeconds(config.Timeout);

        public bool IsEnabled => _executeOn.Count > 0 && (Config.Command.Length > 0 || Config.HttpNotificationUrl.Length > 0);

        public bool Triggers(string action) => IsEnabled && _executeOn.Contains(action);
    }
}
