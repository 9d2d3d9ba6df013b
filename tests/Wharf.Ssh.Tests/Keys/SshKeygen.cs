using System.Diagnostics;

namespace Wharf.Ssh.Tests.Keys;

/// <summary>Runs OpenSSH's ssh-keygen (and openssl) so tests compare against the reference implementation.</summary>
internal static class SshKeygen
{
    public static string Run(params string[] args) => RunTool("ssh-keygen", args);

    public static string RunTool(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool)
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

        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}");
        }

        return stdout.Result;
    }

    /// <summary>Generates a key with ssh-keygen and returns its path.</summary>
    public static string Generate(string dir, string name, string type, int bits = 0, string passphrase = "", params string[] extra)
    {
        string path = Path.Combine(dir, name);
        var args = new List<string> { "-q", "-t", type, "-N", passphrase, "-C", name + "@test", "-f", path };
        if (bits != 0)
        {
            args.AddRange(["-b", bits.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        args.AddRange(extra);
        Run([.. args]);
        return path;
    }

    /// <summary>The "type base64" part of a .pub line.</summary>
    public static string TypeAndBase64(string line)
    {
        var parts = line.Trim().Split(' ');
        return parts[0] + " " + parts[1];
    }

    /// <summary>The fingerprint ssh-keygen -lf prints after the bit count.</summary>
    public static string Fingerprint(string path) => Run("-lf", path).Split(' ')[1];
}

/// <summary>A temporary directory deleted after the test class.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "wharf-keys-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
