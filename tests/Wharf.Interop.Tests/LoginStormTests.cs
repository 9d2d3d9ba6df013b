using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Wharf.Interop.Tests;

/// <summary>
/// Issue 15's login storm against the real `wharf serve`: 200 concurrent wrong-password logins
/// (argon2id, 19 MiB each) while a throttled download runs. The download must keep moving,
/// the server's memory must stay bounded (the verifier's workers reuse their work areas) and a
/// correct login in the middle of the storm must get in within seconds.
/// </summary>
public sealed class LoginStormTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "wharf-storm-" + Guid.NewGuid().ToString("N")[..8]);
    private Process? _server;

    private string ConfigDir => Path.Combine(_dir, "config");

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(ConfigDir);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
        Directory.Delete(_dir, true);
    }

    [Fact]
    public async Task TwoHundredWrongPasswordsNeitherStallADownloadNorGrowMemoryNorLockOutTheRightOne()
    {
        // Two workers whatever the machine, so the memory bound below does not depend on the core
        // count; the default queue (64). Per-address limit off: every client is 127.0.0.1. Many
        // attempts per connection, so the legitimate client can retry when the queue is full.
        await File.WriteAllTextAsync(Path.Combine(ConfigDir, "wharf.yaml"), """
            common:
              password_verification:
                workers: 2
            sftpd:
              bind_port: 0
              bind_address: 127.0.0.1
              max_connections_per_ip: 0
              max_auth_tries: 50
            data_provider:
              driver: sqlite
              name: wharf.db
            """, Ct);
        var homes = Path.Combine(_dir, "homes");
        await AddUserAsync("victim", homes, "--password", "right-Pw-42");
        string pub = (await File.ReadAllTextAsync(TestKeys.Instance.UserKeyPath("ed25519") + ".pub", Ct)).Trim();

        // 80 MiB at 4 MiB/s: about 20 s, longer than the storm (~15 s of paramiko clients here).
        await AddUserAsync("reader", homes, "--public-key", pub, "--download-bandwidth", "4096");
        var readerHome = Path.Combine(homes, "reader");
        Directory.CreateDirectory(readerHome);
        byte[] content = RandomNumberGenerator.GetBytes(80 * 1024 * 1024);
        await File.WriteAllBytesAsync(Path.Combine(readerHome, "big.bin"), content, Ct);

        (_server, int port) = await ServeFixture.StartServeAsync(ConfigDir, new Dictionary<string, string>());
        var local = Path.Combine(_dir, "local");
        Directory.CreateDirectory(local);
        var localFile = Path.Combine(local, "big.bin");

        var download = OpenSsh.SftpBatchAsync(port, "reader", ["get big.bin"], workingDirectory: local, timeout: TimeSpan.FromMinutes(3));
        var sw = Stopwatch.StartNew();
        while (Size(localFile) < 2 * 1024 * 1024)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60) && !download.IsCompleted, "the download did not start");
            await Task.Delay(20, Ct);
        }

        long baselineKiB = RssKiB(_server.Id);

        // Watch the download and the server's memory every 50 ms while the storm runs.
        using var stop = new CancellationTokenSource();
        long peakKiB = baselineKiB;
        double longestStall = 0;
        var watcher = Task.Run(async () =>
        {
            long lastSize = Size(localFile);
            var lastGrowth = Stopwatch.StartNew();
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(50);
                if (RssKiB(_server.Id) is long rss and > 0)
                {
                    peakKiB = Math.Max(peakKiB, rss);
                }

                long size = Size(localFile);
                if (size > lastSize || download.IsCompleted)
                {
                    longestStall = Math.Max(longestStall, lastGrowth.Elapsed.TotalSeconds);
                    lastSize = size;
                    lastGrowth.Restart();
                }
                else if (size < content.Length)
                {
                    longestStall = Math.Max(longestStall, lastGrowth.Elapsed.TotalSeconds);
                }
            }
        });

        // The legitimate client connects first (it holds its pre-authentication slot before the
        // storm takes them all), then sends its password once half the storm's have been sent.
        string scripts = Path.Combine(AppContext.BaseDirectory, "scripts");
        string ready = Path.Combine(_dir, "ready"), half = Path.Combine(_dir, "half");
        var legit = ProcessRunner.RunAsync("/usr/bin/python3",
            [Path.Combine(scripts, "paramiko_login_retry.py"), port.ToString(CultureInfo.InvariantCulture), "victim", "right-Pw-42", ready, half],
            timeout: TimeSpan.FromMinutes(4));
        sw.Restart();
        while (!File.Exists(ready))
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60) && !legit.IsCompleted, "the legitimate client did not connect: " + (legit.IsCompleted ? (await legit).StdErr : ""));
            await Task.Delay(20, Ct);
        }

        var storm = await ProcessRunner.RunAsync("/usr/bin/python3",
            [Path.Combine(scripts, "paramiko_login_storm.py"), port.ToString(CultureInfo.InvariantCulture), "victim", "wrong-guess", "200", half],
            timeout: TimeSpan.FromMinutes(4));
        var login = await legit;
        bool downloadOutlivedStorm = !download.IsCompleted;
        var dl = await download;
        await stop.CancelAsync();
        await watcher;

        Assert.True(storm.ExitCode == 0, storm.StdOut + storm.StdErr);
        Assert.True(login.ExitCode == 0, login.StdOut + login.StdErr);
        using var json = JsonDocument.Parse(storm.StdOut.Trim().Split('\n')[^1]);
        using var loginJson = JsonDocument.Parse(login.StdOut.Trim().Split('\n')[^1]);
        var r = json.RootElement;
        var good = loginJson.RootElement;
        var log = await File.ReadAllTextAsync(Path.Combine(ConfigDir, "wharf.log"), Ct);
        int queueFull = log.Split('\n').Count(l => l.Contains("\"sender\":\"connection_failed\"", StringComparison.Ordinal) && l.Contains("queue full", StringComparison.Ordinal));
        int evicted = log.Split('\n').Count(l => l.Contains("\"sender\":\"connection_failed\"", StringComparison.Ordinal) && l.Contains("\"error\":\"evicted", StringComparison.Ordinal));
        string summary = $"storm {r}; legitimate login {good}; {queueFull} attempts refused by the full queue, {evicted} connections given way to newcomers before authenticating; baseline {baselineKiB / 1024} MiB, peak {peakKiB / 1024} MiB, longest download stall {longestStall:F2} s, download outlived the storm: {downloadOutlivedStorm}";
        TestContext.Current.TestOutputHelper?.WriteLine(summary); // the figures, for the record

        // Every storm client got its answer, and it was a refusal.
        Assert.True(r.GetProperty("failed").GetInt32() == 200 && r.GetProperty("errors").GetInt32() == 0, summary);

        // The correct login got in while the storm ran. Each attempt is either refused at once (queue
        // full; the client tries again after the 300 ms failure delay) or waits its turn: a queue of 64
        // drains in about 64 × 25 ms / 2 workers ≈ 1 s on an idle machine. Measured 8.7 s (6 attempts)
        // on a 2-core machine also running the 200 paramiko clients; 20 s allows for a slower CI box.
        Assert.True(good.GetProperty("sftp").GetBoolean(), summary);
        Assert.True(good.GetProperty("seconds").GetDouble() < 20, summary);

        // The download completed intact and never stood still long. At 4 MiB/s sftp's 32 KiB reads
        // land every few ms; before the pool, hashes on the receive loops and the thread pool stalled
        // transfers for as long as the storm lasted. 3 s is a margin for a loaded machine.
        Assert.True(dl.ExitCode == 0, dl.StdErr);
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(await File.ReadAllBytesAsync(localFile, Ct)));
        Assert.True(longestStall < 3.0, summary);

        // Memory: two workers × one 19 MiB area each, plus the state of ~100 pre-authentication
        // sessions (packet buffers, key exchange; about 1 MiB each): measured +134 MiB on a 2-core
        // machine. One area per attempt in flight would be up to 100 × 19 MiB ≈ 1.9 GiB; 300 MiB
        // leaves room for GC timing and still fails that by a factor of six.
        Assert.True(peakKiB - baselineKiB < 300 * 1024, summary);

        Assert.Contains("\"sender\":\"connection_failed\"", log);
    }

    private async Task AddUserAsync(string name, string homes, params string[] extra)
    {
        var r = await ServeFixture.UserAsync(ConfigDir, ["add", "--username", name, "--home-dir", Path.Combine(homes, name), .. extra]);
        Assert.True(r.ExitCode == 0, $"user add failed: {r.StdOut} {r.StdErr}");
    }

    private static long Size(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    /// <summary>The resident set of <paramref name="pid"/> in KiB (VmRSS), 0 if it cannot be read.</summary>
    private static long RssKiB(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }
}
