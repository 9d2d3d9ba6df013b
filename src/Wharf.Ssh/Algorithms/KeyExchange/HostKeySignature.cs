using Wharf.Ssh.IO;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>Signs H on the server and checks the signature on the client, shared by every method.</summary>
internal static class HostKeySignature
{
    /// <summary>Server: the signature blob <c>string algorithm, string signature</c> over H.</summary>
    public static byte[] Sign(KexContext context, ReadOnlySpan<byte> exchangeHash)
    {
        var key = RequireHostKey(context);
        var raw = key.Sign(context.HostKeyAlgorithm, exchangeHash);
        using var w = new SshWriter(raw.Length + 64);
        w.WriteString(context.HostKeyAlgorithm);
        w.WriteBinary(raw);
        return w.ToArray();
    }

    /// <summary>Server: fails early, before any peer data is processed, when no host key was supplied.</summary>
    public static Keys.SshPrivateKey RequireHostKey(KexContext context) =>
        context.HostKey ?? throw new InvalidOperationException("the server side of a key exchange needs KexContext.HostKey");

    /// <summary>Client: throws KeyExchangeFailed unless the transport's verifier accepts the signature.</summary>
    public static void Verify(KexContext context, byte[] hostKeyBlob, byte[] exchangeHash, byte[] signatureBlob)
    {
        var verify = context.VerifyHostSignature
            ?? throw KexFailure.Failed("no host signature verifier: the server cannot be authenticated");
        if (!verify(hostKeyBlob, exchangeHash, signatureBlob))
        {
            throw KexFailure.Failed("server host key signature over the exchange hash is not valid");
        }
    }
}
