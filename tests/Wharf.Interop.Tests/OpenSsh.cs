namespace Wharf.Interop.Tests;

/// <summary>Runs OpenSSH's ssh client against a test host, with no user configuration and no known_hosts.</summary>
public static class OpenSsh
{
    public static Task<ProcessRunner.Result> RunAsync(int port, string user, string command, IEnumerable<string>? options = null,
        string? identity = null, string? password = null, byte[]? stdin = null, string? stdinFile = null, TimeSpan? timeout = null,
        string? openSshDir = null)
    {
        var args = new List<string>
        {
            "-F", "/dev/null", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=20", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
        };
        var env = new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = "" };
        if (password is not null)
        {
            env["SSH_ASKPASS"] = TestKeys.Instance.AskPass;
            env["SSH_ASKPASS_REQUIRE"] = "force";
            env["DISPLAY"] = ":0";
            env["WHARF_TEST_PASSWORD"] = password;
            if (identity is null)
            {
                args.AddRange(["-o", "PubkeyAuthentication=no"]);
            }
        }
        else
        {
            args.AddRange(["-o", "BatchMode=yes"]);
        }

        if (identity is not null)
        {
            args.AddRange(["-i", identity]);
        }
        else if (password is null)
        {
            args.AddRange(["-i", TestKeys.Instance.UserKeyPath("ed25519")]);
        }

        if (options is not null)
        {
            foreach (var o in options)
            {
                args.AddRange(["-o", o]);
            }
        }

        args.Add(user + "@127.0.0.1");
        args.Add(command);
        var ssh = openSshDir is null ? "ssh" : Path.Combine(openSshDir, "ssh");
        return ProcessRunner.RunAsync(ssh, args, stdin, env, timeout ?? TimeSpan.FromSeconds(90), stdinFile);
    }

    /// <summary>Runs OpenSSH's sftp with password login (askpass), commands on standard input.</summary>
    public static Task<ProcessRunner.Result> SftpWithPasswordAsync(int port, string user, string password, IEnumerable<string> commands, string workingDirectory)
    {
        var args = new List<string>
        {
            "-c", "cd \"$0\" && exec sftp \"$@\"", workingDirectory,
            "-F", "/dev/null", "-P", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password", user + "@127.0.0.1",
        };
        var env = new Dictionary<string, string>
        {
            ["SSH_AUTH_SOCK"] = "",
            ["SSH_ASKPASS"] = TestKeys.Instance.AskPass,
            ["SSH_ASKPASS_REQUIRE"] = "force",
            ["DISPLAY"] = ":0",
            ["WHARF_TEST_PASSWORD"] = password,
        };
        var stdin = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', commands) + "\n");
        return ProcessRunner.RunAsync("/bin/sh", args, stdin, env, TimeSpan.FromSeconds(120));
    }

    /// <summary>Runs OpenSSH's sftp in batch mode (-b) with public key login; each line a command.</summary>
    public static async Task<ProcessRunner.Result> SftpBatchAsync(int port, string user, IEnumerable<string> commands,
        IEnumerable<string>? options = null, string? identity = null, string? workingDirectory = null, TimeSpan? timeout = null,
        IEnumerable<string>? sftpFlags = null, string? openSshDir = null, string logLevel = "ERROR")
    {
        var batch = Path.Combine(TestKeys.Instance.Directory, "batch-" + Guid.NewGuid().ToString("N")[..8]);
        await File.WriteAllLinesAsync(batch, commands);
        var args = new List<string>
        {
            "-F", "/dev/null", "-P", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-b", batch,
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=" + logLevel,
            "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-i", identity ?? TestKeys.Instance.UserKeyPath("ed25519"),
        };
        if (openSshDir is not null)
        {
            // sftp runs the ssh it was built with (an installed path) unless told which.
            args.AddRange(["-S", Path.Combine(openSshDir, "ssh")]);
        }

        foreach (var o in options ?? [])
        {
            args.AddRange(["-o", o]);
        }

        args.AddRange(sftpFlags ?? []);
        args.Add(user + "@127.0.0.1");
        var sftp = openSshDir is null ? "sftp" : Path.Combine(openSshDir, "sftp");
        var sh = new List<string> { "-c", "cd \"$0\" && p=$1 && shift && exec \"$p\" \"$@\"", workingDirectory ?? TestKeys.Instance.Directory, sftp };
        sh.AddRange(args);
        try
        {
            return await ProcessRunner.RunAsync("/bin/sh", sh, env: new Dictionary<string, string> { ["SSH_AUTH_SOCK"] = "" }, timeout: timeout ?? TimeSpan.FromSeconds(180));
        }
        finally
        {
            File.Delete(batch);
        }
    }
}

/// <summary>
/// The OpenSSH 10.5 build (scripts/build-openssh.sh) beside Debian's 9.2: the folder named by
/// WHARF_OPENSSH10 (scripts/test.sh sets it), else the build's default cache folder.
/// </summary>
public static class OpenSsh10
{
    public static string Dir
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable("WHARF_OPENSSH10") is { Length: > 0 } d ? d : "/var/tmp/openssh-10.5p1";
            if (!File.Exists(Path.Combine(dir, "ssh")) || !File.Exists(Path.Combine(dir, "sftp")))
            {
                throw new InvalidOperationException($"OpenSSH 10.5 is not built in {dir}: run scripts/build-openssh.sh (scripts/test.sh does)");
            }

            return dir;
        }
    }
}
