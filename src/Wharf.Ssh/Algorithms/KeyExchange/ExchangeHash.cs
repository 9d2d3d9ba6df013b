using System.Security.Cryptography;
using Wharf.Ssh.IO;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>
/// Builds H. Every method hashes the same prefix (V_C, V_S, I_C, I_S, K_S) and ends with K;
/// only the middle differs, so callers write the middle between <see cref="Begin"/> and
/// <see cref="Finish"/>.
/// </summary>
internal static class ExchangeHash
{
    /// <summary>Returns a writer holding the common prefix.</summary>
    public static SshWriter Begin(KexContext context, ReadOnlySpan<byte> hostKeyBlob)
    {
        var w = new SshWriter(1024);
        w.WriteBinary(context.ClientVersion);
        w.WriteBinary(context.ServerVersion);
        w.WriteBinary(context.ClientKexInit);
        w.WriteBinary(context.ServerKexInit);
        w.WriteBinary(hostKeyBlob);
        return w;
    }

    /// <summary>Appends K (already in wire encoding), hashes, and wipes the buffer because it holds K.</summary>
    public static byte[] Finish(SshWriter w, HashAlgorithmName hash, ReadOnlySpan<byte> sharedSecret)
    {
        try
        {
            w.WriteRaw(sharedSecret);
            return CryptographicOperations.HashData(hash, w.WrittenSpan);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(w.WrittenSpan);
            w.Dispose();
        }
    }
}
