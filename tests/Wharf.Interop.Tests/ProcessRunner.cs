using System.Diagnostics;

namespace Wharf.Interop.Tests;

/// <summary>Runs a real program with a time limit and captures its output.</summary>
public static class ProcessRunner
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr, byte[] StdOutBytes);

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, byte[]? stdin = null,
        IDictionary<string, string>? env = null, TimeSpan? timeout = null, string? stdinFile = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                psi.Environment[k] = v;
            }
        }

        using var p = Process.Start(psi)!;
        var outTask = ReadAllAsync(p.StandardOutput.BaseStream);
        var errTask = p.StandardError.ReadToEndAsync();
        try
        {
            if (stdinFile is not null)
            {
                await using var f = File.OpenRead(stdinFile);
                await f.CopyToAsync(p.StandardInput.BaseStream);
            }
            else if (stdin is not null)
            {
                await p.StandardInput.BaseStream.WriteAsync(stdin);
            }

            p.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program may exit before reading all of its input; its exit code tells the story.
        }

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in time; stderr: {await errTask}");
        }

        var bytes = await outTask;
        return new Result(p.ExitCode, System.Text.Encoding.UTF8.GetString(bytes), await errTask, bytes);
    }

    private static async Task<byte[]> ReadAllAsync(Stream s)
    {
        using var ms = new MemoryStream();
        await s.CopyToAsync(ms);
        return ms.ToArray();
    }
}
