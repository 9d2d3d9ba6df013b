using System.Diagnostics;

namespace Wharf.Interop.Tests;

/// <summary>
/// Legitimate clients log in while hundreds of hostile connections from the same address squat on
/// the pre-authentication slots (docs/availability.md): OpenSSH's sftp and paramiko, each login
/// within a few seconds, every time.
/// </summary>
public sealed class FloodTests : IDisposable
{
    private static readonly TimeSpan Bar = TimeSpan.FromSeconds(5);
    private readonly string _dir = Directory.CreateTempSubdirectory("wharf-flood-").FullName;
    private readonly ITestOutputHelper _out;

    public FloodTests(ITestOutputHelper output) => _out = output;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string Python => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    private static string ScriptPath(string name) => Path.Combine(AppContext.BaseDirectory, "scripts", name);

    private static string Pub => File.ReadAllText(TestKeys.Instance.UserKeyPath("ed25519") + ".pub").Trim();

    /// <summary>The server's log lines about the sessions of clients whose version names <paramref name="client"/>.</summary>
    private static string ServerLines(PortableProcess w, string client)
    {
        var lines = w.Log.Split('\n');
        var ids = lines.Where(l => l.Contains("client version: SSH-2.0-" + client, StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf('[') + 1)..].Split(' ')[0]).ToHashSet();
        return string.Join('\n', lines.Where(l => ids.Any(id => l.Contains(id, StringComparison.Ordinal))).TakeLast(20))
            + "\nlast evictions:\n" + string.Join('\n', lines.Where(l => l.Contains("evicted", StringComparison.Ordinal)).TakeLast(15));
    }

    [Theory]
    [InlineData("idle", "--idle", "300")]
    [InlineData("trickling", "--trickle", "300")]
    [InlineData("stopped-after-KEXINIT", "--kexinit", "300")]
    [InlineData("mixed", "--idle", "100", "--trickle", "80", "--version", "60", "--kexinit", "60")]
    public async Task ClientsLogInWhileHundredsOfSquattersFromTheSameAddressHoldOn(string what, params string[] flood)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "served"));
        await using var w = await PortableProcess.StartAsync(Path.Combine(_dir, "config"), "-d", Path.Combine(_dir, "served"),
            "-u", "u", "-p", "secret", "-k", Pub, "-g", "*", "--listen-address", "127.0.0.1", "--log-verbose");

        var psi = new ProcessStartInfo(Python) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(ScriptPath("flood.py"));
        psi.ArgumentList.Add(w.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var a in flood)
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add("--seconds");
        psi.ArgumentList.Add("300");
        using var attacker = Process.Start(psi)!;
        try
        {
            Assert.Equal("ready", await attacker.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));
            await Task.Delay(TimeSpan.FromSeconds(3)); // let the squatters fill every slot

            var times = new List<TimeSpan>();
            for (int i = 0; i < 4; i++)
            {
                var sw = Stopwatch.StartNew();
                var r = await OpenSsh.SftpBatchAsync(w.Port, "u", ["ls -l"], workingDirectory: _dir, timeout: TimeSpan.FromSeconds(60), logLevel: "DEBUG1");
                times.Add(sw.Elapsed);
                Assert.True(r.ExitCode == 0, $"OpenSSH login {i} under the {what} flood failed after {sw.Elapsed}: {r.StdErr}\n{ServerLines(w, "OpenSSH")}");

                sw.Restart();
                var p = await ProcessRunner.RunAsync(Python, [ScriptPath("paramiko_login.py"), w.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "u", "secret"],
                    timeout: TimeSpan.FromSeconds(60));
                times.Add(sw.Elapsed);
                Assert.True(p.ExitCode == 0, $"paramiko login {i} under the {what} flood failed after {sw.Elapsed}: {p.StdOut} {p.StdErr}\n{ServerLines(w, "paramiko")}");
            }

            _out.WriteLine($"{what} flood: logins took {string.Join(", ", times.Select(t => t.TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)))} s");
            Assert.All(times, t => Assert.True(t < Bar, $"a login took {t} under the {what} flood (bar {Bar})"));
        }
        finally
        {
            attacker.StandardInput.Close();
            if (!attacker.WaitForExit(10_000))
            {
                attacker.Kill(entireProcessTree: true);
            }

            _out.WriteLine(await attacker.StandardOutput.ReadToEndAsync());
        }
    }
}
