using System.Text;
using Wharf.Ssh.Algorithms.KeyExchange;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Tests.KeyExchange;

/// <summary>Contexts and an in-memory message pump for running two parties against each other.</summary>
internal sealed class KexHarness : IDisposable
{
    public TestEcdsaHostKey HostKey { get; } = new();

    /// <summary>Every H the client's verifier was asked about.</summary>
    public List<byte[]> VerifiedHashes { get; } = [];

    public static byte[] ClientVersion { get; } = Encoding.ASCII.GetBytes("SSH-2.0-WharfTestClient_1.0");

    public static byte[] ServerVersion { get; } = Encoding.ASCII.GetBytes("SSH-2.0-WharfTestServer_1.0");

    public static byte[] ClientKexInit { get; } = [20, .. Enumerable.Range(0, 40).Select(i => (byte)i)];

    public static byte[] ServerKexInit { get; } = [20, .. Enumerable.Range(0, 37).Select(i => (byte)(200 - i))];

    public KexContext ServerContext() => new()
    {
        ClientVersion = ClientVersion,
        ServerVersion = ServerVersion,
        ClientKexInit = ClientKexInit,
        ServerKexInit = ServerKexInit,
        HostKey = HostKey,
        HostKeyAlgorithm = TestEcdsaPublicKey.Algorithm,
    };

    /// <summary>A client context whose verifier really checks the signature with the test host key.</summary>
    public KexContext ClientContext() => ClientContext(Verify);

    public static KexContext ClientContext(Func<ReadOnlyMemory<byte>, ReadOnlyMemory<byte>, ReadOnlyMemory<byte>, bool>? verifier) => new()
    {
        ClientVersion = ClientVersion,
        ServerVersion = ServerVersion,
        ClientKexInit = ClientKexInit,
        ServerKexInit = ServerKexInit,
        VerifyHostSignature = verifier,
        HostKeyAlgorithm = TestEcdsaPublicKey.Algorithm,
    };

    /// <summary>Pumps messages between the two parties until both are done (or one throws).</summary>
    public static void Run(KeyExchangeParty client, KeyExchangeParty server)
    {
        Assert.Null(server.Start());
        var toServer = new Queue<byte[]>([client.Start() ?? throw new InvalidOperationException("client sent nothing")]);
        var toClient = new Queue<byte[]>();
        for (int round = 0; round < 10 && (client.Result is null || server.Result is null); round++)
        {
            while (toServer.TryDequeue(out var m))
            {
                foreach (var reply in server.Handle(m))
                {
                    toClient.Enqueue(reply);
                }
            }

            while (toClient.TryDequeue(out var m))
            {
                foreach (var reply in client.Handle(m))
                {
                    toServer.Enqueue(reply);
                }
            }
        }

        Assert.NotNull(client.Result);
        Assert.NotNull(server.Result);
        Assert.Empty(toServer);
        Assert.Empty(toClient);
    }

    /// <summary>Verifies a signature blob over H as a real client would, with the test host key.</summary>
    public bool Verify(ReadOnlyMemory<byte> hostKeyBlob, ReadOnlyMemory<byte> exchangeHash, ReadOnlyMemory<byte> signatureBlob)
    {
        VerifiedHashes.Add(exchangeHash.ToArray());
        Assert.Equal(HostKey.PublicKey.Blob.ToArray(), hostKeyBlob.ToArray());
        var r = new SshReader(signatureBlob.Span);
        var algorithm = r.ReadString();
        var signature = r.ReadBinaryArray();
        r.EnsureEnd();
        return HostKey.PublicKey.Verify(algorithm, exchangeHash.Span, signature);
    }

    public void Dispose() => HostKey.Dispose();
}
