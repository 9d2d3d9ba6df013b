// An SFTP server embedded in a program: one shared folder, password login, and a host that
// watches, refuses and redirects what clients do.
//   dotnet run --project samples/Wharf.Samples.SftpHost -- ./shared 2222
//   sftp -P 2222 demo@127.0.0.1        (password: demo)
using System.Net;
using Wharf.Sftp;
using Wharf.Ssh.Authentication;
using Wharf.Ssh.Keys;

string root = args.Length > 0 ? args[0] : "shared";
int port = args.Length > 1 ? int.Parse(args[1]) : 2222;
Directory.CreateDirectory(root);

var server = new SftpServer(new SftpServerOptions { RootDirectory = root });
server.Options.Ssh.HostKeys.AddRange(HostKeyStore.LoadOrCreate("host-keys"));
server.Authenticate = request => Task.FromResult(
    request is PasswordAuthenticationRequest { UserName: "demo", Password: "demo" } ? AuthenticationResult.Success : AuthenticationResult.Failure);

server.Connected += (_, e) => Console.WriteLine($"+ {e.Connection.RemoteEndPoint}");
server.Disconnected += (_, e) => Console.WriteLine($"- {e.Connection.RemoteEndPoint} ({e.Connection.UserName})");
server.FileOpen += (_, e) =>
{
    if (e.IsBefore && e.Path.EndsWith(".exe", StringComparison.OrdinalIgnoreCase))
    {
        e.Deny(SftpStatusCode.PermissionDenied, "executables are not accepted");
    }
};
server.FileClose += (_, e) =>
{
    if (!e.IsBefore)
    {
        Console.WriteLine($"{e.Connection.UserName} finished {e.Path}: {e.Status}");
    }
};

server.Start(new IPEndPoint(IPAddress.Loopback, port));
Console.WriteLine($"SFTP on {server.LocalEndPoint}, serving {Path.GetFullPath(root)}; Ctrl-C stops.");
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
await stop.Task;
await server.DisposeAsync();
