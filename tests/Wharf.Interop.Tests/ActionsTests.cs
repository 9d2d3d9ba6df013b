using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Wharf.Interop.Tests;

/// <summary>
/// `wharf serve` with sftpd.actions: a real bash hook and a real HTTP listener observe what OpenSSH
/// sftp and ssh do through the server.
/// </summary>
public sealed class ActionsTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "wharf-actions-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly ConcurrentQueue<(string Method, string RawUrl)> _requests = new();
    private HttpListener _http = null!;
    private Task _serving = Task.CompletedTask;
    private Process _server = null!;
    private int _port;

    private string ConfigDir => Path.Combine(_dir, "config");

    private string Records => Path.Combine(_dir, "records");

    private string Hook => Path.Combine(_dir, "hook.sh");

    private static string Pub() => File.ReadAllText(TestKeys.Instance.UserKeyPath("ed25519") + ".pub").Trim();

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(ConfigDir);
        Directory.CreateDirectory(Records);
        await File.WriteAllTextAsync(Hook, $$"""
            #!/bin/bash
            out=$(mktemp "{{Records}}/run.XXXXXXXX")
            {
              printf 'argc:%s\n' "$#"
              for a in "$@"; do printf 'arg:%s\n' "$a"; done
              env | grep -E '^(WHARF|SFTPGO)_ACTION' | sed 's/^/env:/'
            } > "$out"
            mv "$out" "$out.rec"
            if [ -f "{{_dir}}/slow" ]; then
              sleep 120 &
              echo $! > "{{_dir}}/child.pid"
              wait
            fi
            """);
        File.SetUnixFileMode(Hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        int httpPort = FreePort();
        _http = new HttpListener();
        _http.Prefixes.Add($"http://127.0.0.1:{httpPort}/");
        _http.Start();
        _serving = ServeHttpAsync();

        await File.WriteAllTextAsync(Path.Combine(ConfigDir, "wharf.yaml"), $"""
            sftpd:
              bind_port: 0
              bind_address: 127.0.0.1
              enabled_ssh_commands: ["*"]
              actions:
                execute_on: [download, upload, delete, rename, ssh_cmd]
                command: {Hook}
                http_notification_url: http://127.0.0.1:{httpPort}/notify?key=k%201
                timeout: 10
            data_provider:
              driver: sqlite
              name: wharf.db
            """);
        (_server, _port) = await ServeFixture.StartServeAsync(ConfigDir, new Dictionary<string, string>());
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task ServeHttpAsync()
    {
        try
        {
            while (_http.IsListening)
            {
                var context = await _http.GetContextAsync();
                _requests.Enqueue((context.Request.HttpMethod, context.Request.RawUrl ?? ""));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private async Task<string> AddUserAsync(string name, params string[] extra)
    {
        var home = Path.Combine(_dir, "homes", name);
        var r = await ServeFixture.UserAsync(ConfigDir, ["add", "--username", name, "--home-dir", home, "--public-key", Pub(), .. extra]);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        return home;
    }

    private List<(int Argc, List<string> Args, Dictionary<string, string> Env)> Runs() =>
        [.. Directory.GetFiles(Records, "*.rec").Select(File.ReadAllLines).Select(lines => (
            int.Parse(lines[0]["argc:".Length..]),
            lines.Where(l => l.StartsWith("arg:", StringComparison.Ordinal)).Select(l => l[4..]).ToList(),
            lines.Where(l => l.StartsWith("env:", StringComparison.Ordinal)).Select(l => l[4..].Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1])))];

    /// <summary>The notifications' queries, decoded, in the order the parameters were sent.</summary>
    private List<List<KeyValuePair<string, string>>> Queries() =>
        [.. _requests.Select(r => r.RawUrl.Split('?', 2)[1].Split('&').Select(p => p.Split('=', 2))
            .Select(kv => new KeyValuePair<string, string>(Uri.UnescapeDataString(kv[0]), Uri.UnescapeDataString(kv[1]))).ToList())];

    private async Task WaitAsync(Func<bool> done, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!done())
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"timed out waiting for {what}: {Runs().Count} runs, {_requests.Count} requests");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task SftpAndSshOperationsRunTheHookAndNotifyTheUrl()
    {
        var home = await AddUserAsync("act");
        var local = Path.Combine(_dir, "local");
        Directory.CreateDirectory(local);
        await File.WriteAllTextAsync(Path.Combine(local, "up file.txt"), "hello actions");

        var sftp = await OpenSsh.SftpBatchAsync(_port, "act",
            ["put \"up file.txt\"", "get \"up file.txt\" down.txt", "rename \"up file.txt\" moved.txt", "rm moved.txt"], workingDirectory: local);
        Assert.True(sftp.ExitCode == 0, sftp.StdErr);
        await File.WriteAllTextAsync(Path.Combine(home, "sum.txt"), "abc");
        var ssh = await OpenSsh.RunAsync(_port, "act", "sha1sum sum.txt");
        Assert.True(ssh.ExitCode == 0, ssh.StdErr);
        Assert.StartsWith("a9993e364706816aba3e25717850c26c9cd0d89d", ssh.StdOut);

        await WaitAsync(() => Runs().Count >= 5 && _requests.Count >= 5, "five actions");
        var runs = Runs();
        string up = Path.Combine(home, "up file.txt"), moved = Path.Combine(home, "moved.txt");
        Assert.True(runs.Count == 5, string.Join(" | ", runs.Select(r => string.Join(",", r.Args))));
        Assert.All(runs, r => Assert.Equal(5, r.Argc));
        Assert.Contains(runs, r => r.Args.SequenceEqual(["upload", "act", up, "", ""]));
        Assert.Contains(runs, r => r.Args.SequenceEqual(["download", "act", up, "", ""]));
        Assert.Contains(runs, r => r.Args.SequenceEqual(["rename", "act", up, moved, ""]));
        Assert.Contains(runs, r => r.Args.SequenceEqual(["delete", "act", moved, "", ""]));
        Assert.Contains(runs, r => r.Args.SequenceEqual(["ssh_cmd", "act", home, "", "sha1sum sum.txt"]));
        var upload = runs.Single(r => r.Args[0] == "upload");
        Assert.Equal(up, upload.Env["WHARF_ACTION_PATH"]);
        Assert.Equal(up, upload.Env["SFTPGO_ACTION_PATH"]);
        Assert.Equal("/up file.txt", upload.Env["WHARF_ACTION_VIRTUAL_PATH"]);
        Assert.Equal("13", upload.Env["WHARF_ACTION_FILE_SIZE"]);
        Assert.Equal(moved, runs.Single(r => r.Args[0] == "rename").Env["WHARF_ACTION_TARGET"]);
        Assert.Equal("sha1sum sum.txt", runs.Single(r => r.Args[0] == "ssh_cmd").Env["SFTPGO_ACTION_SSH_CMD"]);

        Assert.All(_requests, r => Assert.Equal("GET", r.Method));
        Assert.All(_requests, r => Assert.StartsWith("/notify?key=k%201&action=", r.RawUrl));
        var queries = Queries();
        KeyValuePair<string, string> P(string k, string v) => new(k, v);
        Assert.Contains(queries, q => q.SequenceEqual([P("key", "k 1"), P("action", "upload"), P("username", "act"), P("path", up)]));
        Assert.Contains(queries, q => q.SequenceEqual([P("key", "k 1"), P("action", "download"), P("username", "act"), P("path", up)]));
        Assert.Contains(queries, q => q.SequenceEqual([P("key", "k 1"), P("action", "rename"), P("username", "act"), P("path", up), P("target_path", moved)]));
        Assert.Contains(queries, q => q.SequenceEqual([P("key", "k 1"), P("action", "delete"), P("username", "act"), P("path", moved)]));
        Assert.Contains(queries, q => q.SequenceEqual([P("key", "k 1"), P("action", "ssh_cmd"), P("username", "act"), P("path", home), P("ssh_cmd", "sha1sum sum.txt")]));

        await WaitAsync(() => LogText().Split('\n').Count(l => l.Contains("\"sender\":\"actions\"") && l.Contains("\"command finished\"")) >= 5, "the command log entries");
        Assert.Equal(5, LogText().Split('\n').Count(l => l.Contains("\"sender\":\"actions\"") && l.Contains("\"http notification sent\"")));

        // Refused and failed operations fire nothing; a later download shows the queue has moved on.
        var ro = await AddUserAsync("ro", "--permissions", "/:list,download");
        Directory.CreateDirectory(ro);
        await File.WriteAllTextAsync(Path.Combine(ro, "keep.txt"), "keep");
        await File.WriteAllTextAsync(Path.Combine(local, "refused.txt"), "no");
        var refused = await OpenSsh.SftpBatchAsync(_port, "ro", ["-put refused.txt", "-rm keep.txt", "-rename keep.txt other.txt", "-get missing.txt", "get keep.txt"], workingDirectory: local);
        Assert.True(refused.ExitCode == 0, refused.StdErr);
        Assert.False(File.Exists(Path.Combine(ro, "refused.txt")));
        await WaitAsync(() => Runs().Count >= 6 && _requests.Count >= 6, "the sentinel download");
        await Task.Delay(1000); // anything raised before the sentinel has had ample time to run
        var roRuns = Runs().Where(r => r.Args[1] == "ro").ToList();
        Assert.Equal(["download", "ro", Path.Combine(ro, "keep.txt"), "", ""], Assert.Single(roRuns).Args);
        Assert.Single(Queries(), q => q.Contains(P("username", "ro")));
    }

    [Fact]
    public async Task ScpFiresUploadAndDownloadNotSshCmd()
    {
        var home = await AddUserAsync("scpuser");
        var local = Path.Combine(_dir, "scp-local");
        Directory.CreateDirectory(local);
        await File.WriteAllTextAsync(Path.Combine(local, "s.txt"), "via scp");
        foreach (var (from, to) in new[] { ("s.txt", "scpuser@127.0.0.1:s.txt"), ("scpuser@127.0.0.1:s.txt", "back.txt") })
        {
            var r = await ProcessRunner.RunAsync("/bin/sh",
                ["-c", "cd \"$0\" && exec scp \"$@\"", local, "-O", "-F", "/dev/null", "-P", _port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                 "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "BatchMode=yes",
                 "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-i", TestKeys.Instance.UserKeyPath("ed25519"), from, to],
                env: new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = "" }, timeout: TimeSpan.FromSeconds(120));
            Assert.True(r.ExitCode == 0, r.StdErr);
        }

        await WaitAsync(() => Runs().Count >= 2, "the scp actions");
        await Task.Delay(1000);
        var runs = Runs();
        Assert.Equal(2, runs.Count);
        Assert.Contains(runs, r => r.Args.SequenceEqual(["upload", "scpuser", Path.Combine(home, "s.txt"), "", ""]) && r.Env["WHARF_ACTION_PROTOCOL"] == "SCP");
        Assert.Contains(runs, r => r.Args.SequenceEqual(["download", "scpuser", Path.Combine(home, "s.txt"), "", ""]));
    }

    [Fact]
    public async Task ShutdownWaitsBrieflyThenKillsRunningHooks()
    {
        await AddUserAsync("slow");
        var local = Path.Combine(_dir, "slow-local");
        Directory.CreateDirectory(local);
        await File.WriteAllTextAsync(Path.Combine(local, "x.txt"), "x");
        await File.WriteAllTextAsync(Path.Combine(_dir, "slow"), "");
        var r = await OpenSsh.SftpBatchAsync(_port, "slow", ["put x.txt"], workingDirectory: local);
        Assert.True(r.ExitCode == 0, r.StdErr); // the hook sleeps, the upload does not wait for it
        await WaitAsync(() => File.Exists(Path.Combine(_dir, "child.pid")), "the hook to start");
        int child = int.Parse((await File.ReadAllTextAsync(Path.Combine(_dir, "child.pid"))).Trim());

        var sw = Stopwatch.StartNew();
        Assert.Equal(0, (await ProcessRunner.RunAsync("kill", ["-TERM", _server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])).ExitCode);
        await _server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, _server.ExitCode);
        Assert.InRange(sw.Elapsed.TotalSeconds, 4, 30); // 5 s of grace for running actions, then they are killed
        Assert.Contains("running actions killed", LogText());
        Assert.True(!File.Exists($"/proc/{child}/stat") || File.ReadAllText($"/proc/{child}/stat").Split(") ")[1].StartsWith('Z'), $"the hook's child {child} outlived the server");
    }

    private string LogText()
    {
        var path = Path.Combine(ConfigDir, "wharf.log");
        if (!File.Exists(path))
        {
            return "";
        }

        using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(s).ReadToEnd();
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
        // Close alone: after Stop, the managed HttpListener's Close looks the endpoint up again and
        // binds the port anew — "address already in use" once another test has taken that port.
        _http.Close();
        await _serving;
        Directory.Delete(_dir, recursive: true);
    }
}
