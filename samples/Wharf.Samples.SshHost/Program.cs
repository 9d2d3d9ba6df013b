// A minimal SSH host on Wharf.Ssh: password or authorized_keys login, and an "echo" command.
//   dotnet run --project samples/Wharf.Samples.SshHost -- --port 2222 --user demo --password demo
//   ssh -p 2222 demo@127.0.0.1 echo hi
// --kex a,b,... replaces the offered key exchange methods (e.g. to try mlkem768nistp256-sha256).
using System.Net;
using System.Text;
using Wharf.Ssh;
using Wharf.Ssh.Authentication;
using Wharf.Ssh.Keys;

var arg = (string name, string fallback) =>
    Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
int port = int.Parse(arg("--port", "2222"));
string user = arg("--user", "demo");
string password = arg("--password", "demo");
string keyDir = arg("--host-key-dir", Path.Combine(AppContext.BaseDirectory, "host-keys"));
string? authorizedKeys = arg("--authorized-keys", "") is { Length: > 0 } p ? p : null;

var options = new SshServerOptions { Logger = (level, msg) => Console.Error.WriteLine($"{level}: {msg}") };
if (arg("--kex", "") is { Length: > 0 } kex)
{
    options.KeyExchangeAlgorithms = [.. kex.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
}

options.HostKeys.AddRange(HostKeyStore.LoadOrCreate(keyDir));
var allowedKeys = authorizedKeys is null ? [] : AuthorizedKeyEntry.ParseFile(File.ReadAllText(authorizedKeys)).Select(e => e.Key).ToList();

await using var server = new SshServer(options)
{
    Authenticate = request => Task.FromResult(request switch
    {
        PasswordAuthenticationRequest pw when pw.UserName == user &&
            CryptographicEquals(pw.Password, password) => AuthenticationResult.Success,
        PublicKeyAuthenticationRequest pk when pk.UserName == user && allowedKeys.Contains(pk.Key) => AuthenticationResult.Success,
        _ => AuthenticationResult.Failure,
    }),
    ExecHandler = (session, command) => command.StartsWith("echo", StringComparison.Ordinal)
        ? async ctx =>
        {
            await ctx.Channel.WriteAsync(Encoding.UTF8.GetBytes(command.Length > 5 ? command[5..] + "\n" : "\n"));
            return 0;
        }
        : null,
};
server.Start(new IPEndPoint(IPAddress.Loopback, port));
Console.WriteLine($"listening on {server.LocalEndPoint}; user '{user}'. Ctrl-C stops.");
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
await stop.Task;

static bool CryptographicEquals(string a, string b) =>
    System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
