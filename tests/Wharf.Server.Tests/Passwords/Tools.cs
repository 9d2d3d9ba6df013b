using System.Diagnostics;

namespace Wharf.Server.Tests.Passwords;

/// <summary>Runs the reference programs (argon2, mkpasswd, openssl, htpasswd; scripts/install-test-deps.sh installs them).</summary>
internal static class Tools
{
    public static string Run(string program, string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {program}");
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var stderrTask = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{program} {string.Join(' ', args)} failed: {stderrTask.Result}");
        return stdout.Trim();
    }
}
