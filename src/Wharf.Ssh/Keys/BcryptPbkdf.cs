using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Wharf.Ssh.Keys;

/// <summary>
/// OpenBSD's bcrypt_pbkdf, the KDF of encrypted openssh-key-v1 files: a PBKDF2-like construction
/// whose PRF is a bcrypt hash over SHA-512 digests of the passphrase and salt, with the output
/// bytes interleaved across blocks so every byte depends on all rounds.
/// </summary>
internal static class BcryptPbkdf
{
    private const int HashSize = 32;
    private const int Words = HashSize / 4;

    // "OxychromaticBlowfishSwatDynamite", bcrypt_pbkdf's fixed plaintext.
    private static readonly byte[] Magic = "OxychromaticBlowfishSwatDynamite"u8.ToArray();

    /// <summary>Derives <paramref name="output"/>.Length bytes.</summary>
    /// <exception cref="ArgumentException">Rounds below 1, or an output length OpenSSH would not ask for.</exception>
    public static void Derive(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int rounds, Span<byte> output)
    {
        if (rounds < 1)
        {
            throw new ArgumentException("bcrypt_pbkdf needs at least one round", nameof(rounds));
        }

        if (output.Length == 0 || output.Length > HashSize * HashSize)
        {
            throw new ArgumentException("bcrypt_pbkdf output length must be 1..1024", nameof(output));
        }

        if (salt.Length == 0 || salt.Length > 1 << 20)
        {
            throw new ArgumentException("bcrypt_pbkdf salt length must be 1..2^20", nameof(salt));
        }

        int stride = (output.Length + HashSize - 1) / HashSize;
        int amount = (output.Length + stride - 1) / stride;

        Span<byte> sha2Pass = stackalloc byte[64];
        Span<byte> sha2Salt = stackalloc byte[64];
        Span<byte> block = stackalloc byte[HashSize];
        Span<byte> temp = stackalloc byte[HashSize];
        SHA512.HashData(password, sha2Pass);
        var countSalt = new byte[salt.Length + 4];
        salt.CopyTo(countSalt);
        var blowfish = new Blowfish();

        int remaining = output.Length;
        try
        {
            for (int count = 1; remaining > 0; count++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(countSalt.AsSpan(salt.Length), (uint)count);
                SHA512.HashData(countSalt, sha2Salt);
                Hash(blowfish, sha2Pass, sha2Salt, temp);
                temp.CopyTo(block);
                for (int i = 1; i < rounds; i++)
                {
                    SHA512.HashData(temp, sha2Salt);
                    Hash(blowfish, sha2Pass, sha2Salt, temp);
                    for (int k = 0; k < HashSize; k++)
                    {
                        block[k] ^= temp[k];
                    }
                }

                int take = Math.Min(amount, remaining);
                int written = 0;
                for (; written < take; written++)
                {
                    int destination = (written * stride) + (count - 1);
                    if (destination >= output.Length)
                    {
                        break;
                    }

                    output[destination] = block[written];
                }

                remaining -= written;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sha2Pass);
            CryptographicOperations.ZeroMemory(block);
            CryptographicOperations.ZeroMemory(temp);
            blowfish.Reset();
        }
    }

    /// <summary>bcrypt_hash: EksBlowfish keyed by the two digests, then 64 encryptions of the magic.</summary>
    private static void Hash(Blowfish blowfish, ReadOnlySpan<byte> sha2Pass, ReadOnlySpan<byte> sha2Salt, Span<byte> output)
    {
        blowfish.Reset();
        blowfish.ExpandState(sha2Salt, sha2Pass);
        for (int i = 0; i < 64; i++)
        {
            blowfish.Expand0State(sha2Salt);
            blowfish.Expand0State(sha2Pass);
        }

        Span<uint> cdata = stackalloc uint[Words];
        for (int i = 0; i < Words; i++)
        {
            cdata[i] = BinaryPrimitives.ReadUInt32BigEndian(Magic.AsSpan(i * 4));
        }

        for (int i = 0; i < 64; i++)
        {
            for (int k = 0; k < Words; k += 2)
            {
                blowfish.Encipher(ref cdata[k], ref cdata[k + 1]);
            }
        }

        // bcrypt_pbkdf emits each word little-endian, unlike the rest of Blowfish.
        for (int i = 0; i < Words; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(output[(i * 4)..], cdata[i]);
        }
    }
}
