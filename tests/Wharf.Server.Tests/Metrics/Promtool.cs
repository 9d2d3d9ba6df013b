using System.Diagnostics;

namespace Wharf.Server.Tests.Metrics;

/// <summary>
/// Prometheus' own checker (`promtool check metrics`, Debian package prometheus, installed by
/// scripts/install-test-deps.sh): the second opinion on a page, including its lint rules.
/// </summary>
internal static class Promtool
{
    private const string Path = "/usr/bin/promtool";

    /// <summary>Asserts promtool accepts the page without a single complaint; skips outside CI when promtool is missing.</summary>
    public static async Task AssertAcceptsAsync(string page, CancellationToken ct)
    {
        if (!File.Exists(Path))
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "promtool is missing; scripts/install-test-deps.sh installs the prometheus package");
            Assert.Skip("promtool is not installed (apt-get install prometheus)");
        }

        var (exitCode, output) = await CheckAsync(page, ct);
        Assert.True(exitCode == 0 && output.Length == 0, $"promtool check metrics exited {exitCode}:\n{output}\n--- page ---\n{page}");
    }

    /// <summary>Runs the check on <paramref name="page"/>; returns the exit code and everything it printed.</summary>
    public static async Task<(int ExitCode, string Output)> CheckAsync(string page, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(Path, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start promtool");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.StandardInput.WriteAsync(page.AsMemory(), ct);
        p.StandardInput.Close();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await p.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill();
            throw;
        }

        return (p.ExitCode, ((await stdout) + (await stderr)).Trim());
    }
}
