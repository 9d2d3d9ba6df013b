using Org.BouncyCastle.Pqc.Crypto.NtruPrime;
using Org.BouncyCastle.Security;

namespace Wharf.Ssh.Algorithms.KeyExchange;

/// <summary>
/// Streamlined NTRU Prime sntrup761: the server's encapsulation is our own
/// (<see cref="Sntrup761Encapsulator"/>, constant-time and fast); the client's key generation and
/// decapsulation, which only Wharf's own client and the tests run, are BouncyCastle's, whose NIST
/// round-3 implementation matches OpenSSH's (supercop) sntrup761.c byte for byte. The known-answer
/// tests replay vectors produced by OpenSSH's own code through both.
/// </summary>
internal sealed class Sntrup761 : KeyEncapsulation
{
    /// <summary>The encoded public key: 761 coefficients mod 4591.</summary>
    public const int PublicKeyBytes = 1158;

    /// <summary>The rounded ciphertext (1007 bytes) followed by the 32-byte confirmation hash.</summary>
    public const int CiphertextBytes = 1039;

    public Sntrup761(SecureRandom? random = null)
        : base(random)
    {
    }

    public override int PublicKeyLength => PublicKeyBytes;

    public override int CiphertextLength => CiphertextBytes;

    public override KemKeyPair GenerateKeyPair()
    {
        var generator = new SNtruPrimeKeyPairGenerator();
        generator.Init(new SNtruPrimeKeyGenerationParameters(Random, SNtruPrimeParameters.sntrup761));
        var pair = generator.GenerateKeyPair();
        return new KeyPair(
            (SNtruPrimePublicKeyParameters)pair.Public,
            (SNtruPrimePrivateKeyParameters)pair.Private);
    }

    public override (byte[] Ciphertext, byte[] SharedSecret) Encapsulate(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != PublicKeyBytes)
        {
            throw KexFailure.Failed($"sntrup761 public key is {publicKey.Length} bytes, expected {PublicKeyBytes}");
        }

        // Every 1158-byte string decodes to some polynomial (the decoder reduces out-of-range
        // values), so there is nothing to reject here, as in the reference; a key that is not
        // the client's own only gives a secret the client cannot share. Our own encapsulator,
        // not BouncyCastle's: see Sntrup761Encapsulator for why.
        var random = new byte[Sntrup761Encapsulator.RandomBytes];
        var ciphertext = new byte[CiphertextBytes];
        var secret = new byte[SharedSecretLength];
        try
        {
            Random.NextBytes(random);
            Sntrup761Encapsulator.Encapsulate(publicKey, random, ciphertext, secret);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(random);
        }

        return (ciphertext, secret);
    }

    private sealed class KeyPair(SNtruPrimePublicKeyParameters publicKey, SNtruPrimePrivateKeyParameters privateKey) : KemKeyPair
    {
        private readonly byte[] _publicKey = publicKey.GetEncoded();

        public override ReadOnlySpan<byte> PublicKey => _publicKey;

        public override byte[] Decapsulate(ReadOnlySpan<byte> ciphertext)
        {
            if (ciphertext.Length != CiphertextBytes)
            {
                throw KexFailure.Failed($"sntrup761 ciphertext is {ciphertext.Length} bytes, expected {CiphertextBytes}");
            }

            return new SNtruPrimeKemExtractor(privateKey).ExtractSecret(ciphertext.ToArray());
        }
    }
}
