namespace Wharf.Interop.Tests;

/// <summary>Runs OpenSSH's ssh client against a test host, with no user configuration and no known_hosts.</summary>
public static class OpenSsh
{
    public static Task<ProcessRunner.Result> RunAsync(int port, string user, string command, IEnumerable<string>? options = null,
        string? identity = null, string? password = null, byte[]? stdin = null, string? stdinFile = null, TimeSpan? timeout = null)
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
        return ProcessRunner.RunAsync("ssh", args, stdin, env, timeout ?? TimeSpan.FromSeconds(90), stdinFile);
    }
}
