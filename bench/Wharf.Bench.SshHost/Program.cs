// SSH channel throughput host for benchmarks: "sink" reads stdin to the end, "source N" writes
// N zero bytes. Public key login for any user whose key is in --authorized-keys.
//   Wharf.Bench.SshHost --port P --authorized-keys FILE [--window BYTES] [--packet BYTES] [--host-key-dir DIR]
using System.Net;
using Wharf.Ssh;
using Wharf.Ssh.Authentication;
using Wharf.Ssh.Keys;

string Arg(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;

var options = new SshServerOptions
{
    ChannelWindowSize = uint.Parse(Arg("--window", (8 * 1024 * 1024).ToString())),
    ChannelMaxPacketSize = uint.Parse(Arg("--packet", (256 * 1024).ToString())),
    KeepAliveInterval = TimeSpan.Zero,
};
options.HostKeys.AddRange(HostKeyStore.LoadOrCreate(Arg("--host-key-dir", Path.Combine(Path.GetTempPath(), "wharf-bench-keys"))));
var keys = AuthorizedKeyEntry.ParseFile(File.ReadAllText(Arg("--authorized-keys", ""))).Select(e => e.Key).ToHashSet();
await using var server = new SshServer(options)
{
    Authenticate = r => Task.FromResult(r is PublicKeyAuthenticationRequest pk && keys.Contains(pk.Key)
        ? AuthenticationResult.Success : AuthenticationResult.Failure),
    ExecHandler = (_, command) => command.Split(' ') switch
    {
        ["sink"] => async ctx =>
        {
            while (true)
            {
                var r = await ctx.Channel.Input.ReadAsync(ctx.Aborted);
                ctx.Channel.Input.AdvanceTo(r.Buffer.End);
                if (r.IsCompleted)
                {
                    return 0;
                }
            }
        },
        ["source", var n] => async ctx =>
        {
            var block = new byte[256 * 1024];
            for (long left = long.Parse(n); left > 0; left -= block.Length)
            {
                await ctx.Channel.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, left)), ctx.Aborted);
            }

            return 0;
        },
        _ => null,
    },
};
server.Start(new IPEndPoint(IPAddress.Loopback, int.Parse(Arg("--port", "2300"))));
Console.WriteLine($"listening on {server.LocalEndPoint}");
await Task.Delay(Timeout.Infinite);
