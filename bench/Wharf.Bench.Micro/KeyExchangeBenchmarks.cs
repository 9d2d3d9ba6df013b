using System.Text;
using BenchmarkDotNet.Attributes;
using Wharf.Ssh.Algorithms.KeyExchange;
using Wharf.Ssh.Keys;

namespace Wharf.Bench.Micro;

/// <summary>
/// Server CPU for one handshake's key exchange: the server party's ephemeral key (or, for the
/// hybrids, the encapsulation), the shared secret, H and the ssh-ed25519 signature over it, for
/// one client init (message 30) prepared in setup. Compares the post-quantum hybrids with the
/// classical methods they sit in front of.
/// </summary>
public class KeyExchangeBenchmarks
{
    private Ed25519PrivateKey _hostKey = null!;
    private KeyExchangeAlgorithm _algorithm = null!;
    private KexContext _serverContext = null!;
    private byte[] _init = [];

    [Params("curve25519-sha256", "mlkem768x25519-sha256", "sntrup761x25519-sha512", "ecdh-sha2-nistp256", "diffie-hellman-group16-sha512")]
    public string Method { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _hostKey = Ed25519PrivateKey.Generate();
        if (!KeyExchangeCatalog.TryGet(Method, out var algorithm))
        {
            throw new InvalidOperationException($"unknown method {Method}");
        }

        _algorithm = algorithm;
        byte[] clientVersion = Encoding.ASCII.GetBytes("SSH-2.0-Bench_1.0");
        byte[] serverVersion = Encoding.ASCII.GetBytes("SSH-2.0-Wharf_bench");
        byte[] clientKexInit = [20, .. new byte[200]];
        byte[] serverKexInit = [20, .. new byte[180]];
        _serverContext = new KexContext
        {
            ClientVersion = clientVersion,
            ServerVersion = serverVersion,
            ClientKexInit = clientKexInit,
            ServerKexInit = serverKexInit,
            HostKey = _hostKey,
            HostKeyAlgorithm = "ssh-ed25519",
        };
        using var client = _algorithm.CreateClient(new KexContext
        {
            ClientVersion = clientVersion,
            ServerVersion = serverVersion,
            ClientKexInit = clientKexInit,
            ServerKexInit = serverKexInit,
            VerifyHostSignature = (_, _, _) => true,
            HostKeyAlgorithm = "ssh-ed25519",
        });
        _init = client.Start()!;
    }

    [Benchmark]
    public int ServerHandshake()
    {
        using var server = _algorithm.CreateServer(_serverContext);
        return server.Handle(_init)[0].Length;
    }
}
