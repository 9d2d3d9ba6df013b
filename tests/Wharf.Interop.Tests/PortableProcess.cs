using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Wharf.Interop.Tests;

/// <summary>A running `wharf portable` process, started as a user would start it, killed on dispose.</summary>
public sealed partial class PortableProcess : IAsyncDisposable
{
    private PortableProcess(Process process, int port, string output)
    {
        Process = process;
        Port = port;
        Output = output;
    }

    public Process Process { get; }

    public int Port { get; }

    /// <summary>What it printed up to and including the host-key line.</summary>
    public string Output { get; }

    /// <summary>Starts `wharf portable --config-dir <paramref name="configDir"/> <paramref name="args"/>` and waits until it listens.</summary>
    public static async Task<PortableProcess> StartAsync(string configDir, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(ServeFixture.WharfDll());
        psi.ArgumentList.Add("portable");
        psi.ArgumentList.Add("--config-dir");
        psi.ArgumentList.Add(configDir);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi)!;
        var text = new System.Text.StringBuilder();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var line = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (line is null)
            {
                break;
            }

            text.AppendLine(line);
            if (line.StartsWith("  host keys:", StringComparison.Ordinal))
            {
                var m = PortRegex().Match(text.ToString());
                var w = new PortableProcess(p, int.Parse(m.Groups[1].Value), text.ToString());
                w.Drain(p.StandardOutput);
                w.Drain(p.StandardError);
                return w;
            }
        }

        throw new InvalidOperationException("wharf portable did not start: " + text + await p.StandardError.ReadToEndAsync());
    }

    private readonly System.Text.StringBuilder _log = new();

    /// <summary>What it has printed since it started listening (stdout and stderr; drained so its logging never blocks on a full pipe).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    private void Drain(StreamReader reader) => _ = Task.Run(async () =>
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    });

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Process.Dispose();
    }

    [GeneratedRegex(@"over SFTP on [^\s]*:(\d+)")]
    private static partial Regex PortRegex();
}
