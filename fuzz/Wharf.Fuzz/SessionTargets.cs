using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Wharf.Sftp.Protocol;
using Wharf.Ssh;
using Wharf.Ssh.Authentication;
using Wharf.Ssh.Connection;

namespace Wharf.Fuzz;

/// <summary>
/// Targets that drive a real <see cref="SshServer"/> session over an in-memory connection. The
/// session catches every exception itself; a bug shows as an "internal error" or "handler failed"
/// line at <see cref="SshLogLevel.Error"/>, which these targets turn into a finding.
/// </summary>
internal static class SessionTargets
{
    public static IEnumerable<Target> All =>
    [
        new("session-prekex", "SshServer session from the first byte after the version line: KEXINIT, the KEX messages, anything out of place, raw packets", PreKex),
        new("session", "SshServer session after a real key exchange: each uint16-prefixed chunk is one encrypted packet (user auth, channels, channel requests, global requests, rekey, the sftp subsystem)", Session),
    ];

    private static readonly ConcurrentQueue<string> s_errors = new();

    private static readonly Lazy<SshServer> s_server = new(CreateServer);

    private static SshServer CreateServer()
    {
        var options = new SshServerOptions
        {
            FailedAuthDelay = TimeSpan.Zero,
            LoginGraceTime = TimeSpan.FromSeconds(30),
            Banner = "fuzz",
            AuthenticationMethods = ["publickey", "password", "keyboard-interactive"],
            KeepAliveInterval = TimeSpan.FromMinutes(10),
            Logger = (level, message) =>
            {
                if (level >= SshLogLevel.Error)
                {
                    s_errors.Enqueue(message);
                }
            },
        };
        options.HostKeys.Add(SshTargets.HostKey);
        var server = new SshServer(options)
        {
            Authenticate = AuthenticateAsync,
            ExecHandler = (_, _) => EchoAsync,
            ShellHandler = EchoAsync,
            AllowPty = true,
            EnvironmentFilter = (_, name, _) => name.StartsWith("LC_", StringComparison.Ordinal),
        };
        server.Subsystems["sftp"] = ctx => new SftpSession(new MemoryFileSystem()).RunAsync(ctx.Channel, ctx.Aborted);
        return server;
    }

    private static async Task<int> EchoAsync(SshCommandContext ctx)
    {
        while (true)
        {
            var read = await ctx.Channel.Input.ReadAsync(ctx.Aborted);
            foreach (var segment in read.Buffer)
            {
                await ctx.Channel.WriteAsync(segment, ctx.Aborted);
            }

            ctx.Channel.Input.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return 0;
            }
        }
    }

    private static async Task<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request)
    {
        switch (request)
        {
            case PasswordAuthenticationRequest { UserName: "u" } pw:
                return pw.Password == "p" ? AuthenticationResult.Success : AuthenticationResult.Failure;
            case PasswordAuthenticationRequest { UserName: "expired" } pw:
                return pw.NewPassword is null ? AuthenticationResult.ChangePassword("change it") : AuthenticationResult.Success;
            case PasswordAuthenticationRequest { UserName: "partial" }:
                return AuthenticationResult.Partial("keyboard-interactive");
            case KeyboardInteractiveAuthenticationRequest ki:
                var answers = await ki.PromptAsync("name", "instruction", [new AuthenticationPrompt("Password: ", false), new AuthenticationPrompt("Code: ", true)]);
                return answers is ["p", "42"] ? AuthenticationResult.Success : AuthenticationResult.Failure;
            default:
                return AuthenticationResult.Failure;
        }
    }

    private static void ThrowIfErrors()
    {
        var errors = new List<string>();
        while (s_errors.TryDequeue(out var e))
        {
            errors.Add(e);
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException("the session logged an error:\n" + string.Join("\n", errors));
        }
    }

    private static void PreKex(byte[] data)
    {
        var server = s_server.Value;
        s_errors.Clear();
        var (client, serverEnd) = FuzzDuplex.CreatePair();
        var session = server.HandleConnectionAsync(serverEnd, new IPEndPoint(IPAddress.Loopback, 40000));
        var drain = client.CopyToAsync(Stream.Null);
        client.Write(Encoding.ASCII.GetBytes("SSH-2.0-WharfFuzz\r\n"));
        client.Write(data);
        client.CompleteWrite();
        Targets.Wait(session);
        serverEnd.Dispose();
        Targets.Wait(drain);
        client.Dispose();
        ThrowIfErrors();
    }

    private static void Session(byte[] data)
    {
        var server = s_server.Value;
        s_errors.Clear();
        var (clientEnd, serverEnd) = FuzzDuplex.CreatePair();
        var session = server.HandleConnectionAsync(serverEnd, new IPEndPoint(IPAddress.Loopback, 40000));
        using var client = new FuzzClient(clientEnd);
        Targets.Wait(client.HandshakeAsync());
        var drain = client.DrainAsync();
        Targets.Wait(SendAllAsync(client, data));
        clientEnd.CompleteWrite();
        Targets.Wait(session);
        serverEnd.Dispose();
        Targets.Wait(drain);
        clientEnd.Dispose();
        ThrowIfErrors();
    }

    private static async Task SendAllAsync(FuzzClient client, byte[] data)
    {
        try
        {
            foreach (var payload in SshTargets.Chunks(data))
            {
                if (payload.Length > 0 && payload.Length < 32 * 1024)
                {
                    await client.SendAsync(payload);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The server closed the connection: what is left is not read.
        }
    }
}
