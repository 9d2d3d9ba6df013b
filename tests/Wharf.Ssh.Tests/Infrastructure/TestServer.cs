using System.Net;
using System.Text;
using Wharf.Ssh.Authentication;
using Wharf.Ssh.Connection;
using Wharf.Ssh.Keys;

namespace Wharf.Ssh.Tests.Infrastructure;

/// <summary>
/// An SshServer for in-process tests: user "u" / password "p", user "expired" whose password
/// "old" must be changed to "new", keyboard-interactive for "ki" (answer "p"), publickey for
/// <see cref="UserKey"/>, and commands echo, generate N, pattern N (<see cref="TestPattern"/>),
/// sha256 (of all input, with its length) and sleep.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private static readonly Lazy<SshPrivateKey> s_hostKey = new(() => SshPrivateKey.Generate("ssh-ed25519"));
    private static readonly Lazy<SshPrivateKey> s_userKey = new(() => SshPrivateKey.Generate("ssh-ed25519"));

    public TestServer(Action<SshServerOptions>? configure = null)
    {
        // keyboard-interactive is answered below (user "ki"), so it is offered.
        Options = new SshServerOptions { FailedAuthDelay = TimeSpan.Zero, Banner = "hello banner", AuthenticationMethods = ["publickey", "password", "keyboard-interactive"] };
        Options.HostKeys.Add(s_hostKey.Value);
        configure?.Invoke(Options);
        Server = new SshServer(Options)
        {
            Authenticate = AuthenticateAsync,
            ExecHandler = (_, command) => command.Split(' ') switch
            {
                ["echo", .. var rest] => async ctx =>
                {
                    await ctx.Channel.WriteAsync(Encoding.UTF8.GetBytes(string.Join(' ', rest) + "\n"));
                    return 0;
                },
                ["generate", var n] => async ctx =>
                {
                    var block = new byte[32768];
                    for (long left = long.Parse(n); left > 0; left -= block.Length)
                    {
                        await ctx.Channel.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, left)), ctx.Aborted);
                    }

                    return 0;
                },
                ["pattern", var n] => async ctx =>
                {
                    long total = long.Parse(n);
                    for (long at = 0; at < total; at += 100_000)
                    {
                        await ctx.Channel.WriteAsync(TestPattern.Bytes(at, (int)Math.Min(100_000, total - at)), ctx.Aborted);
                    }

                    return 0;
                },
                ["sha256"] => async ctx =>
                {
                    using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
                    long length = 0;
                    while (true)
                    {
                        var read = await ctx.Channel.Input.ReadAsync(ctx.Aborted);
                        foreach (var segment in read.Buffer)
                        {
                            sha.AppendData(segment.Span);
                            length += segment.Length;
                        }

                        ctx.Channel.Input.AdvanceTo(read.Buffer.End);
                        if (read.IsCompleted)
                        {
                            break;
                        }
                    }

                    await ctx.Channel.WriteAsync(Encoding.ASCII.GetBytes($"{Convert.ToHexStringLower(sha.GetHashAndReset())} {length}\n"), ctx.Aborted);
                    return 0;
                },
                ["sleep"] => async ctx =>
                {
                    await Task.Delay(Timeout.Infinite, ctx.Aborted);
                    return 0;
                },
                _ => null,
            },
        };
    }

    public static SshPrivateKey UserKey => s_userKey.Value;

    public static SshPrivateKey HostKey => s_hostKey.Value;

    public SshServerOptions Options { get; }

    public SshServer Server { get; }

    public int AuthenticationCalls;

    /// <summary>Runs inside each authentication attempt before it is decided (a test may start a key exchange there).</summary>
    public Func<AuthenticationRequest, Task>? BeforeAuthenticate { get; set; }

    private async Task<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request)
    {
        Interlocked.Increment(ref AuthenticationCalls);
        if (BeforeAuthenticate is { } before)
        {
            await before(request);
        }

        return await Decide(request);
    }

    private static Task<AuthenticationResult> Decide(AuthenticationRequest request) => request switch
    {
        PasswordAuthenticationRequest { UserName: "u" } pw => Ok(pw.Password == "p"),
        PasswordAuthenticationRequest { UserName: "expired", NewPassword: null } pw => Task.FromResult(
            pw.Password == "old" ? AuthenticationResult.ChangePassword("expired") : AuthenticationResult.Failure),
        PasswordAuthenticationRequest { UserName: "expired" } pw => Ok(pw.Password == "old" && pw.NewPassword == "new"),
        PublicKeyAuthenticationRequest { UserName: "u" } pk => Ok(pk.Key.Equals(UserKey.PublicKey)),
        KeyboardInteractiveAuthenticationRequest { UserName: "ki" } ki => KiAsync(ki),
        _ => Ok(false),
    };

    private static async Task<AuthenticationResult> KiAsync(KeyboardInteractiveAuthenticationRequest ki)
    {
        var a = await ki.PromptAsync("n", "i", [new AuthenticationPrompt("Password: ", false), new AuthenticationPrompt("Code: ", true)]);
        return a is ["p", "42"] ? AuthenticationResult.Success : AuthenticationResult.Failure;
    }

    private static Task<AuthenticationResult> Ok(bool ok) => Task.FromResult(ok ? AuthenticationResult.Success : AuthenticationResult.Failure);

    /// <summary>Connects a test client through an in-memory duplex pipe.</summary>
    public SshTestClient ConnectInMemory(out Task serverSession)
    {
        var (a, b) = DuplexStream.CreatePair();
        serverSession = Server.HandleConnectionAsync(b, new IPEndPoint(IPAddress.Loopback, 40000));
        return new SshTestClient(a);
    }

    /// <summary>A handshaken, authenticated client.</summary>
    public async Task<SshTestClient> ConnectAuthenticatedAsync()
    {
        var c = ConnectInMemory(out _);
        await c.HandshakeAsync();
        var reply = await c.PasswordAsync("u", "p");
        Assert.Equal(Wharf.Ssh.Messages.SshMessageNumber.UserAuthSuccess, reply[0]);
        return c;
    }

    public void StartTcp() => Server.Start(new IPEndPoint(IPAddress.Loopback, 0));

    public int Port => Server.LocalEndPoint!.Port;

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
