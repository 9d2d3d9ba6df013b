using System.Diagnostics;
using Wharf.Server.Actions;
using Wharf.Server.Configuration;
using Wharf.Server.Events;

namespace Wharf.Server.Tests.Actions;

/// <summary>sftpd.actions with a real script and a real HTTP listener.</summary>
public sealed class FileActionTests : IDisposable
{
    private static readonly string[] AllowedInherited = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "PWD", "SHLVL", "_", "OLDPWD"];

    private readonly RecordingScript _script = new();
    private readonly ActionLog _log = new();

    private static ActionsConfig Config(string command = "", string url = "", int timeout = 15, params string[] on) => new()
    {
        ExecuteOn = [.. on.Length == 0 ? ConfigValidator.SftpdEvents : on],
        Command = command,
        HttpNotificationUrl = url,
        Timeout = timeout,
    };

    private static FileActionEvent Upload(string path = "/srv/homes/alice/dir with space/a&b=c ü.txt", bool succeeded = true) => new()
    {
        Action = FileActions.Upload,
        Username = "alice",
        Path = path,
        VirtualPath = "/dir with space/a&b=c ü.txt",
        Protocol = "SFTP",
        ConnectionId = "c1",
        Bytes = 1234,
        Succeeded = succeeded,
    };

    private ActionRunner Runner(ActionsConfig sftpd, int concurrency = 4, ActionsConfig? provider = null) =>
        new(sftpd, provider ?? new ActionsConfig(), _log.Log, new ActionRunnerOptions { MaxConcurrency = concurrency });

    [Fact]
    public async Task UploadRunsTheCommandWithFiveArgumentsAndTheEnvironmentAndSendsTheQuery()
    {
        await using var http = new RecordingHttpServer();
        var events = new ServerEvents();
        await using (var runner = Runner(Config(_script.Path, http.Url + "/hook?token=s%20t&x=1")))
        {
            runner.Subscribe(events);
            events.Raise(Upload());
            var run = Assert.Single(await _script.WaitForRunsAsync(1));
            Assert.Equal(5, run.Argc);
            Assert.Equal(["upload", "alice", "/srv/homes/alice/dir with space/a&b=c ü.txt", "", ""], run.Args);
            foreach (var prefix in new[] { "WHARF_", "SFTPGO_" })
            {
                Assert.Equal("upload", run.Env[prefix + "ACTION"]);
                Assert.Equal("alice", run.Env[prefix + "ACTION_USERNAME"]);
                Assert.Equal("/srv/homes/alice/dir with space/a&b=c ü.txt", run.Env[prefix + "ACTION_PATH"]);
                Assert.Equal("", run.Env[prefix + "ACTION_TARGET"]);
                Assert.Equal("", run.Env[prefix + "ACTION_SSH_CMD"]);
                Assert.Equal("/dir with space/a&b=c ü.txt", run.Env[prefix + "ACTION_VIRTUAL_PATH"]);
                Assert.Equal("1234", run.Env[prefix + "ACTION_FILE_SIZE"]);
                Assert.Equal("SFTP", run.Env[prefix + "ACTION_PROTOCOL"]);
                Assert.Equal("c1", run.Env[prefix + "ACTION_SESSION_ID"]);
            }

            // The server's own environment (which may hold database passwords) is not passed on.
            Assert.All(run.Env.Keys.Where(k => !k.StartsWith("WHARF_", StringComparison.Ordinal) && !k.StartsWith("SFTPGO_", StringComparison.Ordinal)),
                k => Assert.Contains(k, AllowedInherited));

            var request = Assert.Single(await http.WaitForRequestsAsync(1));
            Assert.Equal("GET", request.Method);
            Assert.Equal("/hook", request.Path);
            Assert.Equal(
                [new("token", "s t"), new("x", "1"), new("action", "upload"), new("username", "alice"), new("path", "/srv/homes/alice/dir with space/a&b=c ü.txt")],
                request.Query);
            Assert.DoesNotContain(' ', request.Target);
        }

        Assert.Contains(_log.Entries(), e => e.GetProperty("message").GetString() == "command finished" && e.GetProperty("exit_code").GetInt32() == 0);
        var sent = Assert.Single(_log.Entries(), e => e.GetProperty("message").GetString() == "http notification sent");
        Assert.Equal(200, sent.GetProperty("status_code").GetInt32());
        Assert.Equal(http.Url + "/hook", sent.GetProperty("url").GetString()); // the query (a token) stays out of the log
    }

    [Fact]
    public async Task RenameCarriesTheTargetAndSshCommandTheCommandLine()
    {
        await using var http = new RecordingHttpServer();
        await using (var runner = Runner(Config(_script.Path, http.Url, on: ["rename", "ssh_cmd"]), concurrency: 1))
        {
            Assert.True(runner.Enqueue(new FileActionEvent { Action = FileActions.Rename, Username = "bob", Path = "/h/bob/old.txt", TargetPath = "/h/bob/new dir/new.txt" }));
            Assert.True(runner.Enqueue(new FileActionEvent { Action = FileActions.SshCommand, Username = "bob", Path = "/h/bob", SshCommand = "sha1sum 'a b.txt'", Protocol = "SSH" }));
            var runs = await _script.WaitForRunsAsync(2);
            Assert.Contains(runs, r => r.Args.SequenceEqual(["rename", "bob", "/h/bob/old.txt", "/h/bob/new dir/new.txt", ""]) && r.Env["WHARF_ACTION_TARGET"] == "/h/bob/new dir/new.txt" && r.Env["SFTPGO_ACTION_TARGET"] == "/h/bob/new dir/new.txt");
            Assert.Contains(runs, r => r.Args.SequenceEqual(["ssh_cmd", "bob", "/h/bob", "", "sha1sum 'a b.txt'"]) && r.Env["WHARF_ACTION_SSH_CMD"] == "sha1sum 'a b.txt'");

            var requests = await http.WaitForRequestsAsync(2);
            Assert.Contains(requests, q => q.Query.SequenceEqual([new("action", "rename"), new("username", "bob"), new("path", "/h/bob/old.txt"), new("target_path", "/h/bob/new dir/new.txt")]));
            Assert.Contains(requests, q => q.Query.SequenceEqual([new("action", "ssh_cmd"), new("username", "bob"), new("path", "/h/bob"), new("ssh_cmd", "sha1sum 'a b.txt'")]));
        }
    }

    [Fact]
    public async Task FailedEventsAndActionsNotListedFireNothing()
    {
        await using var http = new RecordingHttpServer();
        var events = new ServerEvents();
        await using (var runner = Runner(Config(_script.Path, http.Url, on: ["upload", "delete", "ssh_cmd"]), concurrency: 1))
        {
            runner.Subscribe(events);
            events.Raise(Upload("/h/failed.txt", succeeded: false));
            events.Raise(new FileActionEvent { Action = FileActions.Download, Username = "alice", Path = "/h/download.txt" });
            events.Raise(new FileActionEvent { Action = FileActions.Rename, Username = "alice", Path = "/h/r.txt", TargetPath = "/h/s.txt" });
            events.Raise(new FileActionEvent { Action = FileActions.Delete, Username = "alice", Path = "/h/deleted.txt", Succeeded = false });
            events.Raise(Upload("/h/read-by-sha1sum.txt") with { Protocol = "SSH" }); // an SSH command's own file access fires ssh_cmd only
            // A listed, succeeded event after them: with one worker, the queue is in order, so once
            // it has run, anything queued before it has run too.
            events.Raise(new FileActionEvent { Action = FileActions.Delete, Username = "alice", Path = "/h/sentinel.txt" });
            await _script.WaitForRunsAsync(1);
            await http.WaitForRequestsAsync(1);
        }

        var run = Assert.Single(_script.ReadRuns());
        Assert.Equal(["delete", "alice", "/h/sentinel.txt", "", ""], run.Args);
        var request = Assert.Single(http.Requests);
        Assert.Contains(new KeyValuePair<string, string>("path", "/h/sentinel.txt"), request.Query);
        await using var direct = Runner(Config(_script.Path));
        Assert.False(direct.Enqueue(Upload(succeeded: false)));
    }

    [Fact]
    public async Task CommandPastTheTimeoutIsKilledWithItsChildrenAndTheNextActionRuns()
    {
        using var slow = new RecordingScript("""
            if [ "$1" = upload ]; then
              sleep 60 &
              echo $! > "$(dirname "$0")/child.pid"
              wait
            fi
            echo "failing on purpose" >&2
            exit 3
            """);
        await using (var runner = Runner(Config(slow.Path, timeout: 1), concurrency: 1))
        {
            var sw = Stopwatch.StartNew();
            runner.Enqueue(Upload());
            runner.Enqueue(new FileActionEvent { Action = FileActions.Delete, Username = "alice", Path = "/h/after.txt" });
            var timedOut = await _log.WaitForAsync("timed out");
            Assert.Equal("warn", timedOut.GetProperty("level").GetString());
            Assert.Equal("upload", timedOut.GetProperty("action").GetString());
            var exited = await _log.WaitForAsync("exited with status 3");
            Assert.Equal("delete", exited.GetProperty("action").GetString());
            Assert.Equal("failing on purpose", exited.GetProperty("stderr").GetString());
            Assert.InRange(sw.Elapsed.TotalSeconds, 0.9, 20);
        }

        int child = int.Parse(File.ReadAllText(Path.Combine(slow.Dir, "child.pid")).Trim());
        Assert.True(ProcessGone(child), $"the hook's child {child} survived the timeout");
    }

    [Fact]
    public async Task HttpEndpointThatNeverAnswersTimesOut()
    {
        await using var silent = new RecordingHttpServer(answer: false);
        await using (var runner = Runner(Config(url: silent.Url, timeout: 1), concurrency: 1))
        {
            var sw = Stopwatch.StartNew();
            runner.Enqueue(Upload());
            var entry = await _log.WaitForAsync("http notification timed out after 1 s");
            Assert.InRange(sw.Elapsed.TotalSeconds, 0.9, 20);
            Assert.Equal("upload", entry.GetProperty("action").GetString());
            Assert.Single(silent.Requests);
        }
    }

    [Fact]
    public async Task CommandThatCannotStartIsLogged()
    {
        await using (var runner = Runner(Config(Path.Combine(_script.Dir, "missing.sh"))))
        {
            runner.Enqueue(Upload());
            var entry = await _log.WaitForAsync("command could not start");
            Assert.Equal("error", entry.GetProperty("level").GetString());
        }
    }

    [Fact]
    public async Task RaisingTenThousandEventsNeverBlocksTheCaller()
    {
        using var slow = new RecordingScript("sleep 5");
        var events = new ServerEvents();
        var runner = new ActionRunner(Config(slow.Path), new ActionsConfig(), _log.Log,
            new ActionRunnerOptions { QueueCapacity = 100, MaxConcurrency = 2, DrainTimeout = TimeSpan.FromSeconds(1) });
        runner.Subscribe(events);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 10_000; i++)
        {
            events.Raise(Upload("/h/f" + i));
        }

        sw.Stop();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"raising took {sw.Elapsed}");
        Assert.InRange(runner.Queued, 90, 100);
        var full = await _log.WaitForAsync("action queue full");
        Assert.Equal("warn", full.GetProperty("level").GetString());

        // Disposal waits a bounded time, then kills what runs and abandons the queue.
        var dispose = Stopwatch.StartNew();
        await runner.DisposeAsync();
        Assert.True(dispose.Elapsed < TimeSpan.FromSeconds(15), $"disposal took {dispose.Elapsed}");
        Assert.InRange(slow.ReadRuns().Count, 1, 4);
        // Each worker takes at most one event before the queue fills (then sleeps), so at most
        // capacity + workers were accepted; every other event's drop is counted in the log.
        long dropped = _log.Entries().Where(e => e.GetProperty("message").GetString()!.Contains("actions were dropped", StringComparison.Ordinal))
            .Sum(e => e.GetProperty("dropped").GetInt64());
        Assert.InRange(dropped, 10_000 - 102, 10_000 - 100);
        await _log.WaitForAsync("queued actions abandoned");
        Assert.False(runner.Enqueue(Upload()));
    }

    [Fact]
    public async Task NothingConfiguredStartsNothing()
    {
        await using var runner = Runner(new ActionsConfig { ExecuteOn = ["upload"] });
        Assert.False(runner.IsEnabled);
        Assert.False(runner.Enqueue(Upload()));
    }

    private static bool ProcessGone(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        for (int i = 0; i < 100; i++)
        {
            if (!File.Exists(stat))
            {
                return true;
            }

            try
            {
                // A killed child reparented to a PID 1 that does not reap stays a zombie: dead all the same.
                var text = File.ReadAllText(stat);
                if (text[(text.LastIndexOf(')') + 2)..].StartsWith('Z'))
                {
                    return true;
                }
            }
            catch (IOException)
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return false;
    }

    public void Dispose()
    {
        _script.Dispose();
        _log.Dispose();
    }
}
