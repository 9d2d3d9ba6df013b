using Wharf.Ssh.Messages;

namespace Wharf.Ssh.Transport;

/// <summary>The algorithms chosen by one key exchange (RFC 4253 §7.1).</summary>
public sealed record NegotiatedAlgorithms(
    string KeyExchange,
    string HostKey,
    string CipherClientToServer,
    string CipherServerToClient,
    string? MacClientToServer,
    string? MacServerToClient,
    string CompressionClientToServer,
    string CompressionServerToClient)
{
    /// <summary>
    /// Chooses each algorithm as the first one in the client's list that the server also
    /// offers. MACs are not negotiated for AEAD ciphers (their MAC field is ignored).
    /// </summary>
    public static NegotiatedAlgorithms Negotiate(KexInitMessage client, KexInitMessage server, Func<string, bool> isAead, Func<string, bool> hostKeyUsable)
    {
        // Pseudo-algorithms such as ext-info-c and kex-strict-* are markers, never a real choice.
        string kex = Choose(client.KexAlgorithms.Where(a => !IsMarker(a)), server.KexAlgorithms, "key exchange");
        string hostKey = Choose(client.ServerHostKeyAlgorithms.Where(hostKeyUsable), server.ServerHostKeyAlgorithms, "host key");
        string cs = Choose(client.CiphersClientToServer, server.CiphersClientToServer, "cipher (client to server)");
        string sc = Choose(client.CiphersServerToClient, server.CiphersServerToClient, "cipher (server to client)");
        string? macCs = isAead(cs) ? null : Choose(client.MacsClientToServer, server.MacsClientToServer, "MAC (client to server)");
        string? macSc = isAead(sc) ? null : Choose(client.MacsServerToClient, server.MacsServerToClient, "MAC (server to client)");
        string compCs = Choose(client.CompressionClientToServer, server.CompressionClientToServer, "compression (client to server)");
        string compSc = Choose(client.CompressionServerToClient, server.CompressionServerToClient, "compression (server to client)");
        return new(kex, hostKey, cs, sc, macCs, macSc, compCs, compSc);
    }

    private static bool IsMarker(string name) =>
        name is "ext-info-c" or "ext-info-s" || name.StartsWith("kex-strict-", StringComparison.Ordinal);

    private static string Choose(IEnumerable<string> client, string[] server, string what)
    {
        foreach (var c in client)
        {
            if (Array.IndexOf(server, c) >= 0)
            {
                return c;
            }
        }

        throw new SshConnectionException($"no matching {what} algorithm", SshDisconnectReason.KeyExchangeFailed);
    }
}
