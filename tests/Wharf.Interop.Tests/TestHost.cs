using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Wharf.Ssh;
using Wharf.Ssh.Authentication;
using Wharf.Ssh.Connection;
using Wharf.Ssh.Keys;

namespace Wharf.Interop.Tests;

/// <summary>
/// A Wharf SSH server on a loopback port with every algorithm enabled, host keys of every type,
/// and a few real commands (echo, cat, sha256, generate, exit, scp source) for clients to run.
/// Users: alice (password, any of the generated user keys, certificates from the test CA,
/// keyboard-interactive), bob (publickey then password).
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    public const string AlicePassword = "alice-Pw-123";
    public const string BobPassword = "bob-Pw-456";

    public static readonly string[] AllKex =
    [
        "mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com", "mlkem768nistp256-sha256",
        "curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384", "ecdh-sha2-nistp521",
        "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
        "diffie-hellman-group14-sha256", "diffie-hellman-group14-sha1",
    ];

    public static readonly string[] AllCiphers =
    [
        "chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr",
    ];

    public static readonly string[] AllMacs =
    [
        "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512", "hmac-sha1-etm@openssh.com", "hmac-sha1",
    ];

    public static readonly string[] AllHostKeyAlgorithms =
    [
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256",
    ];

    private static readonly object LogLock = new();
    private int _started;
    private int _ended;

    private readonly SshServer _server;

    public TestHost(SshServerOptions options, TestKeys keys)
    {
        Keys = keys;
        _server = new SshServer(options)
        {
            Authenticate = AuthenticateAsync,
            ExecHandler = (_, command) => Commands(command),
            EnvironmentFilter = (_, name, _) => name.StartsWith("LC_", StringComparison.Ordinal),
        };
        _server.SessionStarted += _ => Interlocked.Increment(ref _started);
        _server.SessionEnded += s =>
        {
            LastSession = s;
            Interlocked.Increment(ref _ended);
        };
        _server.Start(new IPEndPoint(IPAddress.Loopback, 0));
    }

    /// <summary>The most recently ended session (tests in one class run one at a time).</summary>
    public SshSession? LastSession { get; private set; }

    /// <summary>Waits until the session of the client that just exited has ended on the server.</summary>
    public async Task<SshSession> WaitForSessionEndAsync()
    {
        for (int i = 0; i < 400 && Volatile.Read(ref _ended) < Volatile.Read(ref _started); i++)
        {
            await Task.Delay(25);
        }

        return LastSession ?? throw new InvalidOperationException("no session ended");
    }

    public TestKeys Keys { get; }

    public SshServer Server => _server;

    public int Port => _server.LocalEndPoint!.Port;

    /// <summary>The files the scp source command serves, by name.</summary>
    public Dictionary<string, byte[]> Files { get; } = new();

    /// <summary>Every algorithm on, host keys of every type.</summary>
    public static TestHost CreateFull(TestKeys keys, Action<SshServerOptions>? configure = null)
    {
        var o = new SshServerOptions
        {
            KeyExchangeAlgorithms = [.. AllKex],
            Ciphers = [.. AllCiphers],
            Macs = [.. AllMacs],
            HostKeyAlgorithms = [.. AllHostKeyAlgorithms],
            MaxAuthAttempts = 6,
            FailedAuthDelay = TimeSpan.FromMilliseconds(10),
            Banner = "Wharf test banner\r\n",
            AuthenticationMethods = ["publickey", "password", "keyboard-interactive"], // alice has a keyboard-interactive handler
            Logger = (level, message) =>
            {
                if (level >= SshLogLevel.Information)
                {
                    lock (LogLock)
                    {
                        File.AppendAllText(Path.Combine(keys.Directory, "server.log"), $"{DateTime.UtcNow:O} {level} {message}\n");
                    }
                }
            },
        };
        o.HostKeys.AddRange(keys.HostKeys);
        o.TrustedUserCaKeys.Add(keys.UserCa);
        configure?.Invoke(o);
        return new TestHost(o, keys);
    }

    private Task<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request) => request switch
    {
        PasswordAuthenticationRequest { UserName: "alice" } pw => Result(pw.Password == AlicePassword),
        PasswordAuthenticationRequest { UserName: "bob" } pw => Result(pw.Password == BobPassword && pw.CompletedMethods.Contains("publickey")),
        PasswordAuthenticationRequest { UserName: "expired" } pw => Task.FromResult(
            pw.NewPassword is { } np ? (pw.Password == "old" && np == "new" ? AuthenticationResult.Success : AuthenticationResult.Failure)
            : pw.Password == "old" ? AuthenticationResult.ChangePassword("Password expired, choose a new one") : AuthenticationResult.Failure),
        PublicKeyAuthenticationRequest { UserName: "alice" } pk => Result(pk.Certificate is not null || Keys.UserPublicKeys.Contains(pk.Key)),
        PublicKeyAuthenticationRequest { UserName: "bob" } pk when Keys.UserPublicKeys.Contains(pk.Key) =>
            Task.FromResult(pk.IsQuery ? AuthenticationResult.Success : AuthenticationResult.Partial("password")),
        KeyboardInteractiveAuthenticationRequest { UserName: "alice" } ki => KeyboardInteractiveAsync(ki),
        _ => Task.FromResult(AuthenticationResult.Failure),
    };

    private static Task<AuthenticationResult> Result(bool ok) => Task.FromResult(ok ? AuthenticationResult.Success : AuthenticationResult.Failure);

    private static async Task<AuthenticationResult> KeyboardInteractiveAsync(KeyboardInteractiveAuthenticationRequest ki)
    {
        var answers = await ki.PromptAsync("Wharf", "Two questions", [new AuthenticationPrompt("Password: ", false)]);
        if (answers[0] != AlicePassword)
        {
            return AuthenticationResult.Failure;
        }

        // A second round, to prove several rounds work (OpenSSH answers it with the same askpass).
        var again = await ki.PromptAsync("Wharf", "Confirm", [new AuthenticationPrompt("Password again: ", false)]);
        return again[0] == AlicePassword ? AuthenticationResult.Success : AuthenticationResult.Failure;
    }

    private SshCommandHandler? Commands(string command)
    {
        var parts = command.Split(' ', 2);
        string arg = parts.Length > 1 ? parts[1] : "";
        return parts[0] switch
        {
            "echo" => async ctx =>
            {
                await ctx.Channel.WriteAsync(Encoding.UTF8.GetBytes(arg + "\n"));
                return 0;
            },
            "env" => async ctx =>
            {
                var text = string.Concat(ctx.Environment.OrderBy(e => e.Key).Select(e => $"{e.Key}={e.Value}\n"));
                await ctx.Channel.WriteAsync(Encoding.UTF8.GetBytes(text));
                return 0;
            },
            "cat" => async ctx =>
            {
                var input = ctx.Channel.Input;
                while (true)
                {
                    var r = await input.ReadAsync(ctx.Aborted);
                    foreach (var seg in r.Buffer)
                    {
                        await ctx.Channel.WriteAsync(seg, ctx.Aborted);
                    }

                    input.AdvanceTo(r.Buffer.End);
                    if (r.IsCompleted)
                    {
                        return 0;
                    }
                }
            },
            "sha256" => async ctx =>
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                long total = 0;
                var input = ctx.Channel.Input;
                while (true)
                {
                    var r = await input.ReadAsync(ctx.Aborted);
                    foreach (var seg in r.Buffer)
                    {
                        hash.AppendData(seg.Span);
                    }

                    total += r.Buffer.Length;
                    input.AdvanceTo(r.Buffer.End);
                    if (r.IsCompleted)
                    {
                        break;
                    }
                }

                await ctx.Channel.WriteAsync(Encoding.ASCII.GetBytes($"{Convert.ToHexStringLower(hash.GetHashAndReset())} {total}\n"));
                return 0;
            },
            "generate" => async ctx =>
            {
                long n = long.Parse(arg);
                var block = new byte[64 * 1024];
                var rng = new Random(12345);
                while (n > 0)
                {
                    rng.NextBytes(block);
                    int k = (int)Math.Min(block.Length, n);
                    await ctx.Channel.WriteAsync(block.AsMemory(0, k), ctx.Aborted);
                    n -= k;
                }

                return 0;
            },
            "stderr" => async ctx =>
            {
                await ctx.Channel.WriteErrorAsync(Encoding.UTF8.GetBytes(arg + "\n"));
                return 3;
            },
            "exit" => _ => Task.FromResult(int.Parse(arg)),
            "scp" when arg.Split(' ', 2) is [var flags, var path] && flags.StartsWith('-') && flags.Contains('f') =>
                ctx => ScpSourceAsync(ctx, path.Trim().Trim('\'', '"'), preserveTimes: flags.Contains('p')),
            _ => null,
        };
    }

    /// <summary>Generated data for "generate N": the same bytes a test can compute locally.</summary>
    public static byte[] Generated(long n)
    {
        var result = new byte[n];
        var block = new byte[64 * 1024];
        var rng = new Random(12345);
        for (long off = 0; off < n; off += block.Length)
        {
            rng.NextBytes(block);
            block.AsSpan(0, (int)Math.Min(block.Length, n - off)).CopyTo(result.AsSpan((int)off));
        }

        return result;
    }

    /// <summary>The sending side of rcp/scp ("scp -f"), just enough for one file.</summary>
    private async Task<int> ScpSourceAsync(SshCommandContext ctx, string path, bool preserveTimes)
    {
        var name = Path.GetFileName(path);
        if (!Files.TryGetValue(name, out var data))
        {
            await ReadByteAsync(ctx.Channel.Input, ctx.Aborted);
            await ctx.Channel.WriteAsync(Encoding.UTF8.GetBytes($"\u0001scp: {path}: No such file or directory\n"));
            return 1;
        }

        if (await ReadByteAsync(ctx.Channel.Input, ctx.Aborted) != 0)
        {
            return 1;
        }

        if (preserveTimes)
        {
            await ctx.Channel.WriteAsync(Encoding.UTF8.GetBytes("T1700000000 0 1700000000 0\n"));
            if (await ReadByteAsync(ctx.Channel.Input, ctx.Aborted) != 0)
            {
                return 1;
            }
        }

        await ctx.Channel.WriteAsync(Encoding.UTF8.GetBytes($"C0644 {data.Length} {name}\n"));
        if (await ReadByteAsync(ctx.Channel.Input, ctx.Aborted) != 0)
        {
            return 1;
        }

        await ctx.Channel.WriteAsync(data);
        await ctx.Channel.WriteAsync(new byte[] { 0 });
        await ReadByteAsync(ctx.Channel.Input, ctx.Aborted);
        return 0;
    }

    private static async Task<int> ReadByteAsync(PipeReader input, CancellationToken ct)
    {
        while (true)
        {
            var r = await input.ReadAsync(ct);
            if (!r.Buffer.IsEmpty)
            {
                byte b = r.Buffer.FirstSpan[0];
                input.AdvanceTo(r.Buffer.GetPosition(1));
                return b;
            }

            input.AdvanceTo(r.Buffer.End);
            if (r.IsCompleted)
            {
                return -1;
            }
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
