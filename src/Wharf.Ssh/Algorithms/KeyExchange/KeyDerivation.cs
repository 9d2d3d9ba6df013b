using System.Security.Cryptography;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>Derives IVs and keys from a completed exchange (RFC 4253 §7.2).</summary>
public static class KeyDerivation
{
    /// <summary>
    /// Returns <paramref name="length"/> bytes of key material:
    /// K1 = HASH(K || H || letter || session_id), Kn = HASH(K || H || K1 || ... || Kn-1),
    /// concatenated and truncated.
    /// </summary>
    /// <param name="hash">The key exchange method's hash.</param>
    /// <param name="sharedSecret">K in its wire encoding, as in <see cref="KexResult.SharedSecret"/>.</param>
    /// <param name="exchangeHash">H of this exchange.</param>
    /// <param name="letter">'A' to 'F': which IV or key (RFC 4253 §7.2).</param>
    /// <param name="sessionId">H of the first exchange of the connection.</param>
    /// <param name="length">Bytes wanted.</param>
    public static byte[] Derive(HashAlgorithmName hash, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> exchangeHash, char letter, ReadOnlySpan<byte> sessionId, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (letter is < 'A' or > 'F')
        {
            throw new ArgumentOutOfRangeException(nameof(letter), letter, "RFC 4253 §7.2 defines the letters A to F");
        }

        var output = new byte[length];
        if (length == 0)
        {
            return output;
        }

        using var h = IncrementalHash.CreateHash(hash);
        int blockSize = h.HashLengthInBytes;

        // Each block hashes K || H || (everything produced so far); keep all blocks in one buffer
        // so that prefix is a single span, and wipe it because it is key material.
        int blocks = (length + blockSize - 1) / blockSize;
        var material = new byte[blocks * blockSize];
        try
        {
            h.AppendData(sharedSecret);
            h.AppendData(exchangeHash);
            h.AppendData([(byte)letter]);
            h.AppendData(sessionId);
            h.GetHashAndReset(material.AsSpan(0, blockSize));

            for (int i = 1; i < blocks; i++)
            {
                h.AppendData(sharedSecret);
                h.AppendData(exchangeHash);
                h.AppendData(material.AsSpan(0, i * blockSize));
                h.GetHashAndReset(material.AsSpan(i * blockSize, blockSize));
            }

            material.AsSpan(0, length).CopyTo(output);
            return output;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }
}
